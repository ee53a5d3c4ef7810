"""« Invoice Analysis » with the Chorus Pro follow-up of each invoice."""

from odoo import fields, models
from odoo.tools import SQL


class AccountInvoiceReport(models.Model):
    _inherit = "account.invoice.report"

    l10n_fr_chorus_state = fields.Selection(
        selection=lambda self: self.env["account.move"]._fields["l10n_fr_chorus_state"].selection,
        string="Chorus Pro Transfer", readonly=True,
        help="Where the invoice stands in its transfer to Chorus Pro.",
    )
    l10n_fr_chorus_summary = fields.Selection(
        selection=lambda self: self.env["account.move"]._fields["l10n_fr_chorus_summary"].selection,
        string="Chorus Pro Follow-up", readonly=True,
        help="In progress, to handle, payment initiated or rejected on Chorus Pro.",
    )
    l10n_fr_chorus_status = fields.Selection(
        selection=lambda self: self.env["account.move"]._fields["l10n_fr_chorus_status"].selection,
        string="Chorus Pro Status", readonly=True,
        help="The invoice's last status on Chorus Pro.",
    )

    _depends = {
        "account.move": ["l10n_fr_chorus_state", "l10n_fr_chorus_summary", "l10n_fr_chorus_status"],
    }

    def _select(self) -> SQL:
        return SQL(
            "%s, move.l10n_fr_chorus_state AS l10n_fr_chorus_state, move.l10n_fr_chorus_summary AS "
            "l10n_fr_chorus_summary, move.l10n_fr_chorus_status AS l10n_fr_chorus_status",
            super()._select(),
        )
