"""What the Chorus Pro rules put in the invoice XML, shared by the CII (Factur-X) and UBL builders and checked by
the document model: plain functions of an invoice, no model of their own."""

import base64

# Factur-X / CII profile Chorus Pro reads: EN 16931 (Odoo writes the EXTENDED one by default).
EN16931_GUIDELINE = "urn:cen.eu:en16931:2017"
# UNTDID 1001 code of an invoicing data sheet: a supporting document (BT-122 group), see data/cii_templates.xml.
SUPPORTING_DOCUMENT_TYPE_CODE = "916"


def billing_frame_code(invoice):
    """Short form of the billing frame for BT-23: 'A1_FACTURE_FOURNISSEUR' → 'A1' (A1 when unset)."""
    frame = invoice.l10n_fr_chorus_billing_frame or "A1_FACTURE_FOURNISSEUR"
    return frame.split("_", 1)[0]


def item_name_and_description(line):
    """BT-153 item name and BT-154 description of a line; a line without product is named after its label."""
    label = (line.name or "").strip()
    if line.product_id:
        name = line.product_id.name
        return name, (line.name if line.name != name else False)
    name = label.splitlines()[0].strip() if label else ""
    return name, (label if label != name else False)


def supporting_documents(invoice, embed):
    """Supporting documents of ``invoice`` as template values (with base64 content when ``embed``)."""
    documents = []
    for attachment in invoice.l10n_fr_chorus_attachment_ids.sudo():
        documents.append({
            "id": attachment.name,
            "name": attachment.description or attachment.name,
            "filename": attachment.name,
            "mimetype": attachment.mimetype or "application/octet-stream",
            "content": base64.b64encode(attachment.raw or b"").decode() if embed else False,
        })
    return documents


def chorus_rules_apply(env, invoice):
    """Whether the Chorus Pro rules apply to the XML of ``invoice`` (both the CII and the UBL builders)."""
    return bool(invoice.l10n_fr_chorus_transfer or env.context.get("l10n_fr_chorus_document")) \
        and invoice.is_sale_document()
