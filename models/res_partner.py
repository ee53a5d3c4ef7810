import logging

import phonenumbers
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.fr import siret as stdnum_siret

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError as OdooValidationError

from ..chorus_client import ChorusError

_logger = logging.getLogger(__name__)


class ResPartner(models.Model):
    _inherit = "res.partner"

    invoice_sending_method = fields.Selection(selection_add=[("chorus_pro", "Chorus Pro")])
    l10n_fr_chorus_client = fields.Boolean(
        string="Client Chorus Pro",
        compute="_compute_l10n_fr_chorus_client",
        inverse="_inverse_l10n_fr_chorus_client",
        search="_search_l10n_fr_chorus_client",
        help="Public buyer invoiced through Chorus Pro: its invoices are transferred to Chorus Pro by default. "
        "Same as choosing « Chorus Pro » as the invoice sending method. Requires a valid SIRET.",
    )
    l10n_fr_chorus_structure_cpp = fields.Integer(
        string="Chorus Pro Structure ID",
        copy=False,
        tracking=True,
        help="idStructureCPP of this public buyer on Chorus Pro, found from its SIRET.",
    )
    l10n_fr_chorus_structure_name = fields.Char(
        string="Chorus Pro Name",
        copy=False,
        help="Official name of the structure on Chorus Pro.",
    )
    l10n_fr_chorus_structure_state = fields.Selection(
        selection=[
            ("active", "Active"),
            ("inactive", "Inactive"),
            ("unknown", "Unknown to Chorus Pro"),
        ],
        string="Chorus Pro Status",
        copy=False,
        tracking=True,
        help="Whether Chorus Pro knows this SIRET and accepts invoices for it, as of the last check.",
    )
    l10n_fr_chorus_service_required = fields.Boolean(
        string="Service Code Required",
        copy=False,
        help="Chorus Pro requires a service code (« service exécutant ») on invoices to this buyer.",
    )
    l10n_fr_chorus_commitment_required = fields.Boolean(
        string="Commitment Number Required",
        copy=False,
        help="Chorus Pro requires a commitment number (« numéro d'engagement ») on invoices to this buyer.",
    )
    l10n_fr_chorus_service_or_commitment = fields.Boolean(
        string="Service Code or Commitment Number",
        copy=False,
        help="Chorus Pro requires at least one of the service code and the commitment number.",
    )
    l10n_fr_chorus_payment_hidden = fields.Boolean(
        string="Payment Status Not Reported",
        copy=False,
        help="This buyer does not report the payment on Chorus Pro: its invoices stop being followed once they "
        "reach the public accountant.",
    )
    l10n_fr_chorus_phone = fields.Char(
        string="Chorus Pro Phone",
        copy=False,
        help="Phone number of the structure as published on Chorus Pro (international format).",
    )
    l10n_fr_chorus_last_check = fields.Datetime(
        string="Last Chorus Pro Check",
        copy=False,
        help="When the structure was last read from Chorus Pro.",
    )
    l10n_fr_chorus_check_message = fields.Char(
        string="Chorus Pro Check Result",
        copy=False,
        help="What the last check on Chorus Pro found wrong, if anything.",
    )
    l10n_fr_chorus_service_ids = fields.One2many(
        "l10n_fr_chorus.service",
        "partner_id",
        string="Chorus Pro Services",
        context={"active_test": False},
        help="Services of this public buyer on Chorus Pro.",
    )
    l10n_fr_chorus_default_service_id = fields.Many2one(
        "l10n_fr_chorus.service",
        string="Default Chorus Pro Service",
        domain="[('partner_id', '=', commercial_partner_id), ('code', '!=', 'FACTURES_PUBLIQUES')]",
        help="Service (« service exécutant ») proposed on invoices addressed to this contact.",
    )

    # ------------------------------------------------------------------------------------------
    # The flag is the sending method
    # ------------------------------------------------------------------------------------------
    @api.depends_context("company")
    @api.depends("invoice_sending_method")
    def _compute_l10n_fr_chorus_client(self):
        for partner in self:
            partner.l10n_fr_chorus_client = partner.invoice_sending_method == "chorus_pro"

    def _inverse_l10n_fr_chorus_client(self):
        for partner in self:
            if partner.l10n_fr_chorus_client:
                partner.invoice_sending_method = "chorus_pro"
            elif partner.invoice_sending_method == "chorus_pro":
                partner.invoice_sending_method = "email"

    def _search_l10n_fr_chorus_client(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on « Client Chorus Pro »."))
        positive = (operator == "=") == value
        return [("invoice_sending_method", "=" if positive else "!=", "chorus_pro")]

    # ------------------------------------------------------------------------------------------
    # SIRET
    # ------------------------------------------------------------------------------------------
    @api.model
    def _l10n_fr_chorus_normalize_siret(self, vals):
        if vals.get("siret"):
            vals["siret"] = stdnum_siret.compact(vals["siret"])
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._l10n_fr_chorus_normalize_siret(dict(vals)) for vals in vals_list])

    def write(self, vals):
        return super().write(self._l10n_fr_chorus_normalize_siret(dict(vals)))

    def _l10n_fr_chorus_siret_error(self):
        """Why this partner's SIRET cannot be used on Chorus Pro, or None.

        The checksum is only enforced in production: Chorus Pro's qualification data sets use SIRETs that are not
        Luhn-valid.
        """
        self.ensure_one()
        number = self.siret or ""
        if not number:
            return _("%(partner)s has no SIRET: fill in its SIRET field (14 digits).", partner=self.display_name)
        try:
            stdnum_siret.validate(number)
        except InvalidChecksum:
            company = self.company_id or self.env.company
            if company._l10n_fr_chorus_is_production():
                return _(
                    "The SIRET « %(siret)s » of %(partner)s is not valid (wrong check digit): fix its SIRET field.",
                    siret=number,
                    partner=self.display_name,
                )
        except ValidationError:
            return _(
                "The SIRET « %(siret)s » of %(partner)s is not valid: a SIRET is made of 14 digits. "
                "Fix its SIRET field.",
                siret=number,
                partner=self.display_name,
            )
        return None

    @api.constrains("siret", "invoice_sending_method")
    def _check_l10n_fr_chorus_siret(self):
        for partner in self.filtered("l10n_fr_chorus_client"):
            error = partner._l10n_fr_chorus_siret_error()
            if error:
                raise OdooValidationError(error)

    # ------------------------------------------------------------------------------------------
    # Check on Chorus Pro
    # ------------------------------------------------------------------------------------------
    @api.model
    def _l10n_fr_chorus_format_phone(self, structure):
        number = structure.phone
        if not number:
            return False
        prefix = structure.phone_prefix
        raw = f"{prefix}{number}" if prefix.startswith("+") else number
        try:
            parsed = phonenumbers.parse(raw, "FR")
        except phonenumbers.NumberParseException:
            return number
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)

    def _l10n_fr_chorus_refresh(self, client):
        """Read this buyer's structure and services from Chorus Pro; raise ChorusError on a technical failure."""
        self.ensure_one()
        now = fields.Datetime.now()
        structure = client.find_structure(self.siret)
        if not structure:
            self.write({
                "l10n_fr_chorus_structure_state": "unknown",
                "l10n_fr_chorus_last_check": now,
                "l10n_fr_chorus_check_message": _(
                    "Chorus Pro does not know the SIRET %(siret)s: check it with the buyer.", siret=self.siret),
            })
            return
        rules = structure.rules
        services = client.structure_services(structure.cpp_id) if structure.active else []
        self.write({
            "l10n_fr_chorus_structure_cpp": structure.cpp_id,
            "l10n_fr_chorus_structure_name": structure.name,
            "l10n_fr_chorus_structure_state": "active" if structure.active else "inactive",
            "l10n_fr_chorus_service_required": rules.service_required,
            "l10n_fr_chorus_commitment_required": rules.commitment_required,
            "l10n_fr_chorus_service_or_commitment": rules.service_or_commitment,
            "l10n_fr_chorus_payment_hidden": rules.payment_not_reported,
            "l10n_fr_chorus_phone": self._l10n_fr_chorus_format_phone(structure),
            "l10n_fr_chorus_last_check": now,
            "l10n_fr_chorus_check_message": False if structure.active else _(
                "This structure is inactive on Chorus Pro: it cannot receive invoices."),
        })
        self._l10n_fr_chorus_sync_services(client, structure.cpp_id, services)

    def _l10n_fr_chorus_sync_services(self, client, structure_cpp, services):
        Service = self.env["l10n_fr_chorus.service"].with_context(active_test=False)
        existing = {s.code: s for s in Service.search([("partner_id", "=", self.id)])}
        seen = set()
        for service in services:
            if not service.code or service.code in seen:
                continue
            seen.add(service.code)
            vals = {"name": service.name, "chorus_id": service.chorus_id, "active": service.active}
            if service.active and service.chorus_id:
                vals["commitment_required"] = client.service_requires_commitment(structure_cpp, service.chorus_id)
            if service.code in existing:
                existing[service.code].write(vals)
            else:
                Service.create({**vals, "partner_id": self.id, "code": service.code})
        # A service Chorus Pro no longer lists cannot receive invoices any more.
        for code, record in existing.items():
            if code not in seen and record.active:
                record.active = False

    def action_l10n_fr_chorus_check(self):
        """« Vérifier sur Chorus Pro »: read the buyer's rules and services."""
        for partner in self:
            commercial = partner.commercial_partner_id
            error = commercial._l10n_fr_chorus_siret_error()
            if error:
                raise UserError(error)
            company = commercial.company_id or self.env.company
            client = company._l10n_fr_chorus_client()
            try:
                commercial._l10n_fr_chorus_refresh(client)
            except ChorusError as exc:
                raise UserError(company._l10n_fr_chorus_error_message(exc)) from None
        return True

    @api.model
    def _cron_l10n_fr_chorus_refresh(self, batch_size=200):
        """Weekly: refresh every public buyer flagged in any company; one failure never stops the others."""
        for company in self.env["res.company"].sudo().search([("l10n_fr_chorus_client_id", "!=", False)]):
            partners = self.with_company(company).search(
                [("l10n_fr_chorus_client", "=", True), ("is_company", "=", True)],
                order="l10n_fr_chorus_last_check asc nulls first",
                limit=batch_size,
            )
            if not partners:
                continue
            try:
                client = company._l10n_fr_chorus_client()
            except UserError:
                continue
            for partner in partners:
                try:
                    with self.env.cr.savepoint():
                        partner._l10n_fr_chorus_refresh(client)
                except ChorusError as exc:
                    _logger.warning("Chorus Pro check of partner %s failed: %s", partner.id, exc.message)
                    partner.l10n_fr_chorus_check_message = company._l10n_fr_chorus_error_message(exc)
