"""Factur-X: invoice PDFs rendered ahead by a bounded pool (Debian's wkhtmltopdf takes one document per run), each
worker on a cursor of its own; a PDF is used only for the invoice it was rendered from, unchanged since.

A test cannot run the workers' threads (they read committed data on cursors of their own, and a test commits
nothing): what a worker renders (``_render_each``) runs here on the test's cursor; the pool around it is measured,
and each deposited file checked as its invoice's, by ``bench/bench_send.py --formats facturx``."""

import io
import threading
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools.pdf import OdooPdfFileReader

from ..models.l10n_fr_chorus_document_pdf import AHEAD_KEY, MAX_RENDER_WORKERS
from .common import ChorusInvoiceCase


@tagged("post_install", "-at_install")
class TestChorusRenderPool(ChorusInvoiceCase):
    def setUp(self):
        super().setUp()
        # no Odoo server answers wkhtmltopdf's requests for the styles while tests run (see test_chorus_document)
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")
        self.Pdf = self.env["l10n_fr_chorus.document.pdf"].with_context(force_report_rendering=True)

    def test_a_worker_renders_each_invoice_its_own_pdf(self):
        invoices = self.make_invoice() | self.make_invoice()
        pdfs = self.Pdf._render_each(invoices)  # what each worker does, on its own cursor
        self.assertEqual(set(pdfs), set(invoices.ids))
        for invoice in invoices:
            stamp, pdf = pdfs[invoice.id]
            self.assertEqual(stamp, invoice.write_date)
            text = OdooPdfFileReader(io.BytesIO(pdf), strict=False).pages[0].extract_text()
            self.assertIn(invoice.name, text, "the PDF of that invoice, not of another")

    def test_a_pdf_is_not_used_for_an_invoice_changed_since(self):
        changed, unchanged = invoices = self.make_invoice() | self.make_invoice()
        pdfs = self.Pdf._render_each(invoices)  # what each worker does, on its own cursor
        self.env.cr.cache[AHEAD_KEY] = {"queue": [], "pdfs": dict(pdfs)}
        self.env.cr.execute("UPDATE account_move SET write_date = write_date + interval '1 second' WHERE id = %s",
                            [changed.id])
        changed.invalidate_recordset(["write_date"])
        self.assertIsNone(self.Pdf._rendered_ahead(changed), "rendered again when its document is built")
        self.assertEqual(self.Pdf._rendered_ahead(unchanged), pdfs[unchanged.id][1])

    def test_the_pool_runs_only_where_the_send_commits_with_several_workers(self):
        invoices = self.make_invoice() | self.make_invoice()
        params = self.env["ir.config_parameter"].sudo()
        self.Pdf._render_ahead(invoices)
        # a worker's error would stay inside its future: what tells that no render was handed out is the pool's state
        with patch.object(type(self.Pdf), "_render_chunk", side_effect=AssertionError("no worker")):
            params.set_param("l10n_fr_chorus_pro.render_workers", "2")
            self.Pdf._render_in_parallel(invoices)  # tests do not commit: other cursors would not see them
            params.set_param("l10n_fr_chorus_pro.render_workers", "1")
            with patch.object(type(self.env["account.move.send"]), "_can_commit", return_value=True):
                self.Pdf._render_in_parallel(invoices)  # one worker: one after the other, when built
        ahead = self.env.cr.cache[AHEAD_KEY]
        self.assertEqual(ahead["futures"], {}, "no render handed to a pool")
        self.assertNotIn("executor", ahead, "no pool started")
        self.assertEqual(ahead["pdfs"], {})
        params.set_param("l10n_fr_chorus_pro.render_workers", "64")
        self.assertEqual(self.Pdf._render_workers(), MAX_RENDER_WORKERS)
        params.set_param("l10n_fr_chorus_pro.render_workers", "")
        self.assertGreaterEqual(self.Pdf._render_workers(), 1, "one per core by default")

    def test_the_pool_renders_the_next_pdfs_while_one_is_used(self):
        """The pool is handed the next invoices and not waited for: while the first document is built (and
        deposited), the others are still rendering; each is awaited only when its own document is built."""
        self.company.l10n_fr_chorus_format = "facturx"
        invoices = self.make_invoice() | self.make_invoice() | self.make_invoice()
        first, second, third = invoices
        stamps = {invoice.id: invoice.write_date for invoice in invoices}
        release = threading.Event()

        def render(_pdf, ids):  # a worker's render, on its own thread: the first at once, the others when released
            if ids != [first.id]:
                release.wait(30)
            return {move_id: (stamps[move_id], b"%PDF-" + str(move_id).encode()) for move_id in ids}

        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.render_workers", "2")
        with patch.object(type(self.Pdf), "_render_chunk", render), \
                patch.object(type(self.env["account.move.send"]), "_can_commit", return_value=True):
            self.Pdf._render_ahead(invoices)
            try:
                self.assertEqual(self.Pdf._rendered_ahead(first), b"%PDF-" + str(first.id).encode())
                futures = self.env.cr.cache[AHEAD_KEY]["futures"]
                self.assertEqual(set(futures), {second.id, third.id}, "handed to the pool")
                self.assertFalse(any(future.done() for future in futures.values()), "still rendering")
                release.set()
                self.assertEqual(self.Pdf._rendered_ahead(third), b"%PDF-" + str(third.id).encode())
                self.assertEqual(self.Pdf._rendered_ahead(second), b"%PDF-" + str(second.id).encode())
            finally:
                release.set()
                self.Pdf._render_ahead_stop()
        self.assertNotIn(AHEAD_KEY, self.env.cr.cache, "nothing kept once the send is over")
