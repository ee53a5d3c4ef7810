import logging

import psycopg2

from odoo import fields, models
from odoo.exceptions import UserError

from ..chorus_client import ChorusError

_logger = logging.getLogger(__name__)

# The form is waiting: one quick try, the scheduled sync and « Mettre à jour le statut » do the patient ones.
LOOK_TIMEOUT = 10
SYNC_LOCK_KEY = 74551  # the status sync's (l10n_fr_chorus_sync.py): never beside it


class AccountMove(models.Model):
    """The history is complete whenever a person looks at it.

    The scheduled sync reads every status change of the company in a few search pages: it sees the status an invoice
    has *now*, not the ones it went through since the last run. It marks such an invoice's history as possibly
    incomplete; the first person who opens the invoice gets it completed from Chorus Pro (one call, for that invoice
    only), so that the sync never costs one call per invoice.
    """

    _inherit = "account.move"

    l10n_fr_chorus_history_complete = fields.Boolean(
        string="Chorus Pro History Complete", default=True, readonly=True, copy=False,
        help="Every status Chorus Pro gave the invoice is in its history. Cleared when the scheduled update only "
        "saw its latest status; completed as soon as someone opens the invoice.",
    )

    def web_read(self, specification):
        if len(self) == 1 and "l10n_fr_chorus_history_ids" in specification:
            self._l10n_fr_chorus_complete_history_on_look()
        return super().web_read(specification)

    def _l10n_fr_chorus_complete_history_on_look(self):
        move = self.sudo()
        if move.l10n_fr_chorus_history_complete or not move.l10n_fr_chorus_invoice_cpp:
            return
        cr = self.env.cr
        if cr.readonly:
            # a read-only request (on a replica): Odoo runs it again on a read/write cursor
            raise psycopg2.errors.ReadOnlySqlTransaction("Chorus Pro history to complete")
        cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [SYNC_LOCK_KEY, move.company_id.id])
        if not cr.fetchone()[0]:
            return  # the sync is writing these statuses right now: shown at the next look
        try:
            with cr.savepoint():
                client = move.company_id._l10n_fr_chorus_client(timeout=LOOK_TIMEOUT, retries=0)
                self.env["l10n_fr_chorus.sync"]._complete_history(move, client)
        except (ChorusError, UserError) as exc:
            # what is recorded is shown; the next look, or the manual update, completes it
            _logger.warning("Chorus Pro history of invoice %s not completed: %s", move.id,
                            getattr(exc, "message", None) or exc)
