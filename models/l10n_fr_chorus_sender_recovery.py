from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools.misc import format_datetime

from ..chorus_client import ChorusError

# Without an answer, how long Chorus Pro is given to show the invoice before it may be deposited again.
DEFAULT_UNANSWERED_DELAY = 24 * 60  # minutes


class L10nFrChorusSender(models.AbstractModel):
    """A deposit that got no answer: find the invoice on Chorus Pro before it is ever deposited again."""

    _inherit = "l10n_fr_chorus.sender"

    @api.model
    def _unanswered_delay(self):
        try:
            return float(self.env["ir.config_parameter"].sudo().get_param(
                "l10n_fr_chorus_pro.unknown_outcome_delay", DEFAULT_UNANSWERED_DELAY))
        except ValueError:
            return DEFAULT_UNANSWERED_DELAY

    @api.model
    def _resolve_attempt(self, move, client):
        """The last deposit of ``move`` got no answer: is the invoice on Chorus Pro? ``{move: None}`` when it may
        be deposited again (Chorus Pro still does not show it after the delay), else the outcome."""
        flow = move.l10n_fr_chorus_flow_id
        try:
            if self._link_existing(move, client):
                return {move: (True, _("%(invoice)s was already on Chorus Pro: linked to it, not sent again.",
                                       invoice=move.name))}
        except ChorusError as exc:
            message = _("%(invoice)s: ", invoice=move.name) + move.company_id._l10n_fr_chorus_error_message(exc)
            move._l10n_fr_chorus_set_error(message, retryable=True)
            return {move: (False, message)}
        if flow.state != "sending":  # Chorus Pro said it holds this number: it will show it, never send again
            return {move: (False, move.l10n_fr_chorus_error)}
        delay = self._unanswered_delay()
        until = (flow.deposit_date or fields.Datetime.now()) + timedelta(minutes=delay)
        if until > fields.Datetime.now():
            message = _(
                "%(invoice)s: the last deposit got no answer and Chorus Pro does not show the invoice yet. It is "
                "searched for at every scheduled run; Chorus Pro is given until %(until)s to show it before it is "
                "sent again.", invoice=move.name, until=format_datetime(self.env, until, dt_format="short"))
            move._l10n_fr_chorus_set_error(message, retryable=True)
            return {move: (False, message)}
        flow._l10n_fr_chorus_write({"state": "IN_INCIDENTE", "error_message": _(
            "No answer to the deposit and not shown by Chorus Pro after %(hours)s hours: considered not received.",
            hours=round(delay / 60, 1))})
        return {move: None}

    @api.model
    def _link_existing(self, move, client):
        """Is ``move`` on Chorus Pro already (found by its number)? Link it to that invoice and say True."""
        found = [inv for inv in client.find_invoices(invoice_number=move.name) if inv.number == move.name]
        if not found:
            return False
        invoice = found[-1]
        Flow = self.env["l10n_fr_chorus.flow"].sudo()
        flow = Flow.search([("name", "=", invoice.flow_number), ("company_id", "=", move.company_id.id)], limit=1)
        pending = move.l10n_fr_chorus_flow_id
        if not flow and pending.state == "sending":
            flow = pending  # the deposit without answer: now we know its number
        if flow:
            flow._l10n_fr_chorus_write({"name": flow.name or invoice.flow_number or False, "state": "IN_INTEGRE",
                                        "error_message": False})
        elif invoice.flow_number:
            flow = Flow._l10n_fr_chorus_create({"name": invoice.flow_number, "company_id": move.company_id.id,
                                                "move_ids": [(6, 0, move.ids)], "state": "IN_INTEGRE"})
        if pending.state == "sending" and pending != flow:
            pending._l10n_fr_chorus_write({"state": "IN_INCIDENTE", "error_message": _(
                "Not received by Chorus Pro: the invoice was found in flow %(flow)s.", flow=flow.name)})
        move._l10n_fr_chorus_write({
            "l10n_fr_chorus_flow_id": flow.id,
            "l10n_fr_chorus_flow_ids": [(4, flow.id)] if flow else [],
            "l10n_fr_chorus_invoice_cpp": invoice.cpp_id,
            "l10n_fr_chorus_rejection": False,
            "l10n_fr_chorus_error": False,
            "l10n_fr_chorus_error_retryable": False,
            "l10n_fr_chorus_unknown_outcome": False,
        })
        move._l10n_fr_chorus_apply_status(invoice.state)
        move.message_post(body=_("Found on Chorus Pro: linked to invoice %(id)s, not sent again.",
                                 id=invoice.cpp_id))
        return True

