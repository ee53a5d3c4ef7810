"""Documents built ahead for a batch of invoices: what is deposited is always the invoice as it is at its intent."""

from unittest.mock import patch

import psycopg2

from odoo.sql_db import db_connect
from odoo.tests import get_db_name, tagged

from ..models import l10n_fr_chorus_sender
from ..models.l10n_fr_chorus_sender import SendRun
from .common import ChorusInvoiceCase


@tagged("post_install", "-at_install")
class TestChorusSendAhead(ChorusInvoiceCase):
    def setUp(self):
        super().setUp()
        self.Sender = self.env["l10n_fr_chorus.sender"].sudo()

    def make_invoices(self, count, **vals):
        vals = {"l10n_fr_chorus_service_id": self.service_technique.id, "purchase_order_reference": "EJ-1",
                "contract_reference": "MARCHE-2026-7", **vals}
        return self.env["account.move"].concat(*(self.make_invoice(self.montreuil, **vals) for _i in range(count)))

    def deposited(self):
        """{invoice number: market number} of what Chorus Pro received (each invoice at most once)."""
        self.sandbox.state.advance(flows_to_final=True)
        found = {}
        for flow in self.sandbox_flows():
            for parsed in flow.parsed:
                self.assertNotIn(parsed.number, found, "deposited twice")
                found[parsed.number] = parsed.market
        return found

    def committed_invoices(self, offset):
        """Three invoices committed in the test database: rows another connection sees."""
        self.env.cr.execute("SELECT id FROM account_move ORDER BY id OFFSET %s LIMIT 3", [offset])
        moves = self.env["account.move"].browse([row[0] for row in self.env.cr.fetchall()])
        self.assertEqual(len(moves), 3, "the test database has committed invoices")
        return moves

    def change_in(self, other, move):
        """Another worker (the cursor ``other``) changes ``move``'s row and commits."""
        other.execute("UPDATE account_move SET write_date = write_date WHERE id = %s", [move.id])
        other.commit()

    def build_ahead(self, invoices):
        run = SendRun()
        ready, outcome = self.Sender._prepare_batch(invoices.sudo(), run)
        self.assertEqual(ready, invoices, outcome)
        self.assertEqual(self.sandbox.state.calls["factures/deposer/flux"], 0, "nothing deposited while preparing")
        return run

    def test_an_invoice_changed_after_its_document_was_built_is_deposited_as_it_is_now(self):
        first, second = self.make_invoices(2)
        run = self.build_ahead(first | second)
        first.contract_reference = "MARCHE-2026-8"  # the accountant corrects the market number meanwhile
        self.env.flush_all()
        try:
            for move in (first, second):
                sent, message = self.Sender._deposit(move.sudo(), run, commit=False)[move]
                self.assertTrue(sent, message)
        finally:
            self.Sender._unlock(run.locked)
        self.assertEqual(self.deposited(), {first.name: "MARCHE-2026-8", second.name: "MARCHE-2026-7"})
        self.assertIn(b"MARCHE-2026-8", first.l10n_fr_chorus_flow_id.attachment_id.raw)

    def test_an_invoice_made_unsendable_after_its_document_was_built_is_not_deposited(self):
        first, second = self.make_invoices(2)
        run = self.build_ahead(first | second)
        first.button_draft()  # reset to draft between its checks and its deposit
        self.env.flush_all()
        try:
            outcome = self.Sender._deposit(first.sudo(), run, commit=False)
            outcome.update(self.Sender._deposit(second.sudo(), run, commit=False))
        finally:
            self.Sender._unlock(run.locked)
        self.assertFalse(outcome[first][0])
        self.assertIn(first.name or "", outcome[first][1])
        self.assertFalse(first.l10n_fr_chorus_flow_id)
        self.assertTrue(outcome[second][0], outcome[second][1])
        self.assertEqual(list(self.deposited()), [second.name])

    def test_an_invoice_moved_to_another_company_after_its_document_was_built_waits_for_the_next_run(self):
        invoice = self.make_invoices(1)
        run = self.build_ahead(invoice)
        other = self.env["res.company"].create({"name": "Durand Agence Ouest", "country_id": self.env.ref("base.fr").id,
                                                "siret": "73282932000074"})
        self.connect_company(other)
        self.env.cr.execute("UPDATE account_move SET company_id = %s WHERE id = %s", [other.id, invoice.id])
        invoice.invalidate_recordset()
        try:
            sent, message = self.Sender._deposit(invoice.sudo(), run, commit=False)[invoice]
        finally:
            self.Sender._unlock(run.locked)
        self.assertFalse(sent)
        self.assertIn(invoice.name, message)
        self.assertIn("next run", message)
        self.assertEqual(self.sandbox.state.calls["factures/deposer/flux"], 0, "not deposited as the first company")
        self.assertFalse(invoice.l10n_fr_chorus_flow_id)
        self.assertEqual(invoice.l10n_fr_chorus_state, "to_send")

    def test_a_batch_lock_skips_only_the_invoice_another_worker_changed_and_leaves_no_lock_behind(self):
        """Invoices are locked a batch at a time; one changed by another transaction since this one began is
        skipped (that worker handled it), the others are locked, and every advisory lock is released."""
        cr = self.env.cr
        moves = self.committed_invoices(offset=0)
        with db_connect(get_db_name()).cursor() as other:
            self.change_in(other, moves[1])
        locked_ids = []
        locked = self.Sender._lock(moves, locked_ids)
        self.assertEqual(locked, moves[0] | moves[2])
        self.assertEqual(sorted(locked_ids), sorted(moves.ids))
        self.Sender._unlock(locked_ids)
        cr.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        self.assertEqual(cr.fetchone()[0], 0, "no advisory lock left on the worker's connection")

    def test_the_fingerprint_before_the_intent_locks_the_rows_or_says_another_worker_changed_them(self):
        """Just before the intent, the invoices' fingerprints are read and their rows locked by one statement:
        another worker can no longer change them until the commit; one it changed since this transaction began
        gives no fingerprint at all (that worker handled it)."""
        moves = self.committed_invoices(offset=3)  # not those the batch lock test has another worker change
        ahead = self.Sender._fingerprints(moves[:2])
        with db_connect(get_db_name()).cursor() as other:
            self.change_in(other, moves[2])
            self.assertEqual(self.Sender._fingerprints(moves[:2], lock=True), ahead)
            for move in moves[:2]:
                with self.assertRaises(psycopg2.errors.LockNotAvailable), other.savepoint(flush=False):
                    other.execute("SELECT id FROM account_move WHERE id = %s FOR NO KEY UPDATE NOWAIT", [move.id],
                                  log_exceptions=False)
        self.assertIsNone(self.Sender._fingerprints(moves[2], lock=True))
        self.assertIsNone(self.Sender._fingerprints(moves, lock=True))

    def test_a_client_corrected_after_the_documents_were_built_is_in_every_deposited_file(self):
        invoices = self.make_invoices(3)
        run = self.build_ahead(invoices)
        self.montreuil.street = "2 place Jean Jaurès"
        self.env.flush_all()
        try:
            for move in invoices:
                self.assertTrue(self.Sender._deposit(move.sudo(), run, commit=False)[move][0])
        finally:
            self.Sender._unlock(run.locked)
        for move in invoices:
            self.assertIn("2 place Jean Jaurès".encode(), move.l10n_fr_chorus_flow_id.attachment_id.raw)

    def test_more_invoices_than_one_preparation_batch_each_deposited_once(self):
        for group_size, deposits in ((1, 7), (4, 2)):
            with self.subTest(group_size=group_size), patch.object(l10n_fr_chorus_sender, "PREPARE_BATCH", 3):
                self.sandbox.state.calls.clear()
                invoices = self.make_invoices(7)
                results = invoices._l10n_fr_chorus_send(group_size=group_size)
                self.assertTrue(all(sent for sent, _message in results.values()), results)
                self.assertEqual(self.sandbox.state.calls["factures/deposer/flux"], deposits)
                self.assertEqual(set(invoices.mapped("l10n_fr_chorus_state")), {"deposited"})
                self.sandbox.state.advance(flows_to_final=True)
                numbers = [p.number for flow in self.sandbox_flows() for p in flow.parsed]
                self.assertEqual(sorted(n for n in numbers if n in invoices.mapped("name")),
                                 sorted(invoices.mapped("name")))
