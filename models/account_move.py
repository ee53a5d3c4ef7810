from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..chorus_client import BILLING_FRAMES, INVOICE_STATUSES
from .chorus_facts import as_addon, by_addon

TRANSFER_GROUP = "l10n_fr_chorus_pro.group_l10n_fr_chorus_transfer"
# Fields whose change may fix what made a send fail: the next scheduled send tries again.
FIXING_FIELDS = {
    "partner_id", "buyer_reference", "purchase_order_reference", "contract_reference", "partner_bank_id",
    "l10n_fr_chorus_service_id", "l10n_fr_chorus_attachment_ids", "l10n_fr_chorus_billing_frame",
    "invoice_line_ids", "currency_id",
}
# What Chorus Pro said and what the addon did with it: written by the addon's code only (see chorus_facts.py).
CHORUS_FACTS = {
    "l10n_fr_chorus_flow_id", "l10n_fr_chorus_flow_ids", "l10n_fr_chorus_invoice_cpp", "l10n_fr_chorus_status",
    "l10n_fr_chorus_status_date", "l10n_fr_chorus_status_comment", "l10n_fr_chorus_error",
    "l10n_fr_chorus_error_retryable", "l10n_fr_chorus_unknown_outcome", "l10n_fr_chorus_rejection",
    "l10n_fr_chorus_history_ids", "l10n_fr_chorus_summary", "l10n_fr_chorus_is_final", "l10n_fr_chorus_state",
    "l10n_fr_chorus_history_complete",
}
# What the deposited document carries: frozen while Chorus Pro holds the invoice.
DEPOSITED_FIELDS = {
    "partner_id", "commercial_partner_id", "invoice_date", "invoice_date_due", "name", "ref", "currency_id",
    "invoice_line_ids", "line_ids", "buyer_reference", "purchase_order_reference", "contract_reference",
    "partner_bank_id", "l10n_fr_chorus_service_id", "l10n_fr_chorus_billing_frame",
    "l10n_fr_chorus_attachment_ids", "l10n_fr_chorus_transfer", "move_type", "company_id",
}
# Statuses that ask the supplier to act, with what to do.
TO_HANDLE_STATUSES = {"SUSPENDUE", "A_RECYCLER", "REJETEE", "A_COMPLETER", "NON_CONFORME"}


class AccountMove(models.Model):
    _inherit = "account.move"

    l10n_fr_chorus_transfer = fields.Boolean(
        string="Transfer via Chorus Pro",
        compute="_compute_l10n_fr_chorus_transfer",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        help="Send this invoice to Chorus Pro. Ticked by default for a « Client Chorus Pro »; untick it for a "
        "contract handled outside Chorus Pro.",
    )
    l10n_fr_chorus_service_id = fields.Many2one(
        "l10n_fr_chorus.service",
        string="Chorus Pro Service",
        compute="_compute_l10n_fr_chorus_service_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('partner_id', '=', commercial_partner_id), ('code', '!=', 'FACTURES_PUBLIQUES')]",
        help="Service of the public buyer (« service exécutant »); its code is sent as the buyer reference.",
    )
    buyer_reference = fields.Char(
        compute="_compute_buyer_reference", store=True, readonly=False, precompute=True,
    )
    l10n_fr_chorus_billing_frame = fields.Selection(
        BILLING_FRAMES,
        string="Billing Frame",
        default="A1_FACTURE_FOURNISSEUR",
        help="« Cadre de facturation » on Chorus Pro: A1 for an ordinary supplier invoice, A2 for an invoice "
        "already paid, A9 for a subcontractor…",
    )
    l10n_fr_chorus_attachment_ids = fields.Many2many(
        "ir.attachment",
        "l10n_fr_chorus_move_attachment_rel",
        "move_id",
        "attachment_id",
        string="Supporting Documents",
        copy=False,
        help="Documents sent with the invoice to Chorus Pro (10 MB each at most, name of 50 characters at most).",
    )
    l10n_fr_chorus_flow_id = fields.Many2one(
        "l10n_fr_chorus.flow", string="Chorus Pro Flow", readonly=True, copy=False, tracking=True, index=True,
        help="The flow (deposit) that carried the current version of this invoice.",
    )
    l10n_fr_chorus_flow_ids = fields.Many2many(
        "l10n_fr_chorus.flow", "l10n_fr_chorus_flow_move_rel", "move_id", "flow_id",
        string="Chorus Pro Flows", readonly=True, copy=False,
        help="Every deposit of this invoice, the rejected ones included.",
    )
    l10n_fr_chorus_flow_count = fields.Integer(
        string="Chorus Pro Deposits", compute="_compute_l10n_fr_chorus_flow_count",
        help="How many times the invoice was deposited on Chorus Pro.",
    )
    l10n_fr_chorus_editable = fields.Boolean(
        string="Chorus Pro Data Editable", compute="_compute_l10n_fr_chorus_editable",
        help="What is sent to Chorus Pro can be changed: not deposited yet, or refused by Chorus Pro.",
    )
    l10n_fr_chorus_file = fields.Binary(
        related="l10n_fr_chorus_flow_id.attachment_id.datas", string="Deposited File",
        help="The exact file deposited on Chorus Pro for this invoice.",
    )
    l10n_fr_chorus_file_name = fields.Char(related="l10n_fr_chorus_flow_id.attachment_id.name",
                                           string="Deposited File Name", help="Name of the deposited file.")
    l10n_fr_chorus_flow_number = fields.Char(
        related="l10n_fr_chorus_flow_id.name", string="Chorus Pro Flow Number",
    )
    l10n_fr_chorus_invoice_cpp = fields.Char(
        string="Chorus Pro Invoice ID", readonly=True, copy=False, index=True,
        help="identifiantFactureCPP: the invoice's identifier on Chorus Pro once its flow is integrated.",
    )
    l10n_fr_chorus_status = fields.Selection(
        INVOICE_STATUSES, string="Chorus Pro Status", readonly=True, copy=False, tracking=True,
        help="Status of the invoice on Chorus Pro.",
    )
    l10n_fr_chorus_status_date = fields.Datetime(
        string="Chorus Pro Status Date", readonly=True, copy=False,
        help="When Chorus Pro set the current status.",
    )
    l10n_fr_chorus_status_comment = fields.Char(
        string="Chorus Pro Comment", readonly=True, copy=False,
        help="Comment of the buyer or of Chorus Pro with the current status.",
    )
    l10n_fr_chorus_error = fields.Text(
        string="Chorus Pro Error", readonly=True, copy=False,
        help="Why the last transfer failed, and what to fix.",
    )
    l10n_fr_chorus_error_retryable = fields.Boolean(
        string="Retry Automatically", readonly=True, copy=False,
        help="The last failure was temporary: the scheduled send tries again.",
    )
    l10n_fr_chorus_unknown_outcome = fields.Boolean(
        string="Deposit Outcome Unknown", readonly=True, copy=False,
        help="The last deposit got no answer: Chorus Pro is searched for this invoice before any new deposit.",
    )
    l10n_fr_chorus_rejection = fields.Text(
        string="Chorus Pro Rejection", readonly=True, copy=False, tracking=True,
        help="Why Chorus Pro refused the deposited invoice (rejected or incomplete flow).",
    )
    l10n_fr_chorus_history_ids = fields.One2many(
        "l10n_fr_chorus.status.history", "move_id", string="Chorus Pro History", readonly=True, copy=False,
        help="Every status the invoice went through on Chorus Pro.",
    )
    l10n_fr_chorus_summary = fields.Selection(
        selection=[
            ("in_progress", "In progress"),
            ("to_handle", "To handle"),
            ("paid", "Payment initiated"),
            ("rejected", "Rejected"),
        ],
        string="Chorus Pro Follow-up",
        compute="_compute_l10n_fr_chorus_state",
        store=True,
        index=True,
        help="In progress: on its way on Chorus Pro. To handle: something must be done (error, suspended, to "
        "recycle). Paid. Rejected.",
    )
    l10n_fr_chorus_is_final = fields.Boolean(
        string="Chorus Pro Final",
        compute="_compute_l10n_fr_chorus_state",
        store=True,
        help="The invoice will not change any more on Chorus Pro: its status is no longer followed.",
    )
    l10n_fr_chorus_state = fields.Selection(
        selection=[
            ("not_concerned", "Not concerned"),
            ("to_send", "To send"),
            ("sending", "Sending"),
            ("deposited", "Deposited"),
            ("integrated", "On Chorus Pro"),
            ("paid", "Payment initiated"),
            ("rejected", "Rejected"),
            ("error", "Error"),
        ],
        string="Chorus Pro Transfer",
        compute="_compute_l10n_fr_chorus_state",
        store=True,
        index=True,
        help="Where the invoice stands in its transfer to Chorus Pro.",
    )

    # ------------------------------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------------------------------
    @api.depends("partner_id", "move_type", "company_id", "reversed_entry_id")
    def _compute_l10n_fr_chorus_transfer(self):
        for move in self:
            if move.l10n_fr_chorus_flow_id:
                continue  # what was sent stays sent
            partner = move.partner_id.commercial_partner_id.with_company(move.company_id)
            # the credit note of an invoice the buyer rejected cancels it in the books only: Chorus Pro never
            # accepted that invoice, so there is nothing to credit there
            rejected = move.reversed_entry_id.l10n_fr_chorus_status == "REJETEE"
            move.l10n_fr_chorus_transfer = move.is_sale_document() and partner.l10n_fr_chorus_client and not rejected

    @api.depends("l10n_fr_chorus_flow_id", "l10n_fr_chorus_state")
    def _compute_l10n_fr_chorus_editable(self):
        for move in self:
            move.l10n_fr_chorus_editable = not move._l10n_fr_chorus_held()

    @api.depends("l10n_fr_chorus_flow_ids")
    def _compute_l10n_fr_chorus_flow_count(self):
        for move in self:
            move.l10n_fr_chorus_flow_count = len(move.l10n_fr_chorus_flow_ids)

    @api.depends("partner_id")
    def _compute_l10n_fr_chorus_service_id(self):
        for move in self:
            default = move.partner_id.l10n_fr_chorus_default_service_id
            if default and default.partner_id == move.partner_id.commercial_partner_id:
                move.l10n_fr_chorus_service_id = default
            elif move.l10n_fr_chorus_service_id.partner_id != move.partner_id.commercial_partner_id:
                move.l10n_fr_chorus_service_id = False

    @api.depends("l10n_fr_chorus_service_id")
    def _compute_buyer_reference(self):
        for move in self:
            if move.l10n_fr_chorus_service_id:
                move.buyer_reference = move.l10n_fr_chorus_service_id.code
            elif not move.buyer_reference:
                move.buyer_reference = False

    @api.depends(
        "l10n_fr_chorus_transfer", "state", "move_type", "l10n_fr_chorus_flow_id", "l10n_fr_chorus_flow_id.state",
        "l10n_fr_chorus_invoice_cpp", "l10n_fr_chorus_status", "l10n_fr_chorus_error",
        "l10n_fr_chorus_unknown_outcome", "l10n_fr_chorus_rejection",
    )
    def _compute_l10n_fr_chorus_state(self):
        for move in self:
            state = move._l10n_fr_chorus_state_from_facts()
            move.l10n_fr_chorus_state = state
            move.l10n_fr_chorus_summary = move._l10n_fr_chorus_summary_from_state(state)
            move.l10n_fr_chorus_is_final = state in ("paid", "rejected") or (
                state == "integrated" and move._l10n_fr_chorus_is_final_status(move.l10n_fr_chorus_status))

    def _l10n_fr_chorus_summary_from_state(self, state):
        if state in ("not_concerned", "to_send"):
            return False
        if state in ("paid", "rejected"):
            return state
        if state == "error" or self.l10n_fr_chorus_status in TO_HANDLE_STATUSES:
            return "to_handle"
        return "in_progress"

    def _l10n_fr_chorus_state_from_facts(self):
        self.ensure_one()
        if not self.l10n_fr_chorus_transfer or not self.is_sale_document():
            return "not_concerned"
        if self.l10n_fr_chorus_status == "MISE_EN_PAIEMENT":
            return "paid"
        if self.l10n_fr_chorus_status in ("REJETEE", "SUPPRIMEE", "ABANDONNEE"):
            return "rejected"
        if self.l10n_fr_chorus_unknown_outcome:
            return "sending"
        if self.l10n_fr_chorus_rejection:
            return "rejected"
        if self.l10n_fr_chorus_error:
            return "error"
        if self.l10n_fr_chorus_invoice_cpp:
            return "integrated"
        if self.l10n_fr_chorus_flow_id:
            return "rejected" if self.l10n_fr_chorus_flow_id.state in ("IN_REJETE",) else "deposited"
        return "to_send" if self.state == "posted" else "not_concerned"

    # ------------------------------------------------------------------------------------------
    # Server-side rules: Chorus Pro facts, what was deposited, who may ask for a send
    # ------------------------------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not by_addon(self) and any(CHORUS_FACTS.intersection(vals) for vals in vals_list):
            raise AccessError(self.env["l10n_fr_chorus.invoice.check"]._facts_message())
        return super().create(vals_list)

    def write(self, vals):
        if by_addon(self):
            return super().write(vals)
        if CHORUS_FACTS.intersection(vals):
            raise AccessError(self.env["l10n_fr_chorus.invoice.check"]._facts_message())
        if DEPOSITED_FIELDS.intersection(vals):
            self._l10n_fr_chorus_check_not_held()
        if vals.get("sending_data") and not self.env.su:
            self.env["l10n_fr_chorus.invoice.check"]._check_sending_data(vals["sending_data"])
        if FIXING_FIELDS.intersection(vals):
            stale = self.filtered(lambda m: m.l10n_fr_chorus_error and not m.l10n_fr_chorus_unknown_outcome)
            res = super().write(vals)
            stale._l10n_fr_chorus_write({"l10n_fr_chorus_error": False, "l10n_fr_chorus_error_retryable": False})
            return res
        return super().write(vals)

    def _l10n_fr_chorus_held(self):
        """Chorus Pro holds this invoice as it was deposited (a rejection lets it go)."""
        self.ensure_one()
        return bool(self.l10n_fr_chorus_flow_id) and self.l10n_fr_chorus_state != "rejected"

    def _l10n_fr_chorus_check_not_held(self):
        self.env["l10n_fr_chorus.invoice.check"]._check_not_held(self)

    def button_draft(self):
        self._l10n_fr_chorus_check_not_held()
        return super().button_draft()

    @api.ondelete(at_uninstall=False)
    def _unlink_l10n_fr_chorus_not_held(self):
        self._l10n_fr_chorus_check_not_held()

    # ------------------------------------------------------------------------------------------
    # Checks before any deposit
    # ------------------------------------------------------------------------------------------
    def _l10n_fr_chorus_can_resend(self):
        """Deposited once already: only Chorus Pro's refusal of the flow allows a new deposit. An invoice the buyer
        rejected keeps its number on Chorus Pro, which refuses it again: it is replaced, not resent."""
        self.ensure_one()
        if not self.l10n_fr_chorus_flow_id:
            return True
        return self.l10n_fr_chorus_state == "rejected" and not self.l10n_fr_chorus_status

    def action_l10n_fr_chorus_replace(self):
        """« Remplacer la facture rejetée »: credit note (not transferred) and a new invoice ready to send."""
        self._l10n_fr_chorus_check_transfer_right()
        return self.env["l10n_fr_chorus.follow.up"]._replace(self)

    def _l10n_fr_chorus_check(self):
        """Everything Chorus Pro would refuse later, as messages naming this invoice and what to fix."""
        self.ensure_one()
        return self.env["l10n_fr_chorus.invoice.check"]._errors(self)

    # ------------------------------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------------------------------
    def _l10n_fr_chorus_check_transfer_right(self):
        if not self.env.su and not self.env.user.has_group(TRANSFER_GROUP):
            raise AccessError(_("Only members of the group « Chorus Pro Transfer » can send invoices to Chorus Pro."))

    def action_l10n_fr_chorus_send(self):
        """« Send to Chorus Pro » (button and list action): the wizard lists what will and will not be sent."""
        self._l10n_fr_chorus_check_transfer_right()
        wizard = self.env["l10n_fr_chorus.send.wizard"].create({"move_ids": [(6, 0, self.ids)]})
        return wizard._action_open()

    def _l10n_fr_chorus_write(self, vals):
        """Write what Chorus Pro said: not a user's change, so no error reset, no journal-line sync and no balance
        check (no journal item changes)."""
        return as_addon(self.with_context(skip_invoice_sync=True, skip_is_manually_modified=True,
                                          check_move_validity=False)).write(vals)

    def _l10n_fr_chorus_set_error(self, message, retryable=False):
        self._l10n_fr_chorus_write({"l10n_fr_chorus_error": message, "l10n_fr_chorus_error_retryable": retryable})

    def _l10n_fr_chorus_send(self, commit=False, group_size=1):
        """Deposit these invoices (see ``l10n_fr_chorus.sender``): ``{move: (sent, message)}``."""
        return self.env["l10n_fr_chorus.sender"]._send(self, commit=commit, group_size=group_size)

    @api.model
    def _cron_l10n_fr_chorus_send(self, limit=1000):
        return self.env["l10n_fr_chorus.sender"]._cron_send(limit=limit)
