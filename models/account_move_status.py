from odoo import _, api, fields, models

from ..chorus_client import FINAL_STATUSES, INVOICE_STATUSES, InvoiceState

# For a buyer that never reports payment, these are the last statuses Chorus Pro will show.
PAYMENT_HIDDEN_FINAL_STATUSES = {"MISE_A_DISPOSITION_COMPTABLE", "COMPTABILISEE"}


class AccountMove(models.Model):
    """The invoice's Chorus Pro status: what the sync and the refresh record, and when it is final."""

    _inherit = "account.move"

    @api.model
    def _cron_l10n_fr_chorus_sync(self):
        return self.env["l10n_fr_chorus.sync"]._cron_sync()

    def action_l10n_fr_chorus_refresh_status(self):
        """« Mettre à jour le statut »: flow reports, then the full dated history of each invoice."""
        return self.env["l10n_fr_chorus.sync"]._refresh(self)

    def _l10n_fr_chorus_apply_status(self, state, observed=False, vals=None):
        """Record a status read from Chorus Pro (an ``InvoiceState``, or a bare status code): history, chatter
        (tracking), follow-up activities. ``observed``: only the current status was seen, not the ones before it
        (the history is completed when someone looks, see account_move_history.py).

        Returns True when the current status changed. An older status only completes the history. ``vals``: other
        facts written with the status (one write).
        """
        self.ensure_one()
        if isinstance(state, str):
            state = InvoiceState(state)
        status, comment = state.status, state.comment or False
        moment = state.date or fields.Datetime.now()
        unchanged = (not status or status not in dict(INVOICE_STATUSES)
                     or (self.l10n_fr_chorus_status and self.l10n_fr_chorus_status_date
                         and moment < self.l10n_fr_chorus_status_date)
                     or (status == self.l10n_fr_chorus_status
                         and comment == (self.l10n_fr_chorus_status_comment or False)))
        if status in dict(INVOICE_STATUSES):
            self._l10n_fr_chorus_add_history(status, moment, comment)
        if unchanged:
            if vals:
                self._l10n_fr_chorus_write(vals)
            return False
        changed = status != self.l10n_fr_chorus_status
        self._l10n_fr_chorus_write({
            **(vals or {}),
            "l10n_fr_chorus_status": status,
            "l10n_fr_chorus_status_date": moment,
            "l10n_fr_chorus_status_comment": comment,
            **({"l10n_fr_chorus_history_complete": False} if observed and changed else {}),
        })
        if comment:
            self.message_post(body=_("Chorus Pro comment (%(status)s): %(comment)s",
                                     status=self._l10n_fr_chorus_status_label(status), comment=comment))
        if changed:
            self.env["l10n_fr_chorus.follow.up"]._on_status(self, status, comment)
        return changed

    def _l10n_fr_chorus_add_history(self, status, moment, comment):
        self.env["l10n_fr_chorus.status.history"]._record(self, status, moment, comment)

    def _l10n_fr_chorus_status_label(self, status):
        """The status as the user reads it (translated)."""
        return dict(self._fields["l10n_fr_chorus_status"]._description_selection(self.env)).get(status, status)

    @api.model
    def _l10n_fr_chorus_is_final_status(self, status):
        if status in FINAL_STATUSES:
            return True
        return bool(status in PAYMENT_HIDDEN_FINAL_STATUSES
                    and self.commercial_partner_id.l10n_fr_chorus_payment_hidden)
