import io
import logging
import os
import re
import subprocess
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from reportlab.pdfgen import canvas

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import find_in_path
from odoo.tools.pdf import DictionaryObject, NameObject, NumberObject, OdooPdfFileReader, OdooPdfFileWriter

_logger = logging.getLogger(__name__)

FACTURX_XML_NAME = "factur-x.xml"
SUBTYPE_RE = re.compile(r"^\w+/[\w-]+$")  # what OdooPdfFileWriter accepts as an embedded file's subtype
# Invoice PDFs rendered by one wkhtmltopdf run when several invoices are sent (Factur-X).
PDF_BATCH_SIZE = 20
# Invoice PDFs rendered at once by a wkhtmltopdf that takes one document per run (Debian's): at most this many
# processes, one per core by default (system parameter l10n_fr_chorus_pro.render_workers; 1: one after the other).
MAX_RENDER_WORKERS = 4
# Where the invoices to build next and their PDFs rendered ahead wait, in the cursor's cache (one send): ``queue``
# (ids not yet given to a rendering), ``pdfs`` ({id: (write_date, PDF) or None}), and with the pool ``executor``
# and ``futures`` ({id: the render in the pool}).
AHEAD_KEY = "l10n_fr_chorus_pdfs"

_batch_rendering = {}  # wkhtmltopdf binary -> whether it renders several documents in one run


def wkhtmltopdf_renders_batches():
    """Whether wkhtmltopdf renders several invoices in one run.

    Only a build with patched Qt (wkhtmltopdf.org's packages, which Odoo recommends) takes several documents and
    writes the outlines Odoo splits the result by; Debian's own build refuses several documents.
    """
    try:
        binary = find_in_path("wkhtmltopdf")
    except OSError:
        return False
    if binary not in _batch_rendering:
        try:
            version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10,
                                     check=False).stdout
        except (OSError, subprocess.SubprocessError):
            version = ""
        _batch_rendering[binary] = "patched qt" in version.lower()
    return _batch_rendering[binary]


class L10nFrChorusDocumentPdf(models.AbstractModel):
    """The PDF side of a Chorus Pro document: the invoice PDF (issued, rendered ahead in batches, or rendered now)
    and the Factur-X PDF/A-3 that carries the invoice XML and the supporting documents.

    Used by ``l10n_fr_chorus.document``, whose ``_build`` and ``_render_ahead`` are the public API.
    """

    _name = "l10n_fr_chorus.document.pdf"
    _description = "Chorus Pro Document PDF"

    # ------------------------------------------------------------------------------------------
    # The invoice PDF
    # ------------------------------------------------------------------------------------------
    @api.model
    def _rendering_placeholders(self):
        """Whether invoice PDFs are stood in for by :meth:`_placeholder_pdf` instead of being rendered.

        Never in production. The addon's tests turn it on (``tests/common.py``) unless a test passes
        ``force_report_rendering``, as Odoo itself does not run wkhtmltopdf in tests: while tests run, the test
        server cannot answer wkhtmltopdf's requests for the report's styles and the rendering would hang.
        """
        return False

    @api.model
    def _report_engine(self, company):
        """The report engine as this module renders invoice PDFs: nothing stored, and the JavaScript delay of
        ``l10n_fr_chorus_pro.print_delay`` (0 ms by default) instead of Odoo's ``report.print_delay`` (1 s by
        default, for reports that draw with JavaScript; the invoice report does not)."""
        try:
            delay = max(int(self.env["ir.config_parameter"].sudo().get_param("l10n_fr_chorus_pro.print_delay", 0)), 0)
        except ValueError:
            delay = 0
        return self.env["ir.actions.report"].with_company(company).with_context(
            force_report_rendering=True, report_pdf_no_attachment=True, l10n_fr_chorus_print_delay=delay,
        )

    @api.model
    def _render_ahead(self, invoices, rendered=None):
        """See ``l10n_fr_chorus.document._render_ahead``."""
        ahead = self.env.cr.cache.setdefault(AHEAD_KEY, {"queue": [], "pdfs": {}, "futures": {}})
        ahead["queue"] = list(invoices.ids)
        for invoice in invoices:
            if rendered and rendered.get(invoice.id):
                ahead["pdfs"][invoice.id] = (invoice.write_date, rendered[invoice.id])

    @api.model
    def _render_ahead_stop(self):
        """The send is over: renders not started are cancelled, the running ones awaited, the PDFs forgotten."""
        ahead = self.env.cr.cache.pop(AHEAD_KEY, None)
        if ahead and ahead.get("executor"):
            ahead["executor"].shutdown(wait=True, cancel_futures=True)

    @api.model
    def _rendered_ahead(self, invoice):
        """The PDF of ``invoice`` rendered ahead (rendering the next batch now if needed), or None.

        With the pool, the next batch is handed to it before this PDF is awaited: the renders go on while the
        documents are built and deposited."""
        ahead = self.env.cr.cache.get(AHEAD_KEY)
        if not ahead:
            return None
        queue, futures = ahead["queue"], ahead.setdefault("futures", {})

        def render_from(start):  # the next PDF_BATCH_SIZE queued invoices from ``start``; those before it: alone
            batch = self.env["account.move"].browse(queue[start:start + PDF_BATCH_SIZE])
            del queue[:start + PDF_BATCH_SIZE]
            self._prefetch_invoice_pdfs(batch, ahead["pdfs"])

        if invoice.id not in ahead["pdfs"] and invoice.id in queue:
            render_from(queue.index(invoice.id))
        rendering = sum(1 for future in futures.values() if not future.done())
        if ahead.get("executor") and queue and rendering < PDF_BATCH_SIZE:  # keep the pool busy
            render_from(0)
        future = futures.pop(invoice.id, None)
        if future is not None:
            ahead["pdfs"].update(future.result())  # _render_chunk never raises
        found = ahead["pdfs"].pop(invoice.id, None)
        if found and found[0] == invoice.write_date:  # not changed since
            return found[1]
        return None

    @api.model
    def _invoice_pdf(self, invoice):
        """The invoice's PDF: the one already issued if any, else the one rendered ahead (see
        :meth:`_render_ahead`), else rendered now (and not stored).

        :return: ``(pdf bytes, whether it comes from the report engine)``
        """
        issued = invoice.invoice_pdf_report_id.sudo().raw
        if issued and issued.startswith(b"%PDF"):
            return issued, True
        ahead = self._rendered_ahead(invoice)
        if ahead:
            return ahead, True
        if self._rendering_placeholders():
            return self._placeholder_pdf(invoice), False
        report = self.env["account.move.send"]._get_default_pdf_report_id(invoice)
        pdf, report_type = self._report_engine(invoice.company_id)._render_qweb_pdf(report.report_name, invoice.ids)
        if report_type != "pdf" or not pdf.startswith(b"%PDF"):
            raise UserError(_("%(invoice)s: the invoice PDF could not be rendered; check the PDF report settings.",
                              invoice=invoice.name))
        return pdf, True

    @api.model
    def _prefetch_invoice_pdfs(self, invoices, pdfs):
        """Render ahead the invoice PDFs that Factur-X documents of ``invoices`` will need, in one wkhtmltopdf run
        per company and report instead of one run per invoice.

        Fills ``pdfs`` with ``{invoice id: (write_date, PDF)}``, or ``None`` for an invoice rendered alone when its
        document is built:
        PDF already issued, another format, or a rendering that could not be split per invoice. Never raises.
        """
        Document = self.env["l10n_fr_chorus.document"]
        todo = []
        for invoice in invoices:
            if invoice.id in pdfs:
                continue
            pdfs[invoice.id] = None
            if (invoice.state == "posted" and invoice.is_sale_document() and not invoice.invoice_pdf_report_id
                    and Document._format(invoice, None) == "facturx"):
                todo.append(invoice)
        if len(todo) < 2 or self._rendering_placeholders():
            return
        if not wkhtmltopdf_renders_batches():
            self._render_in_parallel(todo)  # awaited in _rendered_ahead, where pdfs gets their PDFs
            return
        groups = defaultdict(list)
        for invoice in todo:
            report = self.env["account.move.send"]._get_default_pdf_report_id(invoice)
            groups[invoice.company_id, report].append(invoice)
        for (company, report), group in groups.items():
            if len(group) < 2:
                continue
            try:
                with self.env.cr.savepoint():
                    streams, report_type = self._report_engine(company)._pre_render_qweb_pdf(
                        report.report_name, res_ids=[invoice.id for invoice in group])
            except Exception:  # rendered one by one instead, where the error will be reported on its invoice
                _logger.warning("Chorus Pro: the PDFs of invoices %s could not be rendered together",
                                [invoice.id for invoice in group], exc_info=True)
                continue
            if report_type != "pdf":
                continue
            for invoice in group:
                stream = (streams.get(invoice.id) or {}).get("stream")
                pdf = stream.getvalue() if stream else b""
                if pdf.startswith(b"%PDF"):
                    pdfs[invoice.id] = (invoice.write_date, pdf)
            for data in streams.values():
                if data.get("stream"):
                    data["stream"].close()

    @api.model
    def _render_workers(self):
        try:
            workers = int(self.env["ir.config_parameter"].sudo().get_param("l10n_fr_chorus_pro.render_workers", 0))
        except ValueError:
            workers = 0
        return min(workers or os.cpu_count() or 1, MAX_RENDER_WORKERS)

    @api.model
    def _render_in_parallel(self, invoices):
        """Hand the PDFs of ``invoices`` to a bounded pool, one wkhtmltopdf process per invoice, each render on a
        cursor of its own (so only where the send commits: the invoices are then committed data, and a worker's
        cursor sees what this one sees), without waiting: :meth:`_rendered_ahead` awaits each when its document is
        built. A PDF is used only if the invoice has not changed since (write date); whatever fails is rendered
        again when its document is built. The pool lasts for the send (:meth:`_render_ahead_stop`). Never
        raises."""
        workers = self._render_workers()
        ahead = self.env.cr.cache.get(AHEAD_KEY)
        if workers < 2 or ahead is None or not self.env["account.move.send"]._can_commit():
            return
        if not ahead.get("executor"):
            ahead["executor"] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="chorus-pdf")
        futures = ahead.setdefault("futures", {})
        for invoice in invoices:  # pdfs[id] stays None until its render is awaited
            futures[invoice.id] = ahead["executor"].submit(self._render_chunk, [invoice.id])

    @api.model
    def _render_chunk(self, ids):
        """One worker of :meth:`_render_in_parallel`: the PDFs of these invoices, on a cursor of its own,
        ``{invoice id: (write_date, PDF)}``. Never raises."""
        rendered = {}
        try:
            with self.env.registry.cursor() as cr:
                # never wait on the rows the sending transaction holds: give up instead (rendered later)
                cr.execute("SET LOCAL lock_timeout = '5s'")
                env = api.Environment(cr, self.env.uid, dict(self.env.context))
                rendered = env["l10n_fr_chorus.document.pdf"]._render_each(env["account.move"].browse(ids))
                cr.rollback()  # a rendering writes nothing that must stay
        except Exception:  # rendered one by one when its document is built, where an error is reported
            _logger.warning("Chorus Pro: invoice PDFs %s could not be rendered ahead", ids, exc_info=True)
        return rendered

    @api.model
    def _render_each(self, invoices):
        """The PDF of each invoice, one wkhtmltopdf run each: ``{invoice id: (write_date, PDF)}``."""
        rendered = {}
        for invoice in invoices:
            report = self.env["account.move.send"]._get_default_pdf_report_id(invoice)
            pdf, report_type = self._report_engine(invoice.company_id)._render_qweb_pdf(report.report_name, invoice.ids)
            if report_type == "pdf" and pdf.startswith(b"%PDF"):
                rendered[invoice.id] = (invoice.write_date, pdf)
        return rendered

    @api.model
    def _placeholder_pdf(self, invoice):
        """A one-page PDF naming the invoice, standing for the real one while rendering is off (tests)."""
        buffer = io.BytesIO()
        page = canvas.Canvas(buffer)
        page.drawString(72, 770, invoice.name)
        page.showPage()
        page.save()
        return buffer.getvalue()

    # ------------------------------------------------------------------------------------------
    # Factur-X: PDF/A-3 with the invoice XML and the supporting documents embedded
    # ------------------------------------------------------------------------------------------
    @api.model
    def _facturx_pdf(self, invoice, xml):
        """The invoice PDF as a PDF/A-3 Factur-X: ``xml`` embedded as factur-x.xml, supporting documents beside."""
        pdf, rendered = self._invoice_pdf(invoice)
        reader = OdooPdfFileReader(io.BytesIO(pdf), strict=False)
        writer = OdooPdfFileWriter()
        writer.cloneReaderDocumentRoot(reader)
        # An issued PDF may already embed Odoo's own (non Chorus) factur-x.xml: start from the pages only.
        root = writer._root_object
        if "/Names" in root and "/EmbeddedFiles" in root["/Names"]:
            del root["/Names"]["/EmbeddedFiles"]
        root.pop("/AF", None)
        self._embed(writer, FACTURX_XML_NAME, xml, "text/xml", "/Alternative")
        for attachment in invoice.l10n_fr_chorus_attachment_ids.sudo():
            mimetype = attachment.mimetype or ""
            mimetype = mimetype if SUBTYPE_RE.match(mimetype) else "application/octet-stream"
            self._embed(writer, attachment.name, attachment.raw or b"", mimetype, "/Supplement")
        # Not ``writer.is_pdfa``: its header heuristic takes any wkhtmltopdf output for a PDF/A. A PDF/A has an
        # output intent; Odoo's conversion adds it, with the sRGB profile and fixed font widths.
        if rendered and "/OutputIntents" not in root:
            self._convert_to_pdfa(writer, invoice)
        metadata = self.env["ir.qweb"]._render("account_edi_ubl_cii.account_invoice_pdfa_3_facturx_metadata", {
            "title": invoice.name,
            "date": fields.Date.context_today(self),
        })
        writer.add_file_metadata(metadata.encode())
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue()

    @api.model
    def _convert_to_pdfa(self, writer, invoice):
        """Odoo's PDF/A conversion of a rendered invoice PDF; a failure keeps the PDF as it is (logged)."""
        root = writer._root_object
        # The conversion updates the outline count, but Debian's wkhtmltopdf writes no outline: lend it one.
        lent_outlines = "/Outlines" not in root
        if lent_outlines:
            root[NameObject("/Outlines")] = writer._addObject(DictionaryObject({
                NameObject("/Type"): NameObject("/Outlines"),
                NameObject("/Count"): NumberObject(0),
            }))
        try:
            writer.convert_to_pdfa()
        except Exception:  # same tolerance as Odoo's own Factur-X: keep the PDF, say why
            _logger.warning("PDF/A conversion of %s failed", invoice.name, exc_info=True)
        if lent_outlines:
            del root["/Outlines"]
        if writer._header.endswith(b"\n"):
            # Odoo's PDF/A header ends with a newline, and PyPDF2 2 adds one before its binary comment: PDF/A
            # wants that comment on the second line.
            writer._header = writer._header.rstrip(b"\r\n")

    @api.model
    def _embed(self, writer, name, data, mimetype, relationship):
        """Embed one file in the PDF with its PDF/A-3 relationship (Alternative for the invoice XML)."""
        writer.addAttachment(name, data, subtype=mimetype)
        entry = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"][-1]
        filespec = entry.get_object() if hasattr(entry, "get_object") else entry.getObject()  # PyPDF2 1.x
        filespec[NameObject("/AFRelationship")] = NameObject(relationship)
