from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

ALLOWED_EXTENSIONS = {
    "bmp", "gif", "fax", "odt", "ppt", "tiff", "xls", "bz2", "gz", "jpeg", "p7s", "rtf", "txt", "xml", "csv",
    "gzip", "jpg", "pdf", "svg", "xhtml", "xlsx", "doc", "htm", "odp", "png", "tgz", "xlc", "zip", "docx",
    "html", "ods", "pps", "tif", "xlm", "ppsx", "pptx",
}
MAX_ATTACHMENT_SIZE = 10 * 1024 * 1024
MAX_ATTACHMENT_NAME = 50
MAX_COMMITMENT_LENGTH = 50
MAX_NUMBER_LENGTH = 20  # Chorus Pro refuses a longer invoice number after the deposit


class L10nFrChorusInvoiceCheck(models.AbstractModel):
    """What Chorus Pro would refuse, checked before any deposit: each message names the invoice and what to fix."""

    _name = "l10n_fr_chorus.invoice.check"
    _description = "Chorus Pro Invoice Checks"

    # ------------------------------------------------------------------------------------------
    # Server-side rules (see account.move write/create)
    # ------------------------------------------------------------------------------------------
    @api.model
    def _facts_message(self):
        return _("What Chorus Pro said about an invoice (flow, Chorus Pro id, status, history, rejection, transfer "
                 "state) is recorded by the Chorus Pro module only: it cannot be changed by hand.")

    @api.model
    def _check_not_held(self, moves):
        for move in moves:
            if move._l10n_fr_chorus_held():
                raise UserError(_(
                    "%(invoice)s was deposited on Chorus Pro (flow %(flow)s): what was sent cannot be changed, reset "
                    "to draft or deleted while Chorus Pro holds it. If the buyer rejects it, it can be corrected; "
                    "otherwise issue a credit note.",
                    invoice=move.name, flow=move.l10n_fr_chorus_flow_id.display_name))

    @api.model
    def _check_sending_data(self, data):
        """Odoo's « send invoices automatically » runs as the superuser: only its author may ask for it."""
        author = data.get("author_user_id") if isinstance(data, dict) else None
        if author and author != self.env.uid:
            raise AccessError(_("An invoice can only be queued for sending on your own behalf."))

    # ------------------------------------------------------------------------------------------
    # Before a deposit
    # ------------------------------------------------------------------------------------------
    @api.model
    def _errors(self, move):
        """Everything Chorus Pro would refuse later, as messages naming this invoice and what to fix."""
        prefix = _("%(invoice)s: ", invoice=move.name or _("draft invoice"))
        errors = []

        def add(message):
            errors.append(prefix + message)

        if not move.is_sale_document():
            add(_("only customer invoices and credit notes can be sent to Chorus Pro."))
            return errors
        if not move.l10n_fr_chorus_transfer:
            buyer = move.commercial_partner_id.with_company(move.company_id)
            contract = move.l10n_fr_chorus_contract_id
            if contract and not contract.chorus_transfer:
                add(_("not concerned: the contract %(contract)s is invoiced outside Chorus Pro (« Transfer via Chorus "
                      "Pro » unticked on the contract).", contract=contract.display_name))
            elif not buyer.l10n_fr_chorus_client:
                add(_("not concerned: the client %(partner)s is not a « Client Chorus Pro ».",
                      partner=buyer.display_name))
            else:
                add(_("not concerned: « Transfer via Chorus Pro » is unticked on the invoice."))
            return errors
        if move.state != "posted":
            add(_("confirm the invoice before sending it to Chorus Pro."))
        for message in self._deposit_errors(move):
            add(message)
        company = move.company_id
        if not company.siret:
            add(_("the company %(company)s has no SIRET: fill it in the company's settings.", company=company.name))
        for message in self._buyer_errors(move, move.commercial_partner_id.with_company(company)):
            add(message)
        if move.currency_id.name != "EUR":
            add(_("Chorus Pro only takes invoices in euros (this one is in %(currency)s).",
                  currency=move.currency_id.name))
        for message in self._payment_errors(move):
            add(message)
        document_errors = self._number_errors(move)
        for attachment in move.l10n_fr_chorus_attachment_ids:
            document_errors += self._attachment_errors(attachment)
        for message in document_errors:
            add(message)
        for message in self.env["l10n_fr_chorus.works.check"]._errors(move):
            add(message)
        return errors

    @api.model
    def _deposit_errors(self, move):
        """What an earlier deposit of the invoice allows."""
        if move.l10n_fr_chorus_unknown_outcome:
            return []  # the send searches Chorus Pro for it before any new deposit
        if move.l10n_fr_chorus_status == "REJETEE":
            return [_("the buyer rejected it on Chorus Pro, which keeps its number and would refuse it again: press "
                      "« Replace the Rejected Invoice » (a credit note cancels it in the books, a new invoice is "
                      "prepared).")]
        if move._l10n_fr_chorus_can_replace():
            return [_("%(status)s: the works circuit stopped for this piece and Chorus Pro keeps its number: press "
                      "« Issue a New Piece » (a credit note cancels it in the books, a new piece is prepared).",
                      status=move._l10n_fr_chorus_status_label(move.l10n_fr_chorus_status))]
        if not move._l10n_fr_chorus_can_resend():
            return [_("already sent to Chorus Pro (flow %(flow)s); it can only be sent again after a rejection.",
                      flow=move.l10n_fr_chorus_flow_id.name)]
        return []

    @api.model
    def _payment_errors(self, move):
        if move.move_type != "out_invoice":
            return []
        bank = move.partner_bank_id
        if not bank:
            return [_("choose the bank account (Recipient Bank) the buyer must pay to: Chorus Pro needs the payment "
                      "means.")]
        if bank.acc_type != "iban":
            return [_("the bank account %(account)s is not an IBAN: Chorus Pro needs an IBAN for a transfer.",
                      account=bank.acc_number)]
        return []

    @api.model
    def _number_errors(self, move):
        if move.name and len(move.name) > MAX_NUMBER_LENGTH:
            return [_("the invoice number has %(length)s characters; Chorus Pro takes %(max)s at most: shorten the "
                      "journal's sequence prefix.", length=len(move.name), max=MAX_NUMBER_LENGTH)]
        return []

    @api.model
    def _buyer_errors(self, move, buyer):
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
        return self._buyer_rule_errors(move, buyer)

    @api.model
    def _buyer_rule_errors(self, move, buyer, code=None, commitment=None):
        """The buyer's routing rules, for the invoice's service code and commitment number, or for the ``code`` and
        ``commitment`` given instead (a correction before « recycler »)."""
        errors = []
        code = ((move.buyer_reference if code is None else code) or "").strip()
        commitment = ((move.purchase_order_reference if commitment is None else commitment) or "").strip()
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

    @api.model
    def _attachment_errors(self, attachment):
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
