import psycopg2

from odoo import _, api, models

# pg advisory lock namespace of an invoice being deposited (with the invoice id): held from the checks to the
# commit that records Chorus Pro's answer, across commits, and released by PostgreSQL if the worker dies.
SEND_LOCK_KEY = 74552


class L10nFrChorusSender(models.AbstractModel):
    """The send's locks: an advisory lock per invoice, held across the send's commits, and the invoices' rows
    locked until each commit (one changed by another worker since this transaction's snapshot is skipped)."""

    _inherit = "l10n_fr_chorus.sender"

    @api.model
    def _lock(self, moves, locked):
        """Lock ``moves`` for their deposit: the locked ones, in their order, not those another worker holds or
        has just handled (``locked``: the ids whose advisory lock this send holds, released by :meth:`_unlock`)."""
        cr = self.env.cr
        cr.execute("SELECT id FROM unnest(%s::int[]) AS id WHERE pg_try_advisory_lock(%s, id)",
                   [moves.ids, SEND_LOCK_KEY])
        ids = sorted(row[0] for row in cr.fetchall())
        locked.extend(ids)
        rows = self._lock_rows(ids)
        if rows is None:  # one of them was changed meanwhile: which one
            rows = {move_id for move_id in ids if self._lock_rows([move_id])}
        return moves.filtered(lambda move: move.id in rows)

    @api.model
    def _lock_rows(self, ids):
        """The ids of these invoices' rows, locked until the commit; None when one of them was changed by another
        transaction since this one's snapshot (that worker handled it)."""
        if not ids:
            return set()
        rows = self._select_locking("SELECT id FROM account_move WHERE id IN %s ORDER BY id FOR NO KEY UPDATE", ids)
        return None if rows is None else {row[0] for row in rows}

    @api.model
    def _select_locking(self, query, ids):
        """The rows of ``query``, which locks the rows of the invoices ``ids`` (its only parameter); None when one
        of them was changed by another transaction since this one's snapshot."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query, [tuple(ids)], log_exceptions=False)
                return self.env.cr.fetchall()
        except psycopg2.errors.SerializationFailure:
            return None

    @api.model
    def _unlock(self, ids):
        if ids:
            self.env.cr.execute("SELECT pg_advisory_unlock(%s, id) FROM unnest(%s::int[]) AS id",
                                [SEND_LOCK_KEY, ids])
        ids.clear()

    @api.model
    def _busy(self, move):
        return {move: (False, _("%(invoice)s is being sent by another process.", invoice=move.name))}
