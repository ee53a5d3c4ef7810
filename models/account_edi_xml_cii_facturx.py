from odoo import _, models

from .chorus_works import MOE_NOTE_SUBJECT, moe_note, previous_piece
from .chorus_xml import (
    EN16931_GUIDELINE,
    billing_frame_code,
    chorus_rules_apply,
    item_name_and_description,
    supporting_documents,
)


class AccountEdiXmlCII(models.AbstractModel):
    _inherit = "account.edi.xml.cii"

    def _l10n_fr_chorus_applies(self, invoice):
        return chorus_rules_apply(self.env, invoice)

    def _export_invoice_vals(self, invoice):
        """Put Chorus Pro's fields (BT-10, BT-12, BT-13, BT-23, BT-81, supporting documents) in the CII."""
        vals = super()._export_invoice_vals(invoice)
        if not self._l10n_fr_chorus_applies(invoice):
            return vals
        # BT-10 / BT-13: only what the user gave; Odoo's fallbacks (partner ref, invoice name) would be read by
        # Chorus Pro as a service code / commitment number.
        vals["buyer_reference"] = (invoice.buyer_reference or "").strip()
        vals["purchase_order_reference"] = (invoice.purchase_order_reference or "").strip()
        vals["contract_reference"] = (invoice.contract_reference or "").strip()
        vals["document_context_id"] = EN16931_GUIDELINE
        vals["l10n_fr_chorus_business_process"] = billing_frame_code(invoice)
        if not invoice.partner_bank_id.sanitized_acc_number:
            # BT-81 is mandatory for Chorus Pro even without bank account (credit notes): same codes as Odoo's UBL.
            vals["l10n_fr_chorus_payment_means_code"] = "ZZZ" if invoice.move_type == "out_invoice" else "57"
        # works pieces: the project manager and the previous piece (see chorus_works.py)
        vals["l10n_fr_chorus_moe_note"] = moe_note(invoice)
        vals["l10n_fr_chorus_moe_note_subject"] = MOE_NOTE_SUBJECT
        vals["l10n_fr_chorus_previous_piece"] = previous_piece(invoice).name or ""
        mode = self.env.context.get("l10n_fr_chorus_attachments")
        if mode:
            vals["l10n_fr_chorus_additional_documents"] = supporting_documents(invoice, embed=mode == "embed")
        for line_vals in vals["invoice_line_vals_list"]:
            name, description = item_name_and_description(line_vals["line"])
            line_vals["l10n_fr_chorus_item_name"] = name
            line_vals["l10n_fr_chorus_item_description"] = description
        return vals

    def _export_invoice_constraints(self, invoice, vals):
        """Chorus Pro identifies the seller by its SIRET; the German BR-DE contact rules do not apply."""
        constraints = super()._export_invoice_constraints(invoice, vals)
        if not self._l10n_fr_chorus_applies(invoice):
            return constraints
        company = invoice.company_id
        constraints.pop("seller_phone", None)
        constraints.pop("seller_email", None)
        if company.siret:
            constraints.pop("seller_identifier", None)
        if any(not line_vals["l10n_fr_chorus_item_name"] for line_vals in vals["invoice_line_vals_list"]):
            constraints["l10n_fr_chorus_item_name"] = _("Each invoice line should have a product or a label.")
        return constraints
