from odoo import fields, models

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
