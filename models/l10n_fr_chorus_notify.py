"""Short confirmations after « Check on Chorus Pro » (contact) and « Update Chorus Pro Status » (invoice), and the
structure id of a contact as text."""

from odoo import _, api, fields, models


def notification(kind, title, message):
    """A short notification, then the form reloaded with what was read."""
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {"type": kind, "title": title, "message": message, "sticky": False,
                   "next": {"type": "ir.actions.client", "tag": "soft_reload"}},
    }


class ResPartner(models.Model):
    _inherit = "res.partner"

    l10n_fr_chorus_structure_ref = fields.Char(
        string="Chorus Pro Structure Identifier", compute="_compute_l10n_fr_chorus_structure_ref",
        help="idStructureCPP of this public buyer on Chorus Pro, as Chorus Pro writes it (empty before the first "
        "check).")

    @api.depends("l10n_fr_chorus_structure_cpp")
    def _compute_l10n_fr_chorus_structure_ref(self):
        for partner in self:
            cpp = partner.l10n_fr_chorus_structure_cpp
            partner.l10n_fr_chorus_structure_ref = str(cpp) if cpp else False

    def action_l10n_fr_chorus_check(self):
        super().action_l10n_fr_chorus_check()
        if len(self) != 1:
            return notification("success", _("Chorus Pro"),
                                _("%(count)s contacts checked on Chorus Pro.", count=len(self)))
        buyer = self.commercial_partner_id
        state = buyer.l10n_fr_chorus_structure_state
        if state == "active":
            services = len(buyer.l10n_fr_chorus_service_ids)
            return notification("success", _("Checked on Chorus Pro"), _(
                "%(name)s is active on Chorus Pro (%(services)s service(s)).",
                name=buyer.l10n_fr_chorus_structure_name or buyer.display_name, services=services))
        return notification("warning", _("Checked on Chorus Pro"),
                            buyer.l10n_fr_chorus_check_message or _("Chorus Pro cannot receive invoices for it."))


class AccountMove(models.Model):
    _inherit = "account.move"

    def action_l10n_fr_chorus_refresh_status(self):
        result = super().action_l10n_fr_chorus_refresh_status()
        if isinstance(result, dict):
            return result  # the scheduled sync is updating them right now: it says so
        followed = self.filtered("l10n_fr_chorus_flow_id")
        if len(followed) == 1:
            status = followed.l10n_fr_chorus_status
            label = dict(followed._fields["l10n_fr_chorus_status"]._description_selection(self.env)).get(status)
            message = (_("%(invoice)s: « %(status)s » on Chorus Pro.", invoice=followed.name, status=label)
                       if status else
                       _("%(invoice)s: %(state)s.", invoice=followed.name, state=dict(
                           followed._fields["l10n_fr_chorus_state"]._description_selection(self.env)).get(
                           followed.l10n_fr_chorus_state)))
        else:
            message = _("%(count)s invoices updated from Chorus Pro.", count=len(followed))
        return notification("success", _("Chorus Pro status updated"), message)
