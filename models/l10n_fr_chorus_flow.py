from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools.misc import format_datetime

from ..chorus_client import FLOW_FINAL_STATES, FLOW_STATES
from .chorus_facts import as_addon, by_addon

# Before Chorus Pro answers the deposit, the flow is recorded « sending »: the evidence of an attempt.
STATES = [("sending", "Being deposited"), *FLOW_STATES]


class L10nFrChorusFlow(models.Model):
    """One deposit on Chorus Pro (``deposer/flux``): its file, its invoices and what Chorus Pro did with it."""

    _name = "l10n_fr_chorus.flow"
    _description = "Chorus Pro Flow"
    _inherit = ["mail.thread"]
    _order = "deposit_date desc, id desc"

    name = fields.Char(string="Flow Number", readonly=True, copy=False, index=True,
                       help="numeroFluxDepot given by Chorus Pro when the file was deposited; empty while the "
                       "deposit has no answer.")
    company_id = fields.Many2one("res.company", required=True, readonly=True,
                                 default=lambda self: self.env.company, help="Company that deposited the flow.")
    deposit_date = fields.Datetime(readonly=True, default=fields.Datetime.now,
                                   help="When the file was deposited on Chorus Pro (sent, for a deposit without "
                                   "answer).")
    checksum = fields.Char(string="SHA-256", readonly=True, copy=False,
                           help="Checksum of the deposited file.")
    syntax = fields.Char(readonly=True, help="syntaxeFlux of the deposit (format of the file).")
    attachment_id = fields.Many2one("ir.attachment", string="Deposited File", readonly=True, copy=False,
                                    help="The exact file deposited on Chorus Pro.")
    move_ids = fields.Many2many("account.move", "l10n_fr_chorus_flow_move_rel", "flow_id", "move_id",
                                string="Invoices", readonly=True, help="Invoices carried by this flow.")
    state = fields.Selection(STATES, string="Flow State", readonly=True, tracking=True, copy=False,
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

    @api.depends("name", "state")
    def _compute_display_name(self):
        for flow in self:
            flow.display_name = flow.name or _("Deposit of %(date)s",
                                               date=format_datetime(self.env, flow.deposit_date, dt_format="short"))

    # ------------------------------------------------------------------------------------------
    # Only the addon writes flows
    # ------------------------------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not by_addon(self):
            raise AccessError(_("Chorus Pro flows are recorded by the deposits themselves."))
        return super().create(vals_list)

    def write(self, vals):
        if not by_addon(self) and set(vals) - {"message_main_attachment_id"}:
            raise AccessError(_("A Chorus Pro flow is what Chorus Pro said about a deposit: it cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_by_addon(self):
        if not by_addon(self):
            raise AccessError(_("A Chorus Pro flow is the evidence of a deposit: it cannot be deleted."))

    @api.model
    def _l10n_fr_chorus_create(self, vals):
        return as_addon(self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True,
                                          mail_notrack=True)).create(vals)

    def _l10n_fr_chorus_write(self, vals):
        return as_addon(self).write(vals)

    def _l10n_fr_chorus_unlink(self):
        files = self.env["ir.attachment"].sudo().search([("l10n_fr_chorus_flow_id", "in", self.ids)])
        as_addon(files | self.attachment_id.sudo()).unlink()
        return as_addon(self).unlink()

    def _l10n_fr_chorus_attach(self, filename, content):
        """Keep the exact file deposited on the flow and on each of its invoices (one file in the filestore)."""
        self.ensure_one()
        Attachment = as_addon(self.env["ir.attachment"].sudo())
        attachment, *_copies = Attachment.create([
            {"name": filename, "raw": content, "res_model": res._name, "res_id": res.id,
             "l10n_fr_chorus_flow_id": self.id}
            for res in [self, *self.move_ids]
        ])
        self._l10n_fr_chorus_write({"attachment_id": attachment.id})
        return attachment

    # ------------------------------------------------------------------------------------------
    # Flow report
    # ------------------------------------------------------------------------------------------
    def _l10n_fr_chorus_update(self, client):
        """Read the detailed report of the flow; mark its refused invoices rejected with Chorus Pro's reason.

        An invoice refused because this supplier already deposited its number is not rejected: that refusal
        proves the earlier deposit, and the invoice is linked to the invoice Chorus Pro already holds.
        """
        self.ensure_one()
        report = client.flow_report(self.name)
        if report.state not in dict(FLOW_STATES):
            return  # unknown IN_* values are pending
        lines = report.lines()
        vals = {"state": report.state, "state_date": report.date or self.state_date or fields.Datetime.now(),
                "error_message": "\n".join(lines) or False}
        if any(self[name] != value for name, value in vals.items()):  # unchanged: no write, no contention
            self._l10n_fr_chorus_write(vals)
        current = self.env["account.move"].search([("l10n_fr_chorus_flow_id", "=", self.id)])
        follow_up = self.env["l10n_fr_chorus.follow.up"]
        for move in current:
            reasons = report.reasons_for(move.name)
            refused = report.state == "IN_REJETE" or (report.state == "IN_INTEGRE_PARTIEL" and reasons)
            if refused and any(r.already_deposited for r in report.refusals if r.invoice_number == move.name):
                self._l10n_fr_chorus_already_deposited(move, client)
            elif refused:
                reason = "; ".join(reasons or [line for line in lines if line]) or _("no reason given")
                follow_up._on_rejection(move, _("Chorus Pro rejected flow %(flow)s: %(reason)s.", flow=self.name,
                                                reason=reason))
            elif report.state == "IN_INCIDENTE":
                follow_up._on_rejection(move, _("Chorus Pro could not process flow %(flow)s (incident): send the "
                                                "invoice again.", flow=self.name))

    def _l10n_fr_chorus_already_deposited(self, move, client):
        """Chorus Pro refused ``move`` in this flow as a number it already holds: link it to that invoice."""
        move.message_post(body=_(
            "Chorus Pro refused flow %(flow)s because it already holds invoice %(invoice)s: this is not a "
            "rejection, the invoice is linked to the one on Chorus Pro.", flow=self.name, invoice=move.name))
        if not self.env["l10n_fr_chorus.sender"]._link_existing(move, client):
            # not listed yet: searched for at every run until Chorus Pro shows it, never deposited again
            move._l10n_fr_chorus_write({
                "l10n_fr_chorus_unknown_outcome": True,
                "l10n_fr_chorus_error": _(
                    "%(invoice)s: Chorus Pro already holds this invoice number but does not list it yet; it is "
                    "searched for at every scheduled run and never sent again.", invoice=move.name),
                "l10n_fr_chorus_error_retryable": True,
            })
