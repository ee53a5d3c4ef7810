from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..chorus_client import BILLING_FRAMES, WORKS_BILLING_FRAMES, WORKS_PIECES, WORKS_PREVIOUS_FRAMES

CONTRACTOR_ROLES = [
    ("holder", "Holder (« titulaire »)"),
    ("cocontractor", "Co-contractor"),
    ("subcontractor", "Subcontractor"),
]
PIECE_KINDS = [
    ("monthly", "Monthly statement project"),
    ("final", "Final statement project"),
    ("general", "Final general statement"),
    ("tacit_draft", "Draft general statement (tacit procedure)"),
    ("tacit_general", "Final general statement (tacit procedure)"),
]
# The kind of piece of each works billing frame.
FRAME_KINDS = {frame: kind for kind, frames in WORKS_PIECES.items() for frame in frames.values()}


class L10nFrChorusContract(models.Model):
    """A public contract (« marché public »): its number, buyer, service and commitment numbers, and for a works
    contract its project manager (MOE). Its invoices take these values by default."""

    _name = "l10n_fr_chorus.contract"
    _description = "Public Contract (Chorus Pro)"
    _inherit = ["mail.thread"]
    _order = "date_start desc, id desc"
    _rec_names_search = ["name", "title"]

    name = fields.Char(string="Contract Number", required=True, tracking=True,
                       help="The public contract's number (« numéro de marché »), sent on each invoice (BT-12).")
    title = fields.Char(help="What the contract is about (« objet du marché »).")
    active = fields.Boolean(default=True, help="Archive a contract that is over.")
    company_id = fields.Many2one("res.company", required=True, default=lambda s: s.env.company,
                                 help="The company holding the contract.")
    partner_id = fields.Many2one(
        "res.partner", string="Public Buyer", required=True, tracking=True, domain="[('is_company', '=', True)]",
        help="The public structure that awarded the contract (« pouvoir adjudicateur », the MOA of a works "
        "contract); its invoices go to it.")
    service_id = fields.Many2one(
        "l10n_fr_chorus.service", string="Chorus Pro Service", tracking=True,
        domain="[('partner_id', '=', partner_id), ('code', '!=', 'FACTURES_PUBLIQUES')]",
        help="The buyer's service that receives the invoices (« service exécutant »).")
    commitment_numbers = fields.Char(
        tracking=True,
        help="The contract's commitment numbers (« engagements juridiques »), separated by commas: new invoices "
        "take the first one; change it on an invoice that falls under another.")
    billing_frame = fields.Selection(
        BILLING_FRAMES, string="Default Billing Frame", default="A1_FACTURE_FOURNISSEUR",
        help="The billing frame new invoices of this contract take (A1 for an ordinary contract; works pieces "
        "take the frame of their kind).")
    date_start = fields.Date(string="Notification Date", help="When the contract was notified.")
    date_end = fields.Date(string="End Date", help="When the contract ends.")
    chorus_transfer = fields.Boolean(
        string="Transfer via Chorus Pro", default=True, tracking=True,
        help="Untick for a contract whose invoices do not go through Chorus Pro (stated in the contract's "
        "particulars): its invoices are never deposited.")
    is_works = fields.Boolean(
        string="Works Contract", tracking=True,
        help="A public works contract (CCAG Travaux): statement projects go to the project manager (MOE), then to "
        "the buyer.")
    moe_id = fields.Many2one(
        "res.partner", string="Project Manager (MOE)", tracking=True, domain="[('is_company', '=', True)]",
        help="The project manager (« maîtrise d'œuvre ») who validates each statement project; identified on Chorus "
        "Pro by its SIRET.")
    moe_service_code = fields.Char(
        string="MOE Service Code", help="The project manager's service on Chorus Pro, when it asks for one.")
    contractor_role = fields.Selection(
        CONTRACTOR_ROLES, string="Kind of Contractor", default="holder", required=True,
        help="Holder of the contract, co-contractor or subcontractor: sets the billing frames of the works pieces "
        "(A4, A13 or A10 for a monthly statement project…).")
    move_ids = fields.One2many("account.move", "l10n_fr_chorus_contract_id", string="Invoices",
                               help="The invoices and works pieces of this contract.")
    move_count = fields.Integer(string="Invoice Count", compute="_compute_amounts",
                                help="How many invoices this contract has.")
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_invoiced = fields.Monetary(
        string="Invoiced", compute="_compute_amounts",
        help="Confirmed invoices minus credit notes, taxes included.")
    amount_paid = fields.Monetary(string="Paid", compute="_compute_amounts",
                                  help="What the buyer has paid of those invoices (Odoo's payments).")
    chorus_to_handle_count = fields.Integer(
        string="To Handle on Chorus Pro", compute="_compute_amounts",
        help="Invoices waiting for you: an error, suspended, to recycle, refused.")
    chorus_in_progress_count = fields.Integer(string="In Progress on Chorus Pro", compute="_compute_amounts",
                                              help="Invoices on their way on Chorus Pro.")
    chorus_paid_count = fields.Integer(string="Payment Initiated on Chorus Pro", compute="_compute_amounts",
                                       help="Invoices whose payment the public accountant initiated.")

    _sql_constraints = [
        ("name_company_uniq", "unique(name, partner_id, company_id)",
         "A contract number is used once per public buyer."),
    ]

    @api.depends("move_ids.state", "move_ids.amount_total_signed", "move_ids.amount_residual_signed",
                 "move_ids.l10n_fr_chorus_summary")
    def _compute_amounts(self):
        for contract in self:
            posted = contract.move_ids.filtered(lambda m: m.state == "posted")
            contract.move_count = len(contract.move_ids)
            contract.amount_invoiced = sum(posted.mapped("amount_total_signed"))
            contract.amount_paid = sum(m.amount_total_signed - m.amount_residual_signed for m in posted)
            summaries = posted.mapped("l10n_fr_chorus_summary")
            contract.chorus_to_handle_count = summaries.count("to_handle")
            contract.chorus_in_progress_count = summaries.count("in_progress")
            contract.chorus_paid_count = summaries.count("paid")

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        if self.service_id.partner_id != self.partner_id:
            self.service_id = self.partner_id.l10n_fr_chorus_default_service_id

    @api.onchange("is_works")
    def _onchange_is_works(self):
        if not self.is_works and self.billing_frame in WORKS_BILLING_FRAMES:
            self.billing_frame = "A1_FACTURE_FOURNISSEUR"

    def _commitment(self):
        """The commitment number new invoices take: the first of the contract's."""
        self.ensure_one()
        return next((n.strip() for n in (self.commitment_numbers or "").split(",") if n.strip()), False)

    def _piece_frame(self, kind):
        """The billing frame of a works piece of ``kind`` for this contract's kind of contractor (or None)."""
        self.ensure_one()
        return WORKS_PIECES.get(kind, {}).get(self.contractor_role)

    def _previous_piece(self, frame):
        """The piece a new piece of ``frame`` follows: the latest of the expected frame, on Chorus Pro."""
        expected = WORKS_PREVIOUS_FRAMES.get(frame)
        if not expected:
            return self.env["account.move"]
        candidates = self.move_ids.filtered(
            lambda m: m.l10n_fr_chorus_billing_frame in expected and m.state == "posted"
            and m.l10n_fr_chorus_state != "rejected")
        return candidates.sorted(lambda m: (m.invoice_date or fields.Date.today(), m.id))[-1:]

    def action_new_works_piece(self):
        """« New monthly statement », « New final statement »…: a draft piece with the contract's values."""
        self.ensure_one()
        kind = self.env.context.get("l10n_fr_chorus_piece_kind", "monthly")
        frame = self._piece_frame(kind)
        if not self.is_works or not frame:
            roles = dict(self._fields["contractor_role"]._description_selection(self.env))
            raise UserError(_("%(contract)s: a %(kind)s is not a piece a %(role)s deposits on a works contract.",
                              contract=self.display_name, role=roles.get(self.contractor_role),
                              kind=self.env["account.move"]._l10n_fr_chorus_piece_label(kind)))
        previous = self._previous_piece(frame)
        if WORKS_PREVIOUS_FRAMES.get(frame) and not previous.l10n_fr_chorus_invoice_cpp:
            Move = self.env["account.move"]
            expected = " / ".join(Move._l10n_fr_chorus_piece_label(FRAME_KINDS[code])
                                  for code in sorted(WORKS_PREVIOUS_FRAMES[frame]))
            raise UserError(_("%(contract)s: a %(kind)s follows the contract's %(previous)s, on Chorus Pro: issue and "
                              "send it first.", contract=self.display_name, previous=expected,
                              kind=Move._l10n_fr_chorus_piece_label(kind)))
        move = self.env["account.move"].with_company(self.company_id).create({
            "move_type": "out_invoice",
            "partner_id": self.partner_id.id,
            "l10n_fr_chorus_contract_id": self.id,
            "l10n_fr_chorus_billing_frame": frame,
            "l10n_fr_chorus_previous_piece_id": previous.id,
        })
        return {"type": "ir.actions.act_window", "res_model": "account.move", "view_mode": "form",
                "res_id": move.id, "name": move.display_name}

    def action_view_invoices(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "account.move", "name": _("Invoices"),
                "view_mode": "list,form", "domain": [("l10n_fr_chorus_contract_id", "=", self.id)],
                "context": {"default_move_type": "out_invoice", "default_partner_id": self.partner_id.id,
                            "default_l10n_fr_chorus_contract_id": self.id}}
