"""The document deposited on Chorus Pro: Factur-X, UBL and CII, their Chorus Pro fields and their validity."""

import base64
import io
import tarfile
import threading

import facturx
from lxml import etree

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.pdf import OdooPdfFileReader

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..chorus_client import SYNTAX_CII, SYNTAX_FACTURX, SYNTAX_UBL
from ..models.l10n_fr_chorus_document import safe_filename
from .common import PlaceholderPdfMixin

SELLER_SIRET = "85295410600013"
BUYER_SIRET = "21750001600019"
IBAN = "FR7630006000011234567890189"
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
AGREEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/"
SETTLEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/"
CSV_BYTES = b"ligne;montant\n1;100\n"
PNG_BYTES = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@tagged("post_install", "-at_install")
class TestChorusDocument(PlaceholderPdfMixin, AccountTestInvoicingCommon):
    @classmethod
    @AccountTestInvoicingCommon.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.write({
            "siret": SELLER_SIRET,
            "street": "12 rue des Artisans",
            "zip": "75011",
            "city": "Paris",
            "l10n_fr_chorus_format": "facturx",
        })
        cls.bank = cls.env["res.partner.bank"].create({
            "acc_number": IBAN,
            "partner_id": cls.company.partner_id.id,
        })
        cls.buyer = cls.env["res.partner"].create({
            "name": "Commune de Montreuil",
            "is_company": True,
            "siret": BUYER_SIRET,
            "street": "1 place Jean Jaurès",
            "zip": "93100",
            "city": "Montreuil",
            "country_id": cls.env.ref("base.fr").id,
        })
        cls.private_client = cls.env["res.partner"].create({
            "name": "Client privé",
            "is_company": True,
            "ref": "PRIV-REF",
            "country_id": cls.env.ref("base.fr").id,
        })
        cls.Document = cls.env["l10n_fr_chorus.document"]
        # One Chorus Pro invoice for most checks (its Factur-X PDF is rendered once, in one test).
        cls.invoice = cls._chorus_invoice()

    @classmethod
    def _chorus_invoice(cls, move_type="out_invoice", lines=None, **values):
        """A posted invoice to the public buyer, marked for Chorus Pro."""
        invoice = cls.env["account.move"].create({
            "move_type": move_type,
            "partner_id": cls.buyer.id,
            "invoice_date": "2024-03-01",
            "partner_bank_id": cls.bank.id if move_type == "out_invoice" else False,
            "buyer_reference": "SERVICE-COMPTA",
            "purchase_order_reference": "EJ-2024-0042",
            "contract_reference": "MARCHE-2024-7",
            "l10n_fr_chorus_billing_frame": "A1_FACTURE_FOURNISSEUR",
            "invoice_line_ids": lines or [Command.create({
                "product_id": cls.product_a.id,
                "quantity": 2,
                "price_unit": 100.0,
                "tax_ids": [Command.set(cls.tax_sale_a.ids)],
            })],
            **values,
        })
        invoice.l10n_fr_chorus_transfer = True
        invoice.action_post()
        return invoice

    @classmethod
    def _attach(cls, invoice, name, raw, mimetype):
        attachment = cls.env["ir.attachment"].create({
            "name": name, "raw": raw, "mimetype": mimetype, "res_model": "account.move", "res_id": invoice.id,
        })
        invoice.l10n_fr_chorus_attachment_ids = [Command.link(attachment.id)]
        return attachment

    def _assert_valid_cii(self, xml):
        self.assertTrue(facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931"))
        return etree.fromstring(xml)

    def _assert_chorus_cii(self, tree, invoice):
        """BT-10/12/13/23, both SIRETs, EN 16931 profile and payment means, where EN 16931 CII puts them."""
        self.assertEqual(tree.findtext(
            "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", namespaces=NS,
        ), "urn:cen.eu:en16931:2017")
        self.assertEqual(tree.findtext(
            "rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID", namespaces=NS,
        ), "A1")
        context = tree.find("rsm:ExchangedDocumentContext", namespaces=NS)
        self.assertEqual([etree.QName(child).localname for child in context], [
            "BusinessProcessSpecifiedDocumentContextParameter", "GuidelineSpecifiedDocumentContextParameter",
        ])
        self.assertEqual(tree.findtext(AGREEMENT + "ram:BuyerReference", namespaces=NS), invoice.buyer_reference)
        self.assertEqual(tree.findtext(
            AGREEMENT + "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID", namespaces=NS,
        ), invoice.purchase_order_reference)
        self.assertEqual(tree.findtext(
            AGREEMENT + "ram:ContractReferencedDocument/ram:IssuerAssignedID", namespaces=NS,
        ), invoice.contract_reference)
        seller_id = tree.find(AGREEMENT + "ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", NS)
        buyer_id = tree.find(AGREEMENT + "ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", NS)
        self.assertEqual((seller_id.text, seller_id.get("schemeID")), (SELLER_SIRET, "0002"))
        self.assertEqual((buyer_id.text, buyer_id.get("schemeID")), (BUYER_SIRET, "0002"))
        means = SETTLEMENT + "ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode"
        self.assertTrue(tree.findtext(means, namespaces=NS))

    # ------------------------------------------------------------------------------------------
    # The three formats
    # ------------------------------------------------------------------------------------------
    def test_cii_document(self):
        document = self.Document._build(self.invoice, "cii")
        self.assertEqual(document["syntax"], SYNTAX_CII)
        self.assertEqual(document["filename"], safe_filename(self.invoice.name, ".xml"))
        self.assertEqual(document["content"], document["xml"])
        tree = self._assert_valid_cii(document["content"])
        self._assert_chorus_cii(tree, self.invoice)
        self.assertEqual(tree.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=NS), "380")
        means = tree.find(SETTLEMENT + "ram:SpecifiedTradeSettlementPaymentMeans", NS)
        self.assertEqual(means.findtext("ram:TypeCode", namespaces=NS), "42")
        self.assertEqual(means.findtext("ram:PayeePartyCreditorFinancialAccount/ram:IBANID", namespaces=NS), IBAN)

    def test_ubl_document(self):
        document = self.Document._build(self.invoice, "ubl")
        self.assertEqual(document["syntax"], SYNTAX_UBL)
        self.assertTrue(document["filename"].endswith(".xml"))
        self.assertTrue(facturx.xml_check_xsd(document["content"], flavor="ubl-2.1-invoice"))
        tree = etree.fromstring(document["content"])
        self.assertEqual(tree.findtext("cbc:CustomizationID", namespaces=NS), "urn:cen.eu:en16931:2017")
        self.assertEqual(tree.findtext("cbc:ProfileID", namespaces=NS), "A1")
        self.assertEqual(tree.findtext("cbc:BuyerReference", namespaces=NS), "SERVICE-COMPTA")
        self.assertEqual(tree.findtext("cac:OrderReference/cbc:ID", namespaces=NS), "EJ-2024-0042")
        self.assertEqual(tree.findtext("cac:ContractDocumentReference/cbc:ID", namespaces=NS), "MARCHE-2024-7")
        for role, siret in (("Supplier", SELLER_SIRET), ("Customer", BUYER_SIRET)):
            party = tree.find(f"cac:Accounting{role}Party/cac:Party", NS)
            legal_id = party.find("cac:PartyLegalEntity/cbc:CompanyID", NS)
            self.assertEqual((legal_id.text, legal_id.get("schemeID")), (siret, "0002"))
            self.assertEqual(party.findtext("cac:PartyIdentification/cbc:ID", namespaces=NS), siret)
            # No VAT number: no tax scheme (Odoo would put the SIRET there as a VAT number).
            self.assertIsNone(party.find("cac:PartyTaxScheme", NS))
        self.assertEqual(tree.findtext("cac:PaymentMeans/cbc:PaymentMeansCode", namespaces=NS), "30")
        self.assertEqual(tree.findtext("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", namespaces=NS), IBAN)

    def test_facturx_pdf_with_supporting_documents(self):
        """The one test rendering a PDF: PDF/A-3 Factur-X, valid XML, supporting documents as PDF attachments."""
        invoice = self._chorus_invoice()
        self._attach(invoice, "bon_de_livraison.png", PNG_BYTES, "image/png")
        self._attach(invoice, "detail des heures.csv", CSV_BYTES, "text/csv")
        # While tests run, Odoo's server cannot answer wkhtmltopdf's requests for the report styles (the registry
        # is locked): point wkhtmltopdf at a closed port so that it renders without them instead of waiting forever.
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")
        # The company's format (Factur-X), with a real wkhtmltopdf rendering.
        document = self.Document.with_context(force_report_rendering=True)._build(invoice)
        self.assertEqual(document["syntax"], SYNTAX_FACTURX)
        self.assertEqual(document["filename"], safe_filename(invoice.name, ".pdf"))
        header = document["content"][:32].split(b"\n")
        self.assertEqual(header[0], b"%PDF-1.7")  # PDF/A-3: PDF 1.7, binary comment on the second line
        self.assertTrue(header[1].startswith(b"%") and len(header[1]) >= 5, header)
        self.assertIn(b"/OutputIntents", document["content"])
        filename, xml = facturx.get_xml_from_pdf(document["content"], check_xsd=True)
        self.assertEqual(filename, "factur-x.xml")
        self.assertEqual(xml, document["xml"])
        self.assertEqual(facturx.get_level(etree.fromstring(xml)), "en16931")
        tree = self._assert_valid_cii(xml)
        self._assert_chorus_cii(tree, invoice)
        # The XML references the supporting documents, the PDF carries them.
        references = tree.findall(AGREEMENT + "ram:AdditionalReferencedDocument", NS)
        self.assertEqual([ref.findtext("ram:IssuerAssignedID", namespaces=NS) for ref in references],
                         ["bon_de_livraison.png", "detail des heures.csv"])
        self.assertEqual({ref.findtext("ram:TypeCode", namespaces=NS) for ref in references}, {"916"})
        embedded = dict(OdooPdfFileReader(io.BytesIO(document["content"]), strict=False).getAttachments())
        self.assertEqual(set(embedded), {"factur-x.xml", "bon_de_livraison.png", "detail des heures.csv"})
        self.assertEqual(embedded["bon_de_livraison.png"], PNG_BYTES)
        self.assertEqual(embedded["detail des heures.csv"], CSV_BYTES)
        self.assertIn(b"<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>", document["content"])
        # Nothing was stored as the invoice's official PDF.
        self.assertFalse(invoice.invoice_pdf_report_id)

    def test_credit_note(self):
        refund = self._chorus_invoice("out_refund")
        tree = self._assert_valid_cii(self.Document._build(refund, "cii")["content"])
        self.assertEqual(tree.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=NS), "381")
        self._assert_chorus_cii(tree, refund)  # payment means present although no bank account
        ubl = self.Document._build(refund, "ubl")["content"]
        self.assertTrue(facturx.xml_check_xsd(ubl, flavor="ubl-2.1-creditnote"))
        ubl_tree = etree.fromstring(ubl)
        self.assertEqual(ubl_tree.findtext("cbc:CreditNoteTypeCode", namespaces=NS), "381")
        self.assertEqual(ubl_tree.findtext("cbc:ProfileID", namespaces=NS), "A1")
        self.assertTrue(ubl_tree.findtext("cac:PaymentMeans/cbc:PaymentMeansCode", namespaces=NS))

    def test_line_without_product_is_valid(self):
        invoice = self._chorus_invoice(lines=[
            Command.create({
                "name": "Maintenance des espaces verts\nMars 2024, 3 passages",
                "quantity": 3,
                "price_unit": 80.0,
                "tax_ids": [Command.set(self.tax_sale_a.ids)],
            }),
            Command.create({"product_id": self.product_a.id, "price_unit": 10.0,
                            "tax_ids": [Command.set(self.tax_sale_a.ids)]}),
        ])
        tree = self._assert_valid_cii(self.Document._build(invoice, "cii")["content"])
        products = tree.findall(".//ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedTradeProduct", NS)
        self.assertEqual(products[0].findtext("ram:Name", namespaces=NS), "Maintenance des espaces verts")
        self.assertEqual(products[0].findtext("ram:Description", namespaces=NS),
                         "Maintenance des espaces verts\nMars 2024, 3 passages")
        self.assertEqual(products[1].findtext("ram:Name", namespaces=NS), "product_a")
        ubl = self.Document._build(invoice, "ubl")["content"]
        self.assertTrue(facturx.xml_check_xsd(ubl, flavor="ubl-2.1-invoice"))
        pdf = self.Document._build(invoice, "facturx")["content"]  # stand-in PDF: no wkhtmltopdf here
        self.assertEqual(facturx.get_xml_from_pdf(pdf, check_xsd=True)[0], "factur-x.xml")

    def test_each_line_carries_its_own_unit_code_invoice_after_invoice(self):
        """Units are looked up once per cursor: lines in hours and in units, in two invoices built one after the
        other in the same transaction, each keep their UNECE code (HUR, C62)."""
        hours = self.env.ref("uom.product_uom_hour")
        for fmt in ("cii", "ubl"):
            for first in (hours, self.env.ref("uom.product_uom_unit")):
                with self.subTest(fmt=fmt, first=first.name):
                    others = hours if first != hours else self.env.ref("uom.product_uom_unit")
                    invoice = self._chorus_invoice(lines=[
                        Command.create({"name": f"Ligne {uom.name}", "quantity": 1, "price_unit": 50.0,
                                        "product_uom_id": uom.id, "tax_ids": [Command.set(self.tax_sale_a.ids)]})
                        for uom in (first, others)
                    ])
                    tree = etree.fromstring(self.Document._build(invoice, fmt)["content"])
                    path = (".//ram:BilledQuantity" if fmt == "cii" else ".//cbc:InvoicedQuantity")
                    codes = [node.get("unitCode") for node in tree.findall(path, NS)]
                    expected = {hours: "HUR"}
                    self.assertEqual(codes, [expected.get(first, "C62"), expected.get(others, "C62")])

    def test_invoices_built_together_look_master_data_up_once(self):
        """What Odoo's export looks up for every invoice (whether the European country group exists, each unit's
        code, the taxes and tags of the tax lines) is read once for invoices built together: the invoices after
        the first ask the database none of it again, in UBL as in CII (issue 18)."""
        invoices = self.invoice | self._chorus_invoice() | self._chorus_invoice()
        self.env.invalidate_all()
        invoices = invoices.with_prefetch()
        self.Document._prefetch(invoices)
        for fmt in ("ubl", "cii"):
            self.Document._build(invoices[0], fmt)
        tables = ("res_country_group", "ir_model_data", "account_move_line_account_tax_rel",
                  "account_account_tag_account_move_line_rel")
        asked = []

        def hook(_cr, query, _params, _start, _delay):
            text = query.decode() if isinstance(query, bytes) else str(query)
            asked.extend(table for table in tables if f'"{table}"' in text)

        thread = threading.current_thread()
        hooks = getattr(thread, "query_hooks", ())
        thread.query_hooks = (*hooks, hook)
        try:
            for invoice in invoices[1:]:
                for fmt in ("ubl", "cii"):
                    self.Document._build(invoice, fmt)
            self.assertEqual(asked, [])
            self.env.ref("base.europe")  # outside a document build, Odoo asks as before
        finally:
            thread.query_hooks = hooks
        self.assertEqual(asked, ["res_country_group"])

    def test_product_units_keep_their_own_code(self):
        """Each unit's code, looked up once per cursor, stays its own (hours, units, hours again)."""
        hours, units = self.env.ref("uom.product_uom_hour"), self.env.ref("uom.product_uom_unit")
        self.assertEqual([uom._get_unece_code() for uom in (hours, units, hours)], ["HUR", "C62", "HUR"])

    def test_a_deleted_country_group_is_not_known_to_exist(self):
        """The country groups found to exist while documents are built are forgotten when one is deleted."""
        group = self.env["res.country.group"].create({"name": "Groupe de test"})
        building = group.with_context(l10n_fr_chorus_document=True)
        self.assertEqual(building.exists(), group)
        group.unlink()
        self.assertFalse(building.exists())

    def test_empty_references_are_not_invented(self):
        """Without service code nor commitment number, nothing stands in for them (not the invoice name)."""
        invoice = self._chorus_invoice(buyer_reference=False, purchase_order_reference=False,
                                       contract_reference=False)
        self.buyer.ref = "PARTNER-REF"
        tree = self._assert_valid_cii(self.Document._build(invoice, "cii")["content"])
        self.assertIsNone(tree.find(AGREEMENT + "ram:BuyerOrderReferencedDocument", NS))
        self.assertIsNone(tree.find(AGREEMENT + "ram:BuyerReference", NS))
        self.assertIsNone(tree.find(AGREEMENT + "ram:ContractReferencedDocument", NS))
        ubl = self.Document._build(invoice, "ubl")["content"]
        self.assertTrue(facturx.xml_check_xsd(ubl, flavor="ubl-2.1-invoice"))
        ubl_tree = etree.fromstring(ubl)
        self.assertIsNone(ubl_tree.find("cac:OrderReference", NS))
        self.assertIsNone(ubl_tree.find("cbc:BuyerReference", NS))
        self.assertIsNone(ubl_tree.find("cac:ContractDocumentReference", NS))

    def test_supporting_documents_embedded_in_xml(self):
        invoice = self._chorus_invoice()
        self._attach(invoice, "pv_reception.png", PNG_BYTES, "image/png")
        self._attach(invoice, "annexe.csv", CSV_BYTES, "text/csv")
        tree = self._assert_valid_cii(self.Document._build(invoice, "cii")["content"])
        documents = tree.findall(AGREEMENT + "ram:AdditionalReferencedDocument", NS)
        self.assertEqual(len(documents), 2)
        binary = documents[0].find("ram:AttachmentBinaryObject", NS)
        self.assertEqual((binary.get("mimeCode"), binary.get("filename")), ("image/png", "pv_reception.png"))
        self.assertEqual(base64.b64decode(binary.text), PNG_BYTES)
        self.assertEqual(documents[0].findtext("ram:TypeCode", namespaces=NS), "916")
        self.assertEqual(base64.b64decode(documents[1].findtext("ram:AttachmentBinaryObject", namespaces=NS)),
                         CSV_BYTES)

        ubl = self.Document._build(invoice, "ubl")["content"]
        self.assertTrue(facturx.xml_check_xsd(ubl, flavor="ubl-2.1-invoice"))
        references = etree.fromstring(ubl).findall("cac:AdditionalDocumentReference", NS)
        self.assertEqual([ref.findtext("cbc:ID", namespaces=NS) for ref in references],
                         ["pv_reception.png", "annexe.csv"])
        binary = references[1].find("cac:Attachment/cbc:EmbeddedDocumentBinaryObject", NS)
        self.assertEqual((binary.get("mimeCode"), binary.get("filename")), ("text/csv", "annexe.csv"))
        self.assertEqual(base64.b64decode(binary.text), CSV_BYTES)

    def test_group_is_a_tar_gz_of_documents(self):
        second = self._chorus_invoice()
        group = self.Document._build_group(self.invoice + second, "cii")
        self.assertEqual(group["syntax"], SYNTAX_CII)
        self.assertTrue(group["filename"].endswith(".tar.gz"))
        self.assertLessEqual(len(group["filename"]), 50 + len(".tar.gz"))
        with tarfile.open(fileobj=io.BytesIO(group["content"]), mode="r:gz") as archive:
            names = archive.getnames()
            contents = {name: archive.extractfile(name).read() for name in names}
        self.assertEqual(names, [safe_filename(self.invoice.name, ".xml"), safe_filename(second.name, ".xml")])
        for member in group["members"]:
            self.assertEqual(contents[member["filename"]], member["content"])
            tree = self._assert_valid_cii(member["content"])
            self.assertEqual(tree.findtext("rsm:ExchangedDocument/ram:ID", namespaces=NS), member["invoice"].name)
        # Factur-X members are PDFs carrying their XML (a stand-in PDF here: no wkhtmltopdf in this test).
        group = self.Document._build_group(self.invoice + second)
        self.assertEqual(group["syntax"], SYNTAX_FACTURX)
        with tarfile.open(fileobj=io.BytesIO(group["content"]), mode="r:gz") as archive:
            names = archive.getnames()
            pdfs = [archive.extractfile(name).read() for name in names]
        self.assertEqual(names, [member["filename"] for member in group["members"]])
        for pdf, member in zip(pdfs, group["members"], strict=True):
            self.assertTrue(member["filename"].endswith(".pdf"))
            self.assertEqual(facturx.get_xml_from_pdf(pdf, check_xsd=True), ("factur-x.xml", member["xml"]))

    def test_safe_filename(self):
        self.assertEqual(safe_filename("FAC/2024/00012", ".pdf"), "FAC_2024_00012.pdf")
        self.assertEqual(safe_filename("Avoir n° 12 (été)", ".xml"), "Avoir_n_12_ete.xml")
        long_name = safe_filename("X" * 80, ".xml")
        self.assertEqual(long_name, "X" * 50 + ".xml")
        self.assertEqual(safe_filename("///", ".xml"), "invoice.xml")

    # ------------------------------------------------------------------------------------------
    # Errors
    # ------------------------------------------------------------------------------------------
    def test_invalid_invoice_names_it(self):
        """A line without tax: Odoo's builders refuse it, the error names the invoice and says what to fix."""
        invoice = self._chorus_invoice(lines=[Command.create({
            "product_id": self.product_a.id, "price_unit": 50.0, "tax_ids": [Command.clear()],
        })])
        for fmt in ("cii", "ubl", "facturx"):
            with self.assertRaises(UserError) as caught:
                self.Document._build(invoice, fmt)
            self.assertIn(invoice.name, caught.exception.args[0])
            self.assertIn("tax", caught.exception.args[0])

    def test_missing_buyer_siret_is_refused(self):
        invoice = self._chorus_invoice()
        self.buyer.siret = False
        with self.assertRaises(UserError) as caught:
            self.Document._build(invoice, "cii")
        self.assertIn(invoice.name, caught.exception.args[0])
        self.assertIn("SIRET", caught.exception.args[0])

    def test_draft_and_vendor_bills_are_refused(self):
        draft = self.invoice.copy()
        with self.assertRaises(UserError):
            self.Document._build(draft, "cii")
        bill = self.init_invoice("in_invoice", partner=self.buyer, amounts=[100.0], post=True)
        with self.assertRaises(UserError):
            self.Document._build(bill, "ubl")

    # ------------------------------------------------------------------------------------------
    # Other invoices keep Odoo's behaviour
    # ------------------------------------------------------------------------------------------
    def test_non_chorus_invoice_keeps_odoo_xml(self):
        invoice = self.env["account.move"].create({
            "move_type": "out_invoice",
            "partner_id": self.private_client.id,
            "invoice_date": "2024-03-01",
            "partner_bank_id": self.bank.id,
            "invoice_line_ids": [Command.create({
                "product_id": self.product_a.id, "price_unit": 100.0, "tax_ids": [Command.set(self.tax_sale_a.ids)],
            })],
        })
        invoice.l10n_fr_chorus_transfer = False
        invoice.action_post()
        tree = etree.fromstring(self.env["account.edi.xml.cii"]._export_invoice(invoice)[0])
        self.assertEqual(tree.findtext(
            AGREEMENT + "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID", namespaces=NS), invoice.name)
        self.assertEqual(tree.findtext(AGREEMENT + "ram:BuyerReference", namespaces=NS), "PRIV-REF")
        self.assertIn("extended", tree.findtext(
            "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", namespaces=NS))
        self.assertIsNone(tree.find(
            "rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter", NS))
        ubl = etree.fromstring(self.env["account.edi.xml.ubl_bis3"]._export_invoice(invoice)[0])
        self.assertEqual(ubl.findtext("cbc:ProfileID", namespaces=NS), "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0")
        self.assertEqual(ubl.findtext("cac:OrderReference/cbc:ID", namespaces=NS), invoice.name)
