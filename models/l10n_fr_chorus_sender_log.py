from markupsafe import escape

from odoo import api, models
from odoo.tools.mail import generate_tracking_message_id

from .l10n_fr_chorus_sender import INTENT_TRACKED


class L10nFrChorusSender(models.AbstractModel):
    """The chatter of a send: one message per invoice with the deposit's outcome and the tracked changes of its
    intent, the messages of a flow created together."""

    _inherit = "l10n_fr_chorus.sender"

    @api.model
    def _tracked(self, move):
        return {fname: move[fname] for fname in INTENT_TRACKED}

    @api.model
    def _log_setup(self):
        """What every chatter message of the send shares, looked up once per send (Odoo would read the user, its
        partner and the company again after each commit): the author, sender address and reply-to of Odoo's batch
        log (``_message_log_batch``), and the description of the tracked fields."""
        Thread = self.env["mail.thread"]
        author_id, email_from = Thread._message_compute_author(raise_on_email=False)
        return {
            "values": {"author_id": author_id, "email_from": email_from,
                       "reply_to": Thread._notify_get_reply_to(default=email_from)[False]},
            "described": self.env["account.move"].fields_get(
                list(INTENT_TRACKED), attributes=("string", "type", "selection", "currency_field")),
        }

    @api.model
    def _log(self, moves, tracking, body=None, setup=None):
        """One chatter message per invoice: ``body`` (None: none) with the changes of the tracked fields since
        ``tracking`` (the values before the intent). The messages of a group are created together with the
        values of Odoo's batch log (``setup``: see :meth:`_log_setup`), and their tracked values with them (one
        insert each, not one per invoice)."""
        setup = setup or self._log_setup()
        changes = {}
        for move in moves:
            _changed, values = move._mail_track(setup["described"], tracking.get(move.id, {}))
            if values or body:
                changes[move.id] = values
        if not changes:
            return
        base = dict(
            setup["values"], model=moves._name, message_type="notification", is_internal=True,
            subtype_id=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"), record_name=False,
            record_alias_domain_id=False, record_company_id=False, email_add_signature=False,
            message_id=generate_tracking_message_id("message-notify"), body=escape(body or ""),
        )
        messages = moves.sudo()._message_create([dict(base, res_id=move_id) for move_id in changes])
        self.env["mail.tracking.value"].sudo().create([
            dict(command[2], mail_message_id=message.id)
            for message, values in zip(messages, changes.values(), strict=True) for command in values
        ])
