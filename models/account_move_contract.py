from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..chorus_client import (
    WORKS_BILLING_FRAMES,
    WORKS_MOA_STATUSES,
    WORKS_MOE_STATUSES,
    WORKS_REFUSED_STATUSES,
)
from . import account_move
from .l10n_fr_chorus_contract import FRAME_KINDS, PIECE_KINDS

# What the contract and the works piece put in the deposited document: frozen while Chorus Pro holds it, and a
# change may fix a failed send.
account_move.DEPOSITED_FIELDS.update({
    "l10n_fr_chorus_contract_id", "l10n_fr_chorus_moe_id", "l10n_fr_chorus_moe_service_code",
    "l10n_fr_chorus_previous_piece_id",
})
account_move.FIXING_FIELDS.update({
    "l10n_fr_chorus_contract_id", "l10n_fr_chorus_moe_id", "l10n_fr_chorus_moe_service_code",
    "l10n_fr_chorus_previous_piece_id",
})
account_move.CHORUS_FACTS.update({"l10n_fr_chorus_billing_file", "l10n_fr_chorus_works_stage"})
PAYMENT_STATUSES = {"MANDATEE", "MISE_A_DISPOSITION_COMPTABLE", "COMPTABILISEE"}


class AccountMove(models.Model):
    """An invoice under a public contract takes the contract's values; a works piece names its project manager
    (MOE) and the piece before it, and shows where it stands in the MOE / MOA circuit."""

    _inherit = "account.move"

    l10n_fr_chorus_contract_id = fields.Many2one(
        "l10n_fr_chorus.contract", string="Public Contract", tracking=True, index="btree_not_null",
        domain="[('partner_id', '=', commercial_partner_id), ('company_id', '=', company_id)]",
        help="The public contract (« marché ») this invoice falls under: its number, service, commitment number, "
        "billing frame and Chorus Pro circuit are taken from it (still editable on the invoice).")
    contract_reference = fields.Char(compute="_compute_l10n_fr_chorus_contract_values", store=True, readonly=False,
                                     precompute=True)
    purchase_order_reference = fields.Char(compute="_compute_l10n_fr_chorus_contract_values", store=True,
                                           readonly=False, precompute=True)
    l10n_fr_chorus_billing_frame = fields.Selection(
        compute="_compute_l10n_fr_chorus_contract_values", store=True, readonly=False, precompute=True, copy=True)
    l10n_fr_chorus_works_piece = fields.Selection(
        PIECE_KINDS, string="Works Piece", compute="_compute_l10n_fr_chorus_works_piece", store=True,
        help="The kind of works piece, from its billing frame: monthly statement project (A4, A10, A13), final "
        "statement project (A7, A11, A14), final general statement (A8), tacit procedure (A22, A23).")
    l10n_fr_chorus_moe_id = fields.Many2one(
        "res.partner", string="Project Manager (MOE)", compute="_compute_l10n_fr_chorus_moe", store=True,
        readonly=False, precompute=True, copy=True,
        help="The project manager (« maîtrise d'œuvre ») who validates this statement project first; taken from "
        "the contract.")
    l10n_fr_chorus_moe_service_code = fields.Char(
        string="MOE Service Code", compute="_compute_l10n_fr_chorus_moe", store=True, readonly=False,
        precompute=True, help="The project manager's service on Chorus Pro, when it asks for one.")
    l10n_fr_chorus_previous_piece_id = fields.Many2one(
        "account.move", string="Previous Piece", copy=True, index="btree_not_null",
        domain="[('l10n_fr_chorus_contract_id', '=', l10n_fr_chorus_contract_id), ('state', '=', 'posted'), "
        "('id', '!=', id)]",
        help="The piece of the same billing file this one follows (a final general statement follows the final "
        "statement project); sent as the preceding invoice reference (BT-25).")
    l10n_fr_chorus_billing_file = fields.Char(
        string="Billing File", readonly=True, copy=False, tracking=True,
        help="The billing file (« dossier de facturation ») Chorus Pro filed this works piece in.")
    l10n_fr_chorus_works_stage = fields.Selection(
        [("moe", "With the project manager"), ("moa", "With the buyer"), ("payment", "Payment ordered"),
         ("paid", "Payment initiated"), ("refused", "Refused")],
        string="Works Stage", compute="_compute_l10n_fr_chorus_works_stage", store=True,
        help="Where the works piece stands: with the project manager (MOE), with the buyer (MOA), payment "
        "ordered, payment initiated, or refused (a new piece must be issued).")

    @api.depends("l10n_fr_chorus_contract_id")
    def _compute_l10n_fr_chorus_contract_values(self):
        for move in self:
            contract = move.l10n_fr_chorus_contract_id
            if contract and not move.l10n_fr_chorus_flow_id:
                move.contract_reference = contract.name
                move.purchase_order_reference = contract._commitment() or move.purchase_order_reference
                if not (contract.is_works and move.l10n_fr_chorus_billing_frame in WORKS_BILLING_FRAMES):
                    move.l10n_fr_chorus_billing_frame = contract.billing_frame or "A1_FACTURE_FOURNISSEUR"
            else:
                move.contract_reference = move.contract_reference
                move.purchase_order_reference = move.purchase_order_reference
                move.l10n_fr_chorus_billing_frame = move.l10n_fr_chorus_billing_frame or "A1_FACTURE_FOURNISSEUR"

    @api.depends("l10n_fr_chorus_contract_id")
    def _compute_l10n_fr_chorus_moe(self):
        for move in self:
            contract = move.l10n_fr_chorus_contract_id
            if contract.is_works and not move.l10n_fr_chorus_flow_id:
                move.l10n_fr_chorus_moe_id = contract.moe_id
                move.l10n_fr_chorus_moe_service_code = contract.moe_service_code
            else:
                move.l10n_fr_chorus_moe_id = move.l10n_fr_chorus_moe_id
                move.l10n_fr_chorus_moe_service_code = move.l10n_fr_chorus_moe_service_code

    @api.depends("l10n_fr_chorus_billing_frame", "move_type")
    def _compute_l10n_fr_chorus_works_piece(self):
        for move in self:  # a credit note (the one that cancels a refused piece) is no works piece
            move.l10n_fr_chorus_works_piece = move.move_type == "out_invoice" and FRAME_KINDS.get(
                move.l10n_fr_chorus_billing_frame, False)

    @api.depends("l10n_fr_chorus_status", "l10n_fr_chorus_billing_frame", "move_type")
    def _compute_l10n_fr_chorus_works_stage(self):
        for move in self:
            status = move.l10n_fr_chorus_status
            stage = False
            if move.l10n_fr_chorus_billing_frame in WORKS_BILLING_FRAMES and status and move.move_type == "out_invoice":
                if status in WORKS_REFUSED_STATUSES or status == "REJETEE":
                    stage = "refused"
                elif status == "MISE_EN_PAIEMENT":
                    stage = "paid"
                elif status in PAYMENT_STATUSES:
                    stage = "payment"
                elif status in WORKS_MOA_STATUSES:
                    stage = "moa"
                elif status in WORKS_MOE_STATUSES or status == "DEPOSEE":
                    stage = "moe"
            move.l10n_fr_chorus_works_stage = stage

    # ------------------------------------------------------------------------------------------
    # The Chorus Pro circuit of the contract, the refusals of the works circuit
    # ------------------------------------------------------------------------------------------
    @api.depends("l10n_fr_chorus_contract_id.chorus_transfer")
    def _compute_l10n_fr_chorus_transfer(self):
        res = super()._compute_l10n_fr_chorus_transfer()
        for move in self:
            if move.l10n_fr_chorus_flow_id:
                continue
            if move.l10n_fr_chorus_contract_id and not move.l10n_fr_chorus_contract_id.chorus_transfer:
                move.l10n_fr_chorus_transfer = False
            elif move.reversed_entry_id.l10n_fr_chorus_status in WORKS_REFUSED_STATUSES:
                move.l10n_fr_chorus_transfer = False  # cancels in the books a piece Chorus Pro's circuit refused
        return res

    @api.depends("l10n_fr_chorus_contract_id")
    def _compute_l10n_fr_chorus_service_id(self):
        res = super()._compute_l10n_fr_chorus_service_id()
        for move in self:
            service = move.l10n_fr_chorus_contract_id.service_id
            if service and not move.l10n_fr_chorus_flow_id:
                move.l10n_fr_chorus_service_id = service
        return res

    def _l10n_fr_chorus_state_from_facts(self):
        if self.l10n_fr_chorus_transfer and self.l10n_fr_chorus_status in WORKS_REFUSED_STATUSES:
            return "rejected"
        return super()._l10n_fr_chorus_state_from_facts()

    def _l10n_fr_chorus_can_replace(self):
        """Refused for good (the buyer rejected it, or the works circuit refused it): replaced, never resent."""
        self.ensure_one()
        return self.l10n_fr_chorus_status in WORKS_REFUSED_STATUSES | {"REJETEE"}

    def _post(self, soft=True):
        """A works piece whose project manager or kind of contractor is wrong can never be sent: say it before it is
        confirmed (and numbered), not at the send."""
        errors = []
        for move in self.filtered(lambda m: m.l10n_fr_chorus_transfer and m.l10n_fr_chorus_works_piece):
            name = move.name if move.name and move.name != "/" else _("draft invoice")
            errors += [_("%(invoice)s: ", invoice=name) + message
                       for message in self.env["l10n_fr_chorus.works.check"]._static_errors(move)]
        if errors:
            raise UserError("\n".join(errors))
        return super()._post(soft=soft)

    @api.model
    def _l10n_fr_chorus_piece_label(self, kind):
        return dict(self._fields["l10n_fr_chorus_works_piece"]._description_selection(self.env)).get(kind, kind)
