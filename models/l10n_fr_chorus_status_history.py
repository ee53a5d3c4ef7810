from odoo import api, fields, models

from ..chorus_client import INVOICE_STATUSES


class L10nFrChorusStatusHistory(models.Model):
    """One status an invoice went through on Chorus Pro, with its date and comment."""

    _name = "l10n_fr_chorus.status.history"
    _description = "Chorus Pro Status History"
    _order = "date desc, id desc"

    move_id = fields.Many2one("account.move", string="Invoice", required=True, ondelete="cascade", index=True,
                              help="The invoice whose status changed.")
    company_id = fields.Many2one(related="move_id.company_id", store=True, string="Company",
                                 help="Company of the invoice.")
    status = fields.Selection(INVOICE_STATUSES, required=True,
                              help="Status on Chorus Pro.")
    date = fields.Datetime(required=True, help="When Chorus Pro set this status.")
    comment = fields.Char(help="Comment given with the status.")
    flow_id = fields.Many2one("l10n_fr_chorus.flow", ondelete="set null",
                              help="The deposit this status belongs to.")

    _sql_constraints = [
        ("move_status_date_unique", "unique(move_id, status, date)", "A status is recorded once per date."),
    ]

    @api.model
    def _record(self, move, status, moment, comment):
        """One line per status and date, even when a sync and a manual refresh write it at once (insert or
        ignore under the unique constraint)."""
        # what the row refers to must be in the database (a flow just created); nothing else is flushed, so that
        # the statuses of a page are written together
        self.env["l10n_fr_chorus.flow"].flush_model()
        move.flush_recordset(["company_id", "l10n_fr_chorus_flow_id"])
        self.env.cr.execute("""
            INSERT INTO l10n_fr_chorus_status_history
                   (move_id, company_id, status, date, comment, flow_id, create_uid, create_date, write_uid, write_date)
            VALUES (%s, %s, %s, %s, %s, %s, %s, now() at time zone 'UTC', %s, now() at time zone 'UTC')
            ON CONFLICT (move_id, status, date) DO NOTHING
        """, [move.id, move.company_id.id, status, moment, comment or None, move.l10n_fr_chorus_flow_id.id or None,
              self.env.uid, self.env.uid])
        if self.env.cr.rowcount:
            move.invalidate_recordset(["l10n_fr_chorus_history_ids"])
