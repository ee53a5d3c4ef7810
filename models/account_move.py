import logging
from datetime import datetime, timedelta, timezone
from itertools import islice

import psycopg2
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..chorus_client import (
    BILLING_FRAMES,
    FINAL_STATUSES,
    INVOICE_STATUSES,
    ChorusBusinessError,
    ChorusError,
    ChorusInvalidAnswer,
    ChorusTransientError,
)
from .l10n_fr_chorus_document import PDF_BATCH_SIZE

_logger = logging.getLogger(__name__)

TRANSFER_GROUP = "l10n_fr_chorus_pro.group_l10n_fr_chorus_transfer"
# Fields whose change may fix what made a send fail: the next scheduled send tries again.
FIXING_FIELDS = {
    "partner_id", "buyer_reference", "purchase_order_reference", "contract_reference", "partner_bank_id",
    "l10n_fr_chorus_service_id", "l10n_fr_chorus_attachment_ids", "l10n_fr_chorus_billing_frame",
    "invoice_line_ids", "currency_id",
}
ALLOWED_EXTENSIONS = {
    "bmp", "gif", "fax", "odt", "ppt", "tiff", "xls", "bz2", "gz", "jpeg", "p7s", "rtf", "txt", "xml", "csv",
    "gzip", "jpg", "pdf", "svg", "xhtml", "xlsx", "doc", "htm", "odp", "png", "tgz", "xlc", "zip", "docx",
    "html", "ods", "pps", "tif", "xlm", "ppsx", "pptx",
}
MAX_ATTACHMENT_SIZE = 10 * 1024 * 1024
MAX_ATTACHMENT_NAME = 50
MAX_COMMITMENT_LENGTH = 50
# Statuses that ask the supplier to act, with what to do.
TO_HANDLE_STATUSES = {"SUSPENDUE", "A_RECYCLER", "REJETEE", "A_COMPLETER", "NON_CONFORME"}
# For a buyer that never reports payment, these are the last statuses Chorus Pro will show.
PAYMENT_HIDDEN_FINAL_STATUSES = {"MISE_A_DISPOSITION_COMPTABLE", "COMPTABILISEE"}
SYNC_BATCH = 100
SYNC_LOCK_KEY = 74551  # pg advisory lock namespace of the status sync (with the company id)


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
    l10n_fr_chorus_attempt_date = fields.Datetime(
        string="Deposit Without Answer On", readonly=True, copy=False,
        help="When a deposit got no answer; the invoice is searched for on Chorus Pro an hour later.",
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
            ("paid", "Paid"),
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
            ("paid", "Paid"),
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
    @api.depends("partner_id", "move_type", "company_id")
    def _compute_l10n_fr_chorus_transfer(self):
        for move in self:
            if move.l10n_fr_chorus_flow_id:
                continue  # what was sent stays sent
            partner = move.partner_id.commercial_partner_id.with_company(move.company_id)
            move.l10n_fr_chorus_transfer = move.is_sale_document() and partner.l10n_fr_chorus_client

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

    def write(self, vals):
        if FIXING_FIELDS.intersection(vals) and not self.env.context.get("l10n_fr_chorus_sync"):
            stale = self.filtered(lambda m: m.l10n_fr_chorus_error and not m.l10n_fr_chorus_unknown_outcome)
            res = super().write(vals)
            stale.write({"l10n_fr_chorus_error": False, "l10n_fr_chorus_error_retryable": False})
            return res
        return super().write(vals)

    # ------------------------------------------------------------------------------------------
    # Checks before any deposit
    # ------------------------------------------------------------------------------------------
    def _l10n_fr_chorus_can_resend(self):
        """Deposited once already: only a rejection (of the flow or of the invoice) allows a new deposit."""
        self.ensure_one()
        if not self.l10n_fr_chorus_flow_id:
            return True
        return self.l10n_fr_chorus_state == "rejected" and self.l10n_fr_chorus_status not in ("MISE_EN_PAIEMENT",)

    def _l10n_fr_chorus_check(self):
        """Everything Chorus Pro would refuse later, as messages naming this invoice and what to fix."""
        self.ensure_one()
        prefix = _("%(invoice)s: ", invoice=self.name or _("draft invoice"))
        errors = []

        def add(message):
            errors.append(prefix + message)

        if not self.is_sale_document():
            add(_("only customer invoices and credit notes can be sent to Chorus Pro."))
            return errors
        if self.state != "posted":
            add(_("confirm the invoice before sending it to Chorus Pro."))
        if self.l10n_fr_chorus_unknown_outcome:
            until = self._l10n_fr_chorus_wait_until()
            if until:
                errors.append(self._l10n_fr_chorus_wait_message(until))
        elif not self._l10n_fr_chorus_can_resend():
            add(_("already sent to Chorus Pro (flow %(flow)s); it can only be sent again after a rejection.",
                  flow=self.l10n_fr_chorus_flow_id.name))
        company = self.company_id
        if not company.siret:
            add(_("the company %(company)s has no SIRET: fill it in the company's settings.", company=company.name))
        for message in self._l10n_fr_chorus_check_buyer(self.commercial_partner_id.with_company(company)):
            add(message)
        if self.currency_id.name != "EUR":
            add(_("Chorus Pro only takes invoices in euros (this one is in %(currency)s).",
                  currency=self.currency_id.name))
        if self.move_type == "out_invoice":
            bank = self.partner_bank_id
            if not bank:
                add(_("choose the bank account (Recipient Bank) the buyer must pay to: Chorus Pro needs the "
                      "payment means."))
            elif bank.acc_type != "iban":
                add(_("the bank account %(account)s is not an IBAN: Chorus Pro needs an IBAN for a transfer.",
                      account=bank.acc_number))
        for attachment in self.l10n_fr_chorus_attachment_ids:
            for message in self._l10n_fr_chorus_check_attachment(attachment):
                add(message)
        return errors

    def _l10n_fr_chorus_check_buyer(self, buyer):
        siret_error = buyer._l10n_fr_chorus_siret_error()
        if siret_error:
            return [siret_error]
        state = buyer.l10n_fr_chorus_structure_state
        if state == "inactive":
            return [_("the client %(partner)s is inactive on Chorus Pro and cannot receive invoices.",
                      partner=buyer.display_name)]
        if state == "unknown":
            return [_("Chorus Pro does not know the SIRET %(siret)s of the client %(partner)s.",
                      siret=buyer.siret, partner=buyer.display_name)]
        if state != "active":
            return [_("press « Check on Chorus Pro » on the client %(partner)s first.", partner=buyer.display_name)]
        return self._l10n_fr_chorus_check_buyer_rules(buyer)

    def _l10n_fr_chorus_check_buyer_rules(self, buyer):
        errors = []
        code = (self.buyer_reference or "").strip()
        commitment = (self.purchase_order_reference or "").strip()
        services = buyer.with_context(active_test=False).l10n_fr_chorus_service_ids
        service = services.filtered(lambda s: s.code == code)[:1]
        if code == "FACTURES_PUBLIQUES":
            errors.append(_("the service code FACTURES_PUBLIQUES is reserved to invoices between public bodies: "
                            "choose the buyer's service."))
        elif code and not service:
            errors.append(_("the service code %(code)s is unknown to Chorus Pro for %(partner)s: choose one of its "
                            "services (press « Check on Chorus Pro » on the client to refresh them).",
                            code=code, partner=buyer.display_name))
        elif service and not service.active:
            errors.append(_("the service %(service)s of %(partner)s is inactive on Chorus Pro: choose another "
                            "service.", service=service.display_name, partner=buyer.display_name))
        if buyer.l10n_fr_chorus_service_required and not code:
            errors.append(_("%(partner)s requires a service code: fill in the Chorus Pro service.",
                            partner=buyer.display_name))
        if (buyer.l10n_fr_chorus_commitment_required or service.commitment_required) and not commitment:
            errors.append(_("%(partner)s requires a commitment number (« engagement juridique »): fill in the "
                            "purchase order reference.", partner=buyer.display_name))
        if buyer.l10n_fr_chorus_service_or_commitment and not code and not commitment:
            errors.append(_("%(partner)s requires a service code or a commitment number: fill in one of them.",
                            partner=buyer.display_name))
        if len(commitment) > MAX_COMMITMENT_LENGTH:
            errors.append(_("the commitment number has %(length)s characters; Chorus Pro takes %(max)s at most.",
                            length=len(commitment), max=MAX_COMMITMENT_LENGTH))
        return errors

    def _l10n_fr_chorus_check_attachment(self, attachment):
        errors = []
        extension = (attachment.name or "").rsplit(".", 1)[-1].lower() if "." in (attachment.name or "") else ""
        if extension not in ALLOWED_EXTENSIONS:
            errors.append(_("the supporting document %(name)s has a file type Chorus Pro refuses; allowed: "
                            "%(allowed)s.", name=attachment.name, allowed=", ".join(sorted(ALLOWED_EXTENSIONS))))
        if len(attachment.name or "") > MAX_ATTACHMENT_NAME:
            errors.append(_("the name of the supporting document %(name)s is longer than %(max)s characters: "
                            "rename it.", name=attachment.name, max=MAX_ATTACHMENT_NAME))
        if attachment.file_size > MAX_ATTACHMENT_SIZE:
            errors.append(_("the supporting document %(name)s is larger than 10 MB.", name=attachment.name))
        return errors

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

    def _l10n_fr_chorus_lock(self):
        """Row lock for the time of the deposit; False when another worker holds it or has just handled it."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute("SELECT id FROM account_move WHERE id = %s FOR UPDATE SKIP LOCKED", [self.id],
                                    log_exceptions=False)
                return bool(self.env.cr.fetchone())
        except psycopg2.errors.SerializationFailure:
            return False  # changed by another worker since this run began: that worker handled it

    def _l10n_fr_chorus_write(self, vals):
        """Write what Chorus Pro said: not a user's change, so no error reset and no journal-line sync."""
        return self.with_context(
            l10n_fr_chorus_sync=True, skip_invoice_sync=True, skip_is_manually_modified=True,
        ).write(vals)

    def _l10n_fr_chorus_set_error(self, message, retryable=False, unknown_outcome=False):
        vals = {
            "l10n_fr_chorus_error": message,
            "l10n_fr_chorus_error_retryable": retryable,
            "l10n_fr_chorus_unknown_outcome": unknown_outcome,
        }
        if unknown_outcome and not self.l10n_fr_chorus_unknown_outcome:
            vals["l10n_fr_chorus_attempt_date"] = fields.Datetime.now()
        self._l10n_fr_chorus_write(vals)

    def _l10n_fr_chorus_wait_until(self):
        """After a deposit without answer, Chorus Pro is given time to integrate it before it is searched for:
        only an integrated invoice can be found. Returns when a new attempt may be made, or False (now)."""
        self.ensure_one()
        if not self.l10n_fr_chorus_unknown_outcome or not self.l10n_fr_chorus_attempt_date:
            return False
        minutes = float(self.env["ir.config_parameter"].sudo().get_param(
            "l10n_fr_chorus_pro.unknown_outcome_delay", 60))
        until = self.l10n_fr_chorus_attempt_date + timedelta(minutes=minutes)
        return until if until > fields.Datetime.now() else False

    def _l10n_fr_chorus_wait_message(self, until):
        return _(
            "%(invoice)s: the last deposit got no answer; Chorus Pro is given until %(until)s (UTC) to show it "
            "before it is searched for and, if absent, sent again.",
            invoice=self.name, until=fields.Datetime.to_string(until),
        )

    def _l10n_fr_chorus_send(self, commit=False, group_size=1):
        """Deposit the invoices of ``self``: returns ``{move: (sent, message)}``.

        Each invoice travels alone, or with up to ``group_size`` invoices of its company in one ``.tar.gz`` flow.
        A failure is written on its invoice and never stops, raises out of, or rolls back the others.
        ``commit`` commits after each deposit (scheduled send, and the interactive send outside tests); an
        invoice stays locked from its checks to the commit that records its deposit.
        """
        self._l10n_fr_chorus_check_transfer_right()
        results = {}
        clients = {}
        pending = {}  # company -> invoices checked, locked, waiting for their deposit
        pdfs = {}  # invoice id -> its Factur-X invoice PDF rendered ahead, in batches (see _prefetch_invoice_pdfs)
        moves = self.sudo().with_context(l10n_fr_chorus_pdfs=pdfs)
        Document = moves.env["l10n_fr_chorus.document"]

        def flush(company):
            group = pending.pop(company, None)
            if group:
                results.update(self._l10n_fr_chorus_guarded(group, lambda: group._l10n_fr_chorus_deposit(
                    clients[company])))
                for done in group:
                    pdfs.pop(done.id, None)
                if commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit

        for index, move in enumerate(moves):
            if commit:
                move = move.with_prefetch()  # after each commit, re-read one invoice, not the whole batch
            if move.id not in pdfs:
                Document._prefetch_invoice_pdfs(moves[index:index + PDF_BATCH_SIZE], pdfs)
            outcome = self._l10n_fr_chorus_guarded(move, lambda m=move: m._l10n_fr_chorus_prepare(clients))
            if outcome[move] is None:
                pending[move.company_id] = pending.get(move.company_id, move.browse()) | move
                if len(pending[move.company_id]) >= max(group_size, 1):
                    flush(move.company_id)
            else:
                pdfs.pop(move.id, None)
                results.update(outcome)
                if commit and not pending:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        for company in list(pending):
            flush(company)
        return results

    def _l10n_fr_chorus_guarded(self, moves, func):
        """Run ``func`` in a savepoint; an unexpected error becomes an error on ``moves``, never an exception."""
        try:
            with self.env.cr.savepoint():
                return func()
        except Exception as exc:  # one broken invoice must not stop the batch
            _logger.exception("Chorus Pro: sending invoices %s failed", moves.ids)
            outcome = {}
            for move in moves:
                message = _("%(invoice)s: unexpected error (%(error)s); nothing was sent.", invoice=move.name,
                            error=exc)
                move._l10n_fr_chorus_set_error(message, retryable=False)
                outcome[move] = (False, message)
            return outcome

    def _l10n_fr_chorus_prepare(self, clients):
        """Lock and check one invoice: ``{move: None}`` when it is ready to deposit, else its outcome."""
        self.ensure_one()
        if not self._l10n_fr_chorus_lock():
            return {self: (False, _("%(invoice)s is being sent by another process.", invoice=self.name))}
        self.invalidate_recordset()
        until = self._l10n_fr_chorus_wait_until()
        if until:  # not an error: the scheduled send comes back later
            return {self: (False, self._l10n_fr_chorus_wait_message(until))}
        errors = self._l10n_fr_chorus_check()
        if errors:
            message = "\n".join(errors)
            self._l10n_fr_chorus_set_error(message, unknown_outcome=self.l10n_fr_chorus_unknown_outcome)
            return {self: (False, message)}
        company = self.company_id
        try:
            if company not in clients:
                clients[company] = company._l10n_fr_chorus_client()
        except UserError as exc:
            self._l10n_fr_chorus_set_error(exc.args[0], retryable=True)
            return {self: (False, exc.args[0])}
        if self.l10n_fr_chorus_unknown_outcome:
            try:
                if self._l10n_fr_chorus_link_existing(clients[company]):
                    return {self: (True, _("%(invoice)s was already on Chorus Pro: linked to it, not sent again.",
                                           invoice=self.name))}
            except ChorusError as exc:
                message = _("%(invoice)s: ", invoice=self.name) + company._l10n_fr_chorus_error_message(exc)
                self._l10n_fr_chorus_set_error(message, retryable=True, unknown_outcome=True)
                return {self: (False, message)}
        return {self: None}

    def _l10n_fr_chorus_build(self):
        """The document of these checked invoices; those whose document fails get the error and are dropped."""
        Document = self.env["l10n_fr_chorus.document"]
        outcome = {}
        try:
            with self.env.cr.savepoint():
                return (Document._build(self) if len(self) == 1 else Document._build_group(self)), self, outcome
        except UserError as exc:
            if len(self) == 1:
                self._l10n_fr_chorus_set_error(exc.args[0], unknown_outcome=self.l10n_fr_chorus_unknown_outcome)
                return None, self.browse(), {self: (False, exc.args[0])}
        good = self.browse()
        for move in self:  # find which invoice of the group cannot be made
            document, kept, failed = move._l10n_fr_chorus_build()
            good |= kept
            outcome.update(failed)
        if not good:
            return None, good, outcome
        document, good, failed = good._l10n_fr_chorus_build()
        outcome.update(failed)
        return document, good, outcome

    def _l10n_fr_chorus_deposit(self, client):
        """One deposit for these checked, locked invoices of one company."""
        document, moves, outcome = self._l10n_fr_chorus_build()
        if not moves:
            return outcome
        company = moves.company_id
        try:
            answer = client.deposit_flow(document["content"], document["filename"], document["syntax"])
        except ChorusError as exc:
            for move in moves:
                if exc.deposit_unknown:
                    message = _(
                        "%(invoice)s: no answer from Chorus Pro after the deposit (%(reason)s). Chorus Pro will be "
                        "searched for this invoice before it is ever sent again.",
                        invoice=move.name, reason=exc.message,
                    )
                else:
                    message = _("%(invoice)s: ", invoice=move.name) + company._l10n_fr_chorus_error_message(exc)
                move._l10n_fr_chorus_set_error(message, retryable=exc.retryable, unknown_outcome=exc.deposit_unknown)
                outcome[move] = (False, message)
            return outcome
        flow = moves[:1]._l10n_fr_chorus_record_deposit(answer, document, moves=moves)
        for move in moves:
            outcome[move] = (True, _("%(invoice)s: sent to Chorus Pro in flow %(flow)s.", invoice=move.name,
                                     flow=flow.name))
        return outcome

    def _l10n_fr_chorus_record_deposit(self, answer, document, moves=None):
        moves = moves or self
        company = moves.company_id
        Flow = self.env["l10n_fr_chorus.flow"].with_context(
            mail_create_nolog=True, mail_create_nosubscribe=True, mail_notrack=True)
        flow = Flow.create({
            "name": answer["numeroFluxDepot"],
            "company_id": company.id,
            "deposit_date": fields.Datetime.now(),
            "syntax": document["syntax"],
            "state": "IN_RECU",
            "move_ids": [(6, 0, moves.ids)],
        })
        flow.attachment_id = self.env["ir.attachment"].create({
            "name": document["filename"],
            "raw": document["content"],
            "res_model": Flow._name,
            "res_id": flow.id,
        })
        moves._l10n_fr_chorus_write({
            "l10n_fr_chorus_flow_id": flow.id,
            "l10n_fr_chorus_flow_ids": [(4, flow.id)],
            "l10n_fr_chorus_invoice_cpp": False,
            "l10n_fr_chorus_status": False,
            "l10n_fr_chorus_status_date": False,
            "l10n_fr_chorus_status_comment": False,
            "l10n_fr_chorus_error": False,
            "l10n_fr_chorus_error_retryable": False,
            "l10n_fr_chorus_unknown_outcome": False,
            "l10n_fr_chorus_rejection": False,
        })
        for move in moves:
            move._message_log(body=_("Sent to Chorus Pro in flow %(flow)s (%(file)s).", flow=flow.name,
                                     file=document["filename"]))
        return flow

    def _l10n_fr_chorus_link_existing(self, client):
        """After a deposit without answer: is the invoice on Chorus Pro already? Link it and say True."""
        self.ensure_one()
        found = [inv for inv in client.search_supplier_invoices(numero_facture=self.name)
                 if inv.get("numeroFacture") == self.name]
        if not found:
            return False
        invoice = found[-1]
        Flow = self.env["l10n_fr_chorus.flow"]
        flow = Flow.search([("name", "=", invoice.get("numeroFluxDepot")), ("company_id", "=", self.company_id.id)])
        if not flow and invoice.get("numeroFluxDepot"):
            flow = Flow.create({"name": invoice["numeroFluxDepot"], "company_id": self.company_id.id,
                                "move_ids": [(6, 0, self.ids)], "state": "IN_INTEGRE"})
        self._l10n_fr_chorus_write({
            "l10n_fr_chorus_flow_id": flow.id,
            "l10n_fr_chorus_flow_ids": [(4, flow.id)] if flow else [],
            "l10n_fr_chorus_invoice_cpp": str(invoice["identifiantFactureCPP"]),
            "l10n_fr_chorus_error": False,
            "l10n_fr_chorus_error_retryable": False,
            "l10n_fr_chorus_unknown_outcome": False,
        })
        self._l10n_fr_chorus_apply_status(invoice.get("statut"), invoice.get("dateHeureEtatCourant"),
                                          invoice.get("commentaireEtatCourant"))
        self.message_post(body=_("Found on Chorus Pro after a deposit without answer: linked to invoice %(id)s, "
                                 "not sent again.", id=invoice["identifiantFactureCPP"]))
        return True

    def _l10n_fr_chorus_apply_status(self, status, date=None, comment=None):
        """Record a status read from Chorus Pro: history, chatter (tracking), follow-up activities.

        Returns True when the current status changed. An older status only completes the history.
        """
        self.ensure_one()
        if not status or status not in dict(INVOICE_STATUSES):
            return False
        moment = self._l10n_fr_chorus_parse_datetime(date) or fields.Datetime.now()
        History = self.env["l10n_fr_chorus.status.history"].sudo()
        if not History.search_count([("move_id", "=", self.id), ("status", "=", status), ("date", "=", moment)]):
            History.create({"move_id": self.id, "status": status, "date": moment, "comment": comment or False,
                            "flow_id": self.l10n_fr_chorus_flow_id.id})
        current = self.l10n_fr_chorus_status_date
        if self.l10n_fr_chorus_status and current and moment < current:
            return False
        if status == self.l10n_fr_chorus_status and (comment or False) == (self.l10n_fr_chorus_status_comment or False):
            return False
        changed = status != self.l10n_fr_chorus_status
        self._l10n_fr_chorus_write({
            "l10n_fr_chorus_status": status,
            "l10n_fr_chorus_status_date": moment,
            "l10n_fr_chorus_status_comment": comment or False,
        })
        if comment:
            self.message_post(body=_("Chorus Pro comment (%(status)s): %(comment)s",
                                     status=self._l10n_fr_chorus_status_label(status), comment=comment))
        if changed:
            self._l10n_fr_chorus_follow_up(status, comment)
        return changed

    def _l10n_fr_chorus_status_label(self, status):
        """The status as the user reads it (translated)."""
        return dict(self._fields["l10n_fr_chorus_status"]._description_selection(self.env)).get(status, status)

    @api.model
    def _l10n_fr_chorus_parse_datetime(self, value):
        """Chorus Pro dates (``2026-11-29T10:15:00.000+01:00`` or ``2026-11-29``) as naive UTC datetimes."""
        if not value:
            return False
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
        if moment.tzinfo:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        return moment.replace(microsecond=0)

    @api.model
    def _l10n_fr_chorus_is_final_status(self, status):
        if status in FINAL_STATUSES:
            return True
        return bool(status in PAYMENT_HIDDEN_FINAL_STATUSES
                    and self.commercial_partner_id.l10n_fr_chorus_payment_hidden)

    # ------------------------------------------------------------------------------------------
    # Follow-up activities
    # ------------------------------------------------------------------------------------------
    def _l10n_fr_chorus_follow_up_user(self):
        return self.invoice_user_id or self.company_id.l10n_fr_chorus_followup_user_id or self.env.user

    def _l10n_fr_chorus_follow_up(self, status, comment=None):
        """An activity when the buyer needs something; close it when the invoice moves on."""
        notes = {
            "SUSPENDUE": _("The buyer suspended the invoice: a document is missing. Add it on Chorus Pro "
                           "(« compléter ») so that processing resumes."),
            "A_RECYCLER": _("The buyer asks to recycle the invoice: fix the recipient, the service or the "
                            "commitment number on Chorus Pro (« recycler »), keeping the invoice number."),
            "REJETEE": _("The buyer rejected the invoice: issue a credit note, then a new invoice."),
        }
        activity_type = self.env.ref("l10n_fr_chorus_pro.mail_activity_type_chorus")
        label = self._l10n_fr_chorus_status_label(status)
        open_activities = self.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        if open_activities:
            open_activities.action_feedback(feedback=_("Chorus Pro status is now %(status)s.", status=label))
        if status in notes:
            note = notes[status] + (Markup("<br/>") + _("Comment: %(comment)s", comment=comment) if comment else "")
            self.activity_schedule(
                activity_type_id=activity_type.id,
                summary=_("Chorus Pro: %(status)s", status=label),
                note=note,
                user_id=self._l10n_fr_chorus_follow_up_user().id,
            )

    def _l10n_fr_chorus_reject(self, reason):
        """Chorus Pro refused the deposited invoice (flow rejected, or this invoice in a partial flow)."""
        self.ensure_one()
        if self.l10n_fr_chorus_rejection == reason:
            return
        self._l10n_fr_chorus_write({"l10n_fr_chorus_rejection": reason})
        activity_type = self.env.ref("l10n_fr_chorus_pro.mail_activity_type_chorus")
        self.activity_schedule(
            activity_type_id=activity_type.id,
            summary=_("Chorus Pro refused the invoice"),
            note=_("%(reason)s Fix the invoice, then send it again.", reason=reason),
            user_id=self._l10n_fr_chorus_follow_up_user().id,
        )

    # ------------------------------------------------------------------------------------------
    # Status synchronisation
    # ------------------------------------------------------------------------------------------
    def action_l10n_fr_chorus_refresh_status(self):
        """« Mettre à jour le statut »: flow reports, then the full dated history of each invoice."""
        moves = self.filtered(lambda m: m.l10n_fr_chorus_flow_id)
        for company in moves.company_id:
            company_moves = moves.filtered(lambda m, c=company: m.company_id == c).sudo()
            client = company._l10n_fr_chorus_client()
            try:
                for flow in company_moves.l10n_fr_chorus_flow_id.filtered(lambda f: not f.is_final):
                    flow._l10n_fr_chorus_update(client)
                for move in company_moves:
                    move._l10n_fr_chorus_refresh_one(client)
            except ChorusError as exc:
                raise UserError(company._l10n_fr_chorus_error_message(exc)) from None
        return True

    def _l10n_fr_chorus_refresh_one(self, client):
        self.ensure_one()
        flow = self.l10n_fr_chorus_flow_id
        if not self.l10n_fr_chorus_invoice_cpp and flow.state in ("IN_INTEGRE", "IN_INTEGRE_PARTIEL"):
            for item in client.search_supplier_invoices(numero_flux_depot=flow.name):
                if item.get("numeroFacture") == self.name:
                    self._l10n_fr_chorus_write({"l10n_fr_chorus_invoice_cpp": str(item["identifiantFactureCPP"])})
        if not self.l10n_fr_chorus_invoice_cpp:
            return
        history = client.get_invoice_history(int(self.l10n_fr_chorus_invoice_cpp))
        entries = sorted(history["historiquesDesStatuts"]["histoStatut"],
                         key=lambda e: (e.get("histoStatutDatePassage") or "", e.get("histoStatutId") or 0))
        for entry in entries:
            self._l10n_fr_chorus_apply_status(entry.get("histoStatutCode"), entry.get("histoStatutDatePassage"),
                                              entry.get("histoStatutCommentaire"))

    @api.model
    def _cron_l10n_fr_chorus_sync(self):
        """Scheduled follow-up, company by company; one bad answer never stops the run."""
        commit = self.env["account.move.send"]._can_commit()
        followed = self.sudo()._read_group(
            [("l10n_fr_chorus_flow_id", "!=", False), ("l10n_fr_chorus_is_final", "=", False)], ["company_id"])
        for (company,) in followed:
            self.env.cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [SYNC_LOCK_KEY, company.id])
            if not self.env.cr.fetchone()[0]:
                _logger.info("Chorus Pro sync of company %s already running elsewhere", company.id)
                continue
            try:
                self.with_company(company)._l10n_fr_chorus_sync_company(company, commit)
            except (ChorusError, UserError) as exc:
                _logger.warning("Chorus Pro sync of company %s stopped: %s", company.id, exc)
                if commit:
                    self.env.cr.rollback()
            finally:
                self.env.cr.execute("SELECT pg_advisory_unlock(%s, %s)", [SYNC_LOCK_KEY, company.id])

    @api.model
    def _l10n_fr_chorus_sync_company(self, company, commit=False):
        started = fields.Datetime.now()
        client = company._l10n_fr_chorus_client()
        Flow = self.env["l10n_fr_chorus.flow"]
        for flow in Flow.search([("company_id", "=", company.id), ("is_final", "=", False)]):
            try:
                with self.env.cr.savepoint():
                    flow._l10n_fr_chorus_update(client)
            except (ChorusTransientError, ChorusInvalidAnswer, ChorusBusinessError) as exc:
                _logger.warning("Chorus Pro report of flow %s failed: %s", flow.name, exc.message)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        since = self._l10n_fr_chorus_sync_since(company, started)
        if since:
            items = client.search_supplier_invoices(date_from=since, date_to=started + timedelta(minutes=1))
            complete = True
            while batch := list(islice(items, SYNC_BATCH)):
                try:
                    with self.env.cr.savepoint():
                        self._l10n_fr_chorus_apply_search_batch(company, batch)
                except Exception:  # a broken page must not lose the others
                    _logger.exception("Chorus Pro: a page of statuses could not be applied")
                    complete = False
                if commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
            if not complete:
                return  # the same period is searched again next time: no status is lost
        company.sudo().l10n_fr_chorus_last_sync = started
        if commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _l10n_fr_chorus_sync_since(self, company, started):
        """Start of the status-change period to search, or None when nothing is followed any more."""
        base = [("company_id", "=", company.id), ("l10n_fr_chorus_flow_id", "!=", False),
                ("l10n_fr_chorus_rejection", "=", False)]
        unlinked = self.search([*base, ("l10n_fr_chorus_invoice_cpp", "=", False),
                                ("l10n_fr_chorus_flow_id.state", "in", ("IN_INTEGRE", "IN_INTEGRE_PARTIEL"))])
        followed = self.search_count([*base, ("l10n_fr_chorus_invoice_cpp", "!=", False),
                                      ("l10n_fr_chorus_is_final", "=", False)], limit=1)
        if not unlinked and not followed:
            return None
        dates = [d for d in [company.l10n_fr_chorus_last_sync, *unlinked.l10n_fr_chorus_flow_id.mapped("deposit_date")]
                 if d]
        return (min(dates) if dates else started - timedelta(days=365)) - timedelta(minutes=10)

    @api.model
    def _l10n_fr_chorus_apply_search_batch(self, company, batch):
        ids = [str(item["identifiantFactureCPP"]) for item in batch if item.get("identifiantFactureCPP")]
        linked = {m.l10n_fr_chorus_invoice_cpp: m for m in self.search([
            ("company_id", "=", company.id), ("l10n_fr_chorus_invoice_cpp", "in", ids)])}
        missing = [item for item in batch if str(item.get("identifiantFactureCPP")) not in linked]
        unlinked = {}
        if missing:
            for move in self.search([
                ("company_id", "=", company.id), ("l10n_fr_chorus_invoice_cpp", "=", False),
                ("l10n_fr_chorus_rejection", "=", False),
                ("l10n_fr_chorus_flow_id.name", "in", list({i.get("numeroFluxDepot") for i in missing})),
                ("name", "in", [i.get("numeroFacture") for i in missing]),
            ]):
                unlinked[(move.l10n_fr_chorus_flow_id.name, move.name)] = move
        for item in batch:
            move = linked.get(str(item.get("identifiantFactureCPP")))
            if move is None:
                move = unlinked.get((item.get("numeroFluxDepot"), item.get("numeroFacture")))
                if move is None:
                    continue
                move._l10n_fr_chorus_write({"l10n_fr_chorus_invoice_cpp": str(item["identifiantFactureCPP"])})
            if move.l10n_fr_chorus_is_final:
                continue
            move._l10n_fr_chorus_apply_status(item.get("statut"), item.get("dateHeureEtatCourant"),
                                              item.get("commentaireEtatCourant"))

    # ------------------------------------------------------------------------------------------
    # Scheduled send
    # ------------------------------------------------------------------------------------------
    @api.model
    def _l10n_fr_chorus_send_domain(self, company):
        return [
            ("company_id", "=", company.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
            ("l10n_fr_chorus_transfer", "=", True),
            ("invoice_date", ">=", company.l10n_fr_chorus_start_date),
            "|",
            ("l10n_fr_chorus_state", "=", "to_send"),
            "&",
            ("l10n_fr_chorus_state", "in", ("error", "sending")),
            ("l10n_fr_chorus_error_retryable", "=", True),
        ]

    @api.model
    def _cron_l10n_fr_chorus_send(self, limit=1000):
        """Send what is due, company by company; commit after each invoice (outside tests)."""
        commit = self.env["account.move.send"]._can_commit()
        sent = self.browse()
        for company in self.env["res.company"].search([("l10n_fr_chorus_start_date", "!=", False)]):
            moves = self.with_company(company).search(self._l10n_fr_chorus_send_domain(company),
                                                      order="invoice_date, id", limit=limit)
            if not moves:
                continue
            results = moves._l10n_fr_chorus_send(commit=commit, group_size=company.l10n_fr_chorus_group_size)
            sent |= self.browse([m.id for m, (ok, _msg) in results.items() if ok])
        if sent:
            sync = self.env.ref("l10n_fr_chorus_pro.ir_cron_l10n_fr_chorus_sync", raise_if_not_found=False)
            if sync:
                sync._trigger(at=fields.Datetime.now() + timedelta(minutes=5))
        return sent
