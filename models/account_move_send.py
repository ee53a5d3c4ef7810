from odoo import _, api, models

from .account_move import TRANSFER_GROUP


class AccountMoveSend(models.AbstractModel):
    """« Send » on a Chorus Pro client's invoice deposits it on Chorus Pro (sending method « Chorus Pro »)."""

    _inherit = "account.move.send"

    @api.model
    def _is_applicable_to_move(self, method, move, **move_data):
        if method == "chorus_pro":
            return move.is_sale_document() and move.l10n_fr_chorus_transfer and move._l10n_fr_chorus_can_resend()
        return super()._is_applicable_to_move(method, move, **move_data)

    @api.model
    def _get_default_sending_method(self, move):
        # Once on Chorus Pro, « Send » offers the e-mail, not a second deposit.
        method = super()._get_default_sending_method(move)
        if method == "chorus_pro" and not self._is_applicable_to_move("chorus_pro", move):
            return "email"
        return method

    def _get_alerts(self, moves, moves_data):
        alerts = super()._get_alerts(moves, moves_data)
        held = moves.filtered(lambda m: "chorus_pro" in moves_data[m]["sending_methods"] and m.l10n_fr_chorus_flow_id
                              and not self._is_applicable_to_move("chorus_pro", m, **moves_data[m]))
        if held:
            alerts["l10n_fr_chorus_pro_held"] = {
                "level": "warning",
                "message": _("Already on Chorus Pro, not sent again: %(invoices)s",
                             invoices=", ".join(held.mapped("name"))),
            }
        chorus_moves = moves.filtered(
            lambda m: "chorus_pro" in moves_data[m]["sending_methods"]
            and self._is_applicable_to_move("chorus_pro", m, **moves_data[m])
        )
        if not chorus_moves:
            return alerts
        if not self.env.user.has_group(TRANSFER_GROUP):
            alerts["l10n_fr_chorus_pro_rights"] = {
                "level": "danger",
                "message": _("Only members of the group « Chorus Pro Transfer » can send invoices to Chorus Pro."),
            }
            return alerts
        problems = [error for move in chorus_moves for error in move._l10n_fr_chorus_check()]
        if problems:
            alerts["l10n_fr_chorus_pro_check"] = {"level": "danger", "message": "\n".join(problems)}
        return alerts

    @api.model
    def _call_web_service_after_invoice_pdf_render(self, invoices_data):
        """Deposit on Chorus Pro, as safely as the wizard: the intent and the outcome of each deposit are committed
        (outside tests) before Odoo may roll back this transaction for another invoice's error."""
        res = super()._call_web_service_after_invoice_pdf_render(invoices_data)
        todo = self.env["account.move"]
        rendered = {}
        for invoice, invoice_data in invoices_data.items():
            if "chorus_pro" not in invoice_data["sending_methods"]:
                continue
            if not self._is_applicable_to_move("chorus_pro", invoice, **invoice_data):
                if invoice.l10n_fr_chorus_flow_id:  # say it plainly: nothing was sent to Chorus Pro this time
                    invoice.message_post(body=_("Already on Chorus Pro (flow %(flow)s): not sent again.",
                                                flow=invoice.l10n_fr_chorus_flow_id.display_name))
                continue
            # Odoo's « send invoices automatically » runs as the superuser: the one who asked must be allowed.
            author = self.env["res.users"].browse(invoice_data.get("author_user_id") or self.env.uid)
            if not author.has_group(TRANSFER_GROUP):
                invoice_data["error"] = _(
                    "%(invoice)s: not sent to Chorus Pro: %(user)s is not a member of the group « Chorus Pro "
                    "Transfer ».", invoice=invoice.name, user=author.name)
                continue
            todo |= invoice
            pdf = (invoice_data.get("pdf_attachment_values") or {}).get("raw")
            if pdf:
                rendered[invoice.id] = pdf
        if not todo:
            return res
        self.env["l10n_fr_chorus.document"]._render_ahead(todo, rendered=rendered)
        results = self.env["l10n_fr_chorus.sender"]._send(todo.sudo(), commit=self._can_commit())
        for invoice, (sent, message) in results.items():
            if not sent:
                invoices_data[invoice]["error"] = message
        return res
