from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class L10nFrChorusRecycleWizard(models.TransientModel):
    """« Recycler »: the service or commitment number the buyer asks to correct, checked against its rules first;
    the invoice keeps its number and is deposited again on Chorus Pro."""

    _name = "l10n_fr_chorus.recycle.wizard"
    _inherit = "l10n_fr_chorus.decision.wizard"
    _description = "Recycle an Invoice on Chorus Pro"

    commercial_partner_id = fields.Many2one(related="move_id.commercial_partner_id", string="Public Buyer")
    service_id = fields.Many2one(
        "l10n_fr_chorus.service", string="Chorus Pro Service",
        compute="_compute_routing", store=True, readonly=False,
        domain="[('partner_id', '=', commercial_partner_id), ('code', '!=', 'FACTURES_PUBLIQUES')]",
        help="The buyer's service (« service exécutant ») the invoice goes to.",
    )
    commitment = fields.Char(
        string="Commitment Number", compute="_compute_routing", store=True, readonly=False,
        help="The commitment number (« engagement juridique ») the buyer gave for this purchase.",
    )

    @api.depends("move_id")
    def _compute_routing(self):
        for wizard in self:
            wizard.service_id = wizard.move_id.l10n_fr_chorus_service_id
            wizard.commitment = wizard.move_id.purchase_order_reference

    def _routing(self):
        """The corrected service code and commitment number (as Chorus Pro will receive them)."""
        return self.service_id.code or (self.move_id.buyer_reference or "").strip(), (self.commitment or "").strip()

    def _check_routing(self):
        move = self.move_id
        code, commitment = self._routing()
        if (code, commitment) == ((move.buyer_reference or "").strip(), (move.purchase_order_reference or "").strip()):
            raise UserError(_("%(invoice)s: change the service or the commitment number the buyer asks to correct.",
                              invoice=move.name))
        buyer = move.commercial_partner_id.with_company(move.company_id)
        errors = self.env["l10n_fr_chorus.invoice.check"]._buyer_rule_errors(move, buyer, code, commitment)
        if errors:
            prefix = _("%(invoice)s: ", invoice=move.name)
            raise UserError("\n".join(prefix + message for message in errors))

    def action_recycle(self):
        """Check the correction against the buyer's rules, call « recycler », then read the status again."""
        self._check_move("A_RECYCLER")
        self._check_routing()
        move, comment = self.move_id, (self.comment or "").strip()
        code, commitment = self._routing()
        before = ((move.buyer_reference or "").strip(), (move.purchase_order_reference or "").strip())
        self._call(lambda client: client.recycle(
            move.l10n_fr_chorus_invoice_cpp,
            service_code=code if code != before[0] else None,
            commitment=commitment if commitment != before[1] else None,
            comment=comment))
        # only what was corrected: the rest stays as deposited (the addon's own write, the invoice being held)
        vals = {}
        if code != before[0]:
            vals.update({"l10n_fr_chorus_service_id": self.service_id.id, "buyer_reference": code or False})
        if commitment != before[1]:
            vals["purchase_order_reference"] = commitment or False
        move._l10n_fr_chorus_write(vals)
        move.message_post(body=self._message(before, (code, commitment), comment))
        return self._refresh()

    @api.model
    def _message(self, before, after, comment):
        none = _("none")
        body = Markup("<p>%s</p><ul>") % _("Recycled on Chorus Pro:")
        for label, old, new in ((_("Service code"), before[0], after[0]),
                                (_("Commitment number"), before[1], after[1])):
            if old != new:
                body += Markup("<li>%s</li>") % _("%(field)s: %(old)s → %(new)s",
                                                  field=label, old=old or none, new=new or none)
        body += Markup("</ul>")
        if comment:
            body += Markup("<p>%s</p>") % _("Comment: %(comment)s", comment=comment)
        return body
