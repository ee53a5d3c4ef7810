from odoo import api, fields, models

from ..chorus_client import FLOW_FINAL_STATES, FLOW_STATES


class L10nFrChorusFlow(models.Model):
    """One deposit on Chorus Pro (``deposer/flux``): its file, its invoices and what Chorus Pro did with it."""

    _name = "l10n_fr_chorus.flow"
    _description = "Chorus Pro Flow"
    _inherit = ["mail.thread"]
    _order = "deposit_date desc, id desc"

    name = fields.Char(string="Flow Number", required=True, readonly=True, copy=False, index=True,
                       help="numeroFluxDepot given by Chorus Pro when the file was deposited.")
    company_id = fields.Many2one("res.company", string="Company", required=True, readonly=True,
                                 default=lambda self: self.env.company, help="Company that deposited the flow.")
    deposit_date = fields.Datetime(string="Deposit Date", readonly=True, default=fields.Datetime.now,
                                   help="When the file was deposited on Chorus Pro.")
    syntax = fields.Char(string="Syntax", readonly=True, help="syntaxeFlux of the deposit (format of the file).")
    attachment_id = fields.Many2one("ir.attachment", string="Deposited File", readonly=True, copy=False,
                                    help="The exact file deposited on Chorus Pro.")
    move_ids = fields.Many2many("account.move", "l10n_fr_chorus_flow_move_rel", "flow_id", "move_id",
                                string="Invoices", readonly=True, help="Invoices carried by this flow.")
    state = fields.Selection(FLOW_STATES, string="Flow State", readonly=True, tracking=True, copy=False,
                             help="State of the flow on Chorus Pro (etatCourantDepotFlux).")
    state_date = fields.Datetime(string="State Date", readonly=True, copy=False,
                                 help="When Chorus Pro last changed the state of the flow.")
    error_message = fields.Text(string="Errors", readonly=True, copy=False,
                                help="What Chorus Pro reported against the flow or its invoices.")
    is_final = fields.Boolean(string="Processed", compute="_compute_is_final", store=True,
                              help="Chorus Pro has finished processing the flow.")

    _sql_constraints = [("name_company_unique", "unique(name, company_id)", "A flow number is unique.")]

    @api.depends("state")
    def _compute_is_final(self):
        for flow in self:
            flow.is_final = flow.state in FLOW_FINAL_STATES
