"""Minimal invoice files the sandbox accepts (tests and demos): UBL 2.1, CII D16B, and .tar.gz flows."""

import io
import tarfile
from xml.sax.saxutils import escape

from . import data


def _optional(template, value):
    return template.format(escape(value)) if value else ''


def ubl_invoice(number, buyer_siret, service_code='', commitment='', market='', billing_frame='A1',
                supplier_siret=data.SUPPLIER_SIRET, credit_note=False, untaxed='1000.00', taxed='1200.00',
                issue_date='2026-01-15', payment_means='30', origin='', currency='EUR', moe=''):
    """A UBL 2.1 Invoice (or CreditNote) with the fields Chorus Pro reads (``moe``: the project manager's SIRET of
    a works piece, ``origin``: BT-25, the corrected invoice or the previous works piece)."""
    root = 'CreditNote' if credit_note else 'Invoice'
    type_code = ('<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>' if credit_note
                 else '<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>')
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
    xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
  <cbc:ProfileID>{escape(billing_frame)}</cbc:ProfileID>
  <cbc:ID>{escape(number)}</cbc:ID>
  <cbc:IssueDate>{issue_date}</cbc:IssueDate>
  {type_code}
  {_optional('<cbc:Note>#AAI#MOE:{}</cbc:Note>', moe)}
  <cbc:DocumentCurrencyCode>{escape(currency)}</cbc:DocumentCurrencyCode>
  {_optional('<cbc:BuyerReference>{}</cbc:BuyerReference>', service_code)}
  {_optional('<cac:OrderReference><cbc:ID>{}</cbc:ID></cac:OrderReference>', commitment)}
  {_optional('<cac:ContractDocumentReference><cbc:ID>{}</cbc:ID></cac:ContractDocumentReference>', market)}
  {_optional('<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>{}</cbc:ID></cac:InvoiceDocumentReference>'
             '</cac:BillingReference>', origin)}
  <cac:AccountingSupplierParty><cac:Party>
    <cbc:EndpointID schemeID="0009">{supplier_siret}</cbc:EndpointID>
    <cac:PartyLegalEntity>
      <cbc:RegistrationName>{escape(data.SUPPLIER_NAME)}</cbc:RegistrationName>
      <cbc:CompanyID schemeID="0009">{supplier_siret}</cbc:CompanyID>
    </cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PartyIdentification><cbc:ID schemeID="0009">{buyer_siret}</cbc:ID></cac:PartyIdentification>
    <cac:PartyLegalEntity><cbc:RegistrationName>Acheteur public</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  {_optional('<cac:PaymentMeans><cbc:PaymentMeansCode>{}</cbc:PaymentMeansCode></cac:PaymentMeans>', payment_means)}
  <cac:LegalMonetaryTotal>
    <cbc:TaxExclusiveAmount currencyID="EUR">{untaxed}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">{taxed}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">{taxed}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</{root}>
'''.encode()


def cii_invoice(number, buyer_siret, service_code='', commitment='', market='', billing_frame='A1',
                supplier_siret=data.SUPPLIER_SIRET, credit_note=False, untaxed='1000.00', taxed='1200.00',
                issue_date='20260115', payment_means='30', origin='', currency='EUR', moe=''):
    """A CII D16B CrossIndustryInvoice (EN 16931 profile) with the fields Chorus Pro reads."""
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
    xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>{escape(billing_frame)}</ram:ID>
    </ram:BusinessProcessSpecifiedDocumentContextParameter>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID>
    </ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>{escape(number)}</ram:ID>
    <ram:TypeCode>{381 if credit_note else 380}</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">{issue_date}</udt:DateTimeString></ram:IssueDateTime>
    {_optional('<ram:IncludedNote><ram:Content>MOE:{}</ram:Content><ram:SubjectCode>AAI</ram:SubjectCode>'
               '</ram:IncludedNote>', moe)}
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:ApplicableHeaderTradeAgreement>
      {_optional('<ram:BuyerReference>{}</ram:BuyerReference>', service_code)}
      <ram:SellerTradeParty>
        <ram:Name>{escape(data.SUPPLIER_NAME)}</ram:Name>
        <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">{supplier_siret}</ram:ID>
        </ram:SpecifiedLegalOrganization>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:GlobalID schemeID="0009">{buyer_siret}</ram:GlobalID>
        <ram:Name>Acheteur public</ram:Name>
      </ram:BuyerTradeParty>
      {_optional('<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>{}</ram:IssuerAssignedID>'
                 '</ram:BuyerOrderReferencedDocument>', commitment)}
      {_optional('<ram:ContractReferencedDocument><ram:IssuerAssignedID>{}</ram:IssuerAssignedID>'
                 '</ram:ContractReferencedDocument>', market)}
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>{escape(currency)}</ram:InvoiceCurrencyCode>
      {_optional('<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>{}</ram:TypeCode>'
                 '</ram:SpecifiedTradeSettlementPaymentMeans>', payment_means)}
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:TaxBasisTotalAmount>{untaxed}</ram:TaxBasisTotalAmount>
        <ram:GrandTotalAmount>{taxed}</ram:GrandTotalAmount>
        <ram:DuePayableAmount>{taxed}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
      {_optional('<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>{}</ram:IssuerAssignedID>'
                 '</ram:InvoiceReferencedDocument>', origin)}
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
'''.encode()


def tar_gz(files):
    """A .tar.gz flow from ``{file name: bytes}``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()
