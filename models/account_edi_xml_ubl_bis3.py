from odoo import models

from .chorus_works import MOE_NOTE_SUBJECT, moe_note, previous_piece
from .chorus_xml import billing_frame_code, chorus_rules_apply, supporting_documents

# CustomizationID of a plain EN 16931 invoice: the Peppol one would not match the Chorus Pro ProfileID (BT-23).
EN16931_CUSTOMIZATION = "urn:cen.eu:en16931:2017"
# ISO 6523 ICD of the French SIRENE register (SIREN / SIRET).
SIRENE_ICD = "0002"


class AccountEdiXmlUBLBIS3(models.AbstractModel):
    _inherit = "account.edi.xml.ubl_bis3"

    def _l10n_fr_chorus_applies(self, invoice):
        return chorus_rules_apply(self.env, invoice)

    def _get_additional_document_reference_list(self, invoice):
        """Supporting documents of a Chorus Pro invoice, embedded when the deposit asks for it."""
        references = super()._get_additional_document_reference_list(invoice)
        mode = self.env.context.get("l10n_fr_chorus_attachments")
        if mode and self._l10n_fr_chorus_applies(invoice):
            for document in supporting_documents(invoice, embed=mode == "embed"):
                references.append({
                    "id": document["id"],
                    "document_description": document["name"],
                    "l10n_fr_chorus_attachment": document if document["content"] else False,
                })
        return references

    def _export_invoice_vals(self, invoice):
        """Put Chorus Pro's fields (BT-10, BT-12, BT-13, BT-23, SIRETs) in the UBL."""
        vals = super()._export_invoice_vals(invoice)
        if not self._l10n_fr_chorus_applies(invoice):
            return vals
        document = vals["vals"]
        commitment = (invoice.purchase_order_reference or "").strip()
        document.update({
            "customization_id": EN16931_CUSTOMIZATION,
            "profile_id": billing_frame_code(invoice),
            # BT-10 / BT-13: only what the user gave, never Odoo's fallbacks (partner ref, invoice name).
            "buyer_reference": (invoice.buyer_reference or "").strip() or None,
            "order_reference": commitment or None,
            "l10n_fr_chorus_contract_reference": (invoice.contract_reference or "").strip() or None,
        })
        if not commitment:
            # An OrderReference without ID is invalid: drop the sales order numbers too.
            document["sales_order_id"] = None
        # works pieces: the project manager (a note) and the previous piece (BT-25), see chorus_works.py
        if note := moe_note(invoice):
            document["note_vals"] = [*document.get("note_vals", []), {"note": f"#{MOE_NOTE_SUBJECT}#{note}"}]
        if previous := previous_piece(invoice):
            document["billing_reference_vals"] = {"id": previous.name, "issue_date": previous.invoice_date}
        for role in ("supplier", "customer"):
            partner = vals[role].commercial_partner_id
            party_vals = document[f"accounting_{role}_party_vals"]["party_vals"]
            if partner.siret and partner.country_code == "FR":
                party_vals["party_identification_vals"] = [{"id": partner.siret, "id_attrs": {"schemeName": "1"}}]
                for legal_vals in party_vals["party_legal_entity_vals"]:
                    legal_vals.update({"company_id": partner.siret, "company_id_attrs": {"schemeID": SIRENE_ICD}})
            elif partner.vat and not party_vals.get("party_identification_vals"):
                party_vals["party_identification_vals"] = [{"id": partner.vat, "id_attrs": {"schemeName": "2"}}]
            if not partner.vat:
                # Without VAT number, Odoo's Peppol fallback puts the Peppol endpoint (the SIRET) as VAT number.
                party_vals["party_tax_scheme_vals"] = []
        return vals

    def _export_invoice_constraints(self, invoice, vals):
        """Chorus Pro needs neither a buyer reference nor an order reference (Peppol rule R003)."""
        constraints = super()._export_invoice_constraints(invoice, vals)
        if self._l10n_fr_chorus_applies(invoice):
            constraints.pop("peppol_en16931_ubl_buyer_ref_po_ref", None)
        return constraints
