from odoo import _, api, fields, models

from ..chorus_client import FLOW_FINAL_STATES, FLOW_STATES


class L10nFrChorusFlow(models.Model):
    """One deposit on Chorus Pro (``deposer/flux``): its file, its invoices and what Chorus Pro did with it."""

    _name = "l10n_fr_chorus.flow"
    _description = "Chorus Pro Flow"
    _inherit = ["mail.thread"]
    _order = "deposit_date desc, id desc"

    name = fields.Char(string="Flow Number", required=True, readonly=True, copy=False, index=True,
                       help="numeroFluxDepot given by Chorus Pro when the file was deposited.")
    company_id = fields.Many2one("res.company", required=True, readonly=True,
                                 default=lambda self: self.env.company, help="Company that deposited the flow.")
    deposit_date = fields.Datetime(readonly=True, default=fields.Datetime.now,
                                   help="When the file was deposited on Chorus Pro.")
    syntax = fields.Char(readonly=True, help="syntaxeFlux of the deposit (format of the file).")
    attachment_id = fields.Many2one("ir.attachment", string="Deposited File", readonly=True, copy=False,
                                    help="The exact file deposited on Chorus Pro.")
    move_ids = fields.Many2many("account.move", "l10n_fr_chorus_flow_move_rel", "flow_id", "move_id",
                                string="Invoices", readonly=True, help="Invoices carried by this flow.")
    state = fields.Selection(FLOW_STATES, string="Flow State", readonly=True, tracking=True, copy=False,
                             help="State of the flow on Chorus Pro (etatCourantDepotFlux).")
    state_date = fields.Datetime(readonly=True, copy=False,
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

    def _l10n_fr_chorus_update(self, client):
        """Read the detailed report of the flow; mark its refused invoices rejected with Chorus Pro's reason."""
        self.ensure_one()
        report = client.get_flow_report(self.name)
        state = report.get("etatCourantDepotFlux")
        if state not in dict(FLOW_STATES):
            return  # unknown IN_* values are pending
        dp_errors, technical = report["listeErreurDP"], report["listeErreurTechnique"]
        lines = [f"{e.get('numeroDP') or '?'}: {e.get('libelleErreurDP') or ''}" for e in dp_errors]
        lines += [f"{e.get('codeErreur') or ''} {e.get('libelleErreur') or ''}".strip() for e in technical]
        self.write({
            "state": state,
            "state_date": self.env["account.move"]._l10n_fr_chorus_parse_datetime(
                report.get("dateHeureEtatCourantFlux")) or fields.Datetime.now(),
            "error_message": "\n".join(lines) or False,
        })
        current = self.move_ids.filtered(lambda m: m.l10n_fr_chorus_flow_id == self)
        reasons = {}
        for error in dp_errors:
            reasons.setdefault(error.get("numeroDP"), []).append(error.get("libelleErreurDP") or "")
        for move in current:
            if state == "IN_REJETE" or (state == "IN_INTEGRE_PARTIEL" and move.name in reasons):
                reason = "; ".join(reasons.get(move.name) or [line for line in lines if line]) or _("no reason given")
                move._l10n_fr_chorus_reject(_("Chorus Pro rejected flow %(flow)s: %(reason)s.", flow=self.name,
                                              reason=reason))
            elif state == "IN_INCIDENTE":
                move._l10n_fr_chorus_reject(_("Chorus Pro could not process flow %(flow)s (incident): send the "
                                              "invoice again.", flow=self.name))
