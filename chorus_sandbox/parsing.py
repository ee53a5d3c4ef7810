"""Read the invoices of a deposited flow: UBL 2.1, CII D16B, Factur-X PDF, or a .tar.gz of them."""

import io
import tarfile
from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

try:
    from pypdf import PdfReader
except ImportError:
    try:
        from PyPDF2 import PdfReader
    except ImportError:  # PyPDF2 < 2
        from PyPDF2 import PdfFileReader as PdfReader

NS = {
    'cac': 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
    'cbc': 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
    'rsm': 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100',
    'ram': 'urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100',
    'udt': 'urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100',
}
UBL_INVOICE = '{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice'
UBL_CREDIT_NOTE = '{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote'
CII_INVOICE = f'{{{NS["rsm"]}}}CrossIndustryInvoice'
CREDIT_NOTE_CODES = {'381', '261', '262', '396', '502', '503'}
# ASSUMED (no AIFE document found): the project manager (MOE) of a works piece travels as an invoice note (BT-22,
# subject code AAI) reading ``MOE:<SIRET>[/<service code>]``. Same convention in models/chorus_works.py.
MOE_NOTE_PREFIX = 'MOE:'

# What each supported syntax carries: 'ubl', 'cii' (XML) or 'facturx' (PDF with embedded CII).
SYNTAX_KINDS = {
    'IN_DP_E1_UBL_INVOICE': 'ubl',
    'IN_DP_E2_UBL_INVOICE_MIN': 'ubl',
    'IN_DP_E1_CII': 'cii',
    'IN_DP_E1_CII_16B': 'cii',
    'IN_DP_E2_CII_MIN': 'cii',
    'IN_DP_E2_CII_MIN_16B': 'cii',
    'IN_DP_E2_CII_FACTURX': 'facturx',
}

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class FlowParseError(Exception):
    """The flow cannot be read: becomes a ``listeErreurTechnique`` entry."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ParsedInvoice:
    """What the sandbox needs from one invoice of a flow."""

    number: str
    kind: str  # FACTURE or AVOIR
    issue_date: date
    currency: str
    total_untaxed: float
    total_taxed: float
    amount_due: float
    buyer_siret: str
    buyer_name: str
    supplier_siret: str
    supplier_name: str
    service_code: str  # BT-10
    commitment: str  # BT-13
    market: str  # BT-12
    billing_frame: str  # BT-23 as written in the file
    payment_means: str = ''  # BT-81
    origin_number: str = ''  # BT-25 (the invoice a credit note corrects, the previous piece of a works piece)
    moe_siret: str = ''  # the project manager of a works piece (see MOE_NOTE_PREFIX)
    moe_service: str = ''


def parse_flow(content, filename, syntax):
    """Return the invoices of a flow, or raise :class:`FlowParseError`."""
    kind = SYNTAX_KINDS.get(syntax)
    if kind is None:
        raise FlowParseError('SYNTAXE', f"La syntaxe {syntax} n'est pas prise en charge par le bac à sable.")
    if content[:2] == b'\x1f\x8b':
        return [invoice for name, member in _tar_members(content) for invoice in _parse_file(member, name, kind)]
    return _parse_file(content, filename, kind)


def _tar_members(content):
    try:
        with tarfile.open(fileobj=io.BytesIO(content), mode='r:gz') as archive:
            members = [(m.name, archive.extractfile(m).read()) for m in archive.getmembers() if m.isfile()]
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise FlowParseError('ARCHIVE', f"L'archive est illisible ({exc}).") from exc
    if not members:
        raise FlowParseError('ARCHIVE', "L'archive ne contient aucun fichier.")
    return members


def _parse_file(content, name, kind):
    if kind == 'facturx':
        if not content.startswith(b'%PDF'):
            raise FlowParseError('FORMAT', f"Le fichier {name} n'est pas un PDF Factur-X.")
        content = extract_facturx_xml(content, name)
        kind = 'cii'
    elif content.lstrip()[:4] == b'%PDF':
        raise FlowParseError('FORMAT', f"Le fichier {name} est un PDF alors que la syntaxe attend du XML.")
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise FlowParseError('XML', f"Le fichier {name} n'est pas un XML bien formé ({exc}).") from exc
    if kind == 'ubl' and root.tag in (UBL_INVOICE, UBL_CREDIT_NOTE):
        return [_parse_ubl(root, name)]
    if kind == 'cii' and root.tag == CII_INVOICE:
        return [_parse_cii(root, name)]
    raise FlowParseError('SYNTAXE', f"Le fichier {name} ({etree.QName(root).localname}) ne correspond pas à la "
                                    "syntaxe déclarée.")


def extract_facturx_xml(pdf_bytes, name='facture.pdf'):
    """Return the ``factur-x.xml`` embedded in a PDF (any embedded .xml file if that name is absent)."""
    try:
        reader = PdfReader(io.BytesIO(pdf_bytes))
        embedded = _pdf_get(_pdf_get(reader.trailer['/Root'], '/Names'), '/EmbeddedFiles')
        files = dict(_name_tree(embedded)) if embedded is not None else {}
    except Exception as exc:  # the PDF libraries raise many unrelated types on broken files
        raise FlowParseError('PDF', f"Le PDF {name} est illisible ({type(exc).__name__}).") from exc
    chosen = next((data for file_name, data in files.items() if file_name.lower() == 'factur-x.xml'), None)
    if chosen is None:
        chosen = next((data for file_name, data in files.items() if file_name.lower().endswith('.xml')), None)
    if chosen is None:
        raise FlowParseError('PDF', f"Le PDF {name} ne contient pas de fichier factur-x.xml.")
    return chosen


def _resolve(value):
    """Follow a PDF indirect reference (pypdf/PyPDF2 2 name, then PyPDF2 1 name)."""
    method = getattr(value, 'get_object', None) or getattr(value, 'getObject', None)
    return method() if method else value


def _pdf_get(node, key):
    """``node[key]`` with indirect references resolved, None when absent."""
    if node is None or key not in node:
        return None
    return _resolve(dict.__getitem__(node, key))


def _name_tree(node):
    """Yield (file name, bytes) of a PDF name tree of embedded files."""
    for kid in _pdf_get(node, '/Kids') or []:
        yield from _name_tree(_resolve(kid))
    names = _pdf_get(node, '/Names') or []
    for index in range(0, len(names) - 1, 2):
        spec = _resolve(names[index + 1])
        stream = _pdf_get(_pdf_get(spec, '/EF'), '/F')
        if stream is not None:
            data = stream.get_data() if hasattr(stream, 'get_data') else stream.getData()
            yield str(_pdf_get(spec, '/UF') or _pdf_get(spec, '/F') or names[index]), data


def _text(node, path):
    found = node.find(path, NS) if node is not None else None
    return (found.text or '').strip() if found is not None else ''


def _amount(node, path):
    value = _text(node, path)
    try:
        return float(value) if value else 0.0
    except ValueError as exc:
        raise FlowParseError('MONTANT', f"Montant invalide : {value}.") from exc


def _date(value, fmt, name):
    try:
        return datetime.strptime(value, fmt).date()
    except ValueError as exc:
        raise FlowParseError('DATE', f"Date de facture invalide dans {name} : {value!r}.") from exc


def _first(node, paths):
    for path in paths:
        value = _text(node, path)
        if value:
            return value
    return ''


def _ubl_party(root, role):
    """SIRET and name of a UBL party: a SIRET-typed identifier first (scheme 0009, or schemeName 1 as Chorus
    Pro's UBL profile writes it), else any 14-digit identifier (CompanyID often holds the VAT number)."""
    party = root.find(f'cac:{role}/cac:Party', NS)
    if party is None:
        return '', ''
    siret = _first(party, [
        "cac:PartyIdentification/cbc:ID[@schemeID='0009']",
        "cac:PartyIdentification/cbc:ID[@schemeName='1']",
        "cac:PartyLegalEntity/cbc:CompanyID[@schemeID='0009']",
        "cbc:EndpointID[@schemeID='0009']",
    ]) or next((value for path in ('cac:PartyIdentification/cbc:ID', 'cac:PartyLegalEntity/cbc:CompanyID')
                for value in (_text(party, path),) if value.isdigit() and len(value) == 14), '')
    name = _first(party, ['cac:PartyLegalEntity/cbc:RegistrationName', 'cac:PartyName/cbc:Name'])
    return siret, name


def _parse_ubl(root, name):
    number = _text(root, 'cbc:ID')
    if not number:
        raise FlowParseError('NUMERO', f"Le fichier {name} n'a pas de numéro de facture (cbc:ID).")
    type_code = _first(root, ['cbc:InvoiceTypeCode', 'cbc:CreditNoteTypeCode'])
    is_credit = root.tag == UBL_CREDIT_NOTE or type_code in CREDIT_NOTE_CODES
    buyer_siret, buyer_name = _ubl_party(root, 'AccountingCustomerParty')
    supplier_siret, supplier_name = _ubl_party(root, 'AccountingSupplierParty')
    moe_siret, moe_service = _moe(note.text for note in root.findall('cbc:Note', NS))
    return ParsedInvoice(
        number=number,
        kind='AVOIR' if is_credit else 'FACTURE',
        issue_date=_date(_text(root, 'cbc:IssueDate'), '%Y-%m-%d', name),
        currency=_text(root, 'cbc:DocumentCurrencyCode') or 'EUR',
        total_untaxed=_amount(root, 'cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount'),
        total_taxed=_amount(root, 'cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount'),
        amount_due=_amount(root, 'cac:LegalMonetaryTotal/cbc:PayableAmount'),
        buyer_siret=buyer_siret,
        buyer_name=buyer_name,
        supplier_siret=supplier_siret,
        supplier_name=supplier_name,
        service_code=_text(root, 'cbc:BuyerReference'),
        commitment=_text(root, 'cac:OrderReference/cbc:ID'),
        market=_text(root, 'cac:ContractDocumentReference/cbc:ID'),
        billing_frame=_text(root, 'cbc:ProfileID'),
        payment_means=_text(root, 'cac:PaymentMeans/cbc:PaymentMeansCode'),
        origin_number=_text(root, 'cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID'),
        moe_siret=moe_siret,
        moe_service=moe_service,
    )


def _moe(notes):
    """``(SIRET, service code)`` of the project manager named in the notes, or empty strings."""
    for note in notes:
        text = (note or '').strip()
        if text.startswith('#AAI#'):
            text = text[5:]
        if text.startswith(MOE_NOTE_PREFIX):
            siret, _sep, service = text[len(MOE_NOTE_PREFIX):].strip().partition('/')
            return siret.strip(), service.strip()
    return '', ''


def _cii_party(agreement, role):
    party = agreement.find(f'ram:{role}', NS) if agreement is not None else None
    if party is None:
        return '', ''
    siret = _first(party, [
        'ram:SpecifiedLegalOrganization/ram:ID',
        "ram:GlobalID[@schemeID='0009']",
        'ram:ID',
    ])
    return siret, _text(party, 'ram:Name')


def _parse_cii(root, name):
    document = root.find('rsm:ExchangedDocument', NS)
    number = _text(document, 'ram:ID')
    if not number:
        raise FlowParseError('NUMERO', f"Le fichier {name} n'a pas de numéro de facture (ram:ID).")
    transaction = root.find('rsm:SupplyChainTradeTransaction', NS)
    if transaction is None:
        raise FlowParseError('XML', f"Le fichier {name} n'a pas de rsm:SupplyChainTradeTransaction.")
    agreement = transaction.find('ram:ApplicableHeaderTradeAgreement', NS)
    settlement = transaction.find('ram:ApplicableHeaderTradeSettlement', NS)
    if settlement is None:
        raise FlowParseError('XML', f"Le fichier {name} n'a pas de ram:ApplicableHeaderTradeSettlement.")
    totals = 'ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:'
    buyer_siret, buyer_name = _cii_party(agreement, 'BuyerTradeParty')
    supplier_siret, supplier_name = _cii_party(agreement, 'SellerTradeParty')
    moe_siret, moe_service = _moe(note.findtext('ram:Content', '', NS)
                                  for note in document.findall('ram:IncludedNote', NS))
    return ParsedInvoice(
        number=number,
        kind='AVOIR' if _text(document, 'ram:TypeCode') in CREDIT_NOTE_CODES else 'FACTURE',
        issue_date=_date(_text(document, 'ram:IssueDateTime/udt:DateTimeString'), '%Y%m%d', name),
        currency=_text(settlement, 'ram:InvoiceCurrencyCode') or 'EUR',
        total_untaxed=_amount(settlement, totals + 'TaxBasisTotalAmount'),
        total_taxed=_amount(settlement, totals + 'GrandTotalAmount'),
        amount_due=_amount(settlement, totals + 'DuePayableAmount'),
        buyer_siret=buyer_siret,
        buyer_name=buyer_name,
        supplier_siret=supplier_siret,
        supplier_name=supplier_name,
        service_code=_text(agreement, 'ram:BuyerReference'),
        commitment=_text(agreement, 'ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID'),
        market=_text(agreement, 'ram:ContractReferencedDocument/ram:IssuerAssignedID'),
        billing_frame=_text(root, 'rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter'
                                  '/ram:ID'),
        payment_means=_text(settlement, 'ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode'),
        origin_number=_text(settlement, 'ram:InvoiceReferencedDocument/ram:IssuerAssignedID'),
        moe_siret=moe_siret,
        moe_service=moe_service,
    )
