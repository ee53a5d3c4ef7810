from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .chorus_facts import by_addon

# What makes a file what it is: a deposited file keeps all of it.
_FILE_FIELDS = {"name", "datas", "raw", "db_datas", "store_fname", "url", "type", "mimetype", "res_model", "res_id",
                "res_field", "company_id", "l10n_fr_chorus_flow_id"}


class IrAttachment(models.Model):
    """The exact file deposited on Chorus Pro, on its flow and on each of its invoices, kept as it was sent."""

    _inherit = "ir.attachment"

    l10n_fr_chorus_flow_id = fields.Many2one(
        "l10n_fr_chorus.flow", string="Chorus Pro Deposit", readonly=True, copy=False, index="btree_not_null",
        ondelete="set null",
        help="The Chorus Pro deposit this file was sent with: it can be neither changed nor deleted while Chorus "
        "Pro holds the invoice.",
    )

    def _l10n_fr_chorus_kept(self):
        """The deposited files among these that Chorus Pro still holds (a file it refused as a whole is free)."""
        kept = self.browse()
        for attachment in self.sudo().filtered("l10n_fr_chorus_flow_id"):
            if attachment.l10n_fr_chorus_flow_id.state == "IN_REJETE":
                continue
            if attachment.res_model == "account.move" and attachment.res_id:
                move = self.env["account.move"].sudo().browse(attachment.res_id).exists()
                if move and not move._l10n_fr_chorus_held():
                    continue
            kept |= attachment
        return kept

    def _l10n_fr_chorus_refuse(self, kept):
        attachment = kept[:1].sudo()
        holder = attachment.l10n_fr_chorus_flow_id
        if attachment.res_model == "account.move" and attachment.res_id:
            holder = self.env["account.move"].sudo().browse(attachment.res_id)
        raise UserError(_(
            "« %(file)s » is the file deposited on Chorus Pro for %(record)s: it is kept exactly as it was sent "
            "and can be neither changed nor deleted while Chorus Pro holds the invoice.",
            file=attachment.name, record=holder.display_name))

    @api.model_create_multi
    def create(self, vals_list):
        if not by_addon(self) and any(vals.get("l10n_fr_chorus_flow_id") for vals in vals_list):
            raise AccessError(_("Only a deposit on Chorus Pro records its file."))
        return super().create(vals_list)

    def write(self, vals):
        if not by_addon(self) and _FILE_FIELDS & set(vals):
            if "l10n_fr_chorus_flow_id" in vals:
                raise AccessError(_("Only a deposit on Chorus Pro records its file."))
            kept = self._l10n_fr_chorus_kept()
            if kept:
                self._l10n_fr_chorus_refuse(kept)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_l10n_fr_chorus_deposited(self):
        if not by_addon(self):
            kept = self._l10n_fr_chorus_kept()
            if kept:
                self._l10n_fr_chorus_refuse(kept)
