"""What the supplier answers on Chorus Pro to a buyer's decision (« Suspendue », « À recycler »), from the invoice:
the buttons of the invoice and what the two wizards share."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..chorus_client import ChorusError


class AccountMove(models.Model):
    _inherit = "account.move"

    def _l10n_fr_chorus_open_decision_wizard(self, model, status, title):
        self.ensure_one()
        self._l10n_fr_chorus_check_transfer_right()
        self.env[model]._check_status(self, status)
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": model,
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    def action_l10n_fr_chorus_complete(self):
        """« Compléter sur Chorus Pro »: documents and a comment for an invoice the buyer suspended."""
        return self._l10n_fr_chorus_open_decision_wizard(
            "l10n_fr_chorus.complete.wizard", "SUSPENDUE", _("Complete on Chorus Pro"))

    def action_l10n_fr_chorus_recycle(self):
        """« Recycler »: the service or commitment number the buyer asks to correct."""
        return self._l10n_fr_chorus_open_decision_wizard(
            "l10n_fr_chorus.recycle.wizard", "A_RECYCLER", _("Recycle on Chorus Pro"))


class L10nFrChorusDecisionWizard(models.AbstractModel):
    """What the « compléter » and « recycler » wizards share: the invoice, who may act, the call, the refresh."""

    _name = "l10n_fr_chorus.decision.wizard"
    _description = "Answer a Chorus Pro Decision"

    move_id = fields.Many2one("account.move", string="Invoice", required=True, readonly=True, ondelete="cascade",
                              help="The invoice held by Chorus Pro.")
    status_comment = fields.Char(related="move_id.l10n_fr_chorus_status_comment",
                                 help="What the buyer wrote with its decision.")
    comment = fields.Text(help="A comment for the buyer, sent to Chorus Pro with the correction.")

    @api.model
    def _check_status(self, move, status):
        if move.l10n_fr_chorus_status != status or not move.l10n_fr_chorus_invoice_cpp:
            label = move._l10n_fr_chorus_status_label(status)
            raise UserError(_("%(invoice)s is not « %(status)s » on Chorus Pro any more: press « Update Chorus Pro "
                              "Status » to see where it stands.", invoice=move.name, status=label))

    def _check_move(self, status):
        self.ensure_one()
        self.move_id._l10n_fr_chorus_check_transfer_right()
        self._check_status(self.move_id, status)

    def _call(self, call):
        """Run ``call(client)`` against the invoice's company; Chorus Pro's errors become messages for people."""
        company = self.move_id.company_id
        client = company._l10n_fr_chorus_client()
        try:
            return call(client)
        except ChorusError as exc:
            raise UserError(company._l10n_fr_chorus_error_message(exc)) from None

    def _refresh(self):
        """Read the invoice's status again, so that the status, the history, the chatter and the activity follow.

        Chorus Pro has already taken the action: a failed read is only told, the scheduled update catches up.
        """
        move = self.move_id
        try:  # no savepoint: the refresh commits what was done so far (the chatter of the action included)
            result = self.env["l10n_fr_chorus.sync"]._refresh(move)
        except UserError as exc:
            move.message_post(body=_("The Chorus Pro status could not be read again (%(reason)s): the scheduled "
                                     "update will show it.", reason=exc.args[0]))
            result = True
        return result if isinstance(result, dict) else {"type": "ir.actions.act_window_close"}
