import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .. import credentials
from ..chorus_client import (
    ENVIRONMENTS,
    ChorusAccessDenied,
    ChorusAuthError,
    ChorusBusinessError,
    ChorusClient,
    ChorusError,
    ChorusInvalidAnswer,
    ChorusTransientError,
    paris_today,
)

_logger = logging.getLogger(__name__)

SECRET_FIELDS = ("l10n_fr_chorus_client_secret", "l10n_fr_chorus_password")
# Where the credentials go and what they are: system administrators only (read, write and create).
PROTECTED_FIELDS = (
    "l10n_fr_chorus_environment",
    "l10n_fr_chorus_sandbox_url",
    "l10n_fr_chorus_client_id",
    "l10n_fr_chorus_client_secret",
    "l10n_fr_chorus_login",
    "l10n_fr_chorus_password",
)
# Human names of the APIs, for the « not subscribed » message.
API_NAMES = {
    "factures": "Factures",
    "structures": "Structures",
    "transverses": "Transverses",
    "utilisateurs": "Utilisateurs",
    "engagementsJuridiques": "EngagementJuridique",
    "facturesTravaux": "FacturesTravaux",
}
EXPIRY_WARNING_DAYS = 30


class ResCompany(models.Model):
    _inherit = "res.company"

    l10n_fr_chorus_environment = fields.Selection(
        selection=[
            ("qualification", "Qualification"),
            ("production", "Production"),
            ("sandbox", "Local sandbox"),
        ],
        string="Chorus Pro Environment",
        default="qualification",
        required=True,
        groups="base.group_system",
        help="Qualification is AIFE's test platform (fictitious SIRETs); Production sends real invoices to public "
        "buyers; Local sandbox is the Chorus Pro simulator shipped with this module, for demos and tests.",
    )
    l10n_fr_chorus_sandbox_url = fields.Char(
        string="Sandbox URL",
        default="http://127.0.0.1:8900",
        groups="base.group_system",
        help="Address of the local Chorus Pro sandbox (only used with the Local sandbox environment). It must be on "
        "this server (127.0.0.1, ::1 or localhost) unless the Odoo configuration file allows other hosts in "
        "l10n_fr_chorus_sandbox_hosts.",
    )
    l10n_fr_chorus_client_id = fields.Char(
        string="PISTE Client ID",
        groups="base.group_system",
        copy=False,
        help="Client ID of the application registered on the PISTE gateway (piste.gouv.fr).",
    )
    l10n_fr_chorus_client_secret = fields.Char(
        string="PISTE Client Secret",
        compute="_compute_l10n_fr_chorus_secrets",
        inverse="_inverse_l10n_fr_chorus_client_secret",
        groups="base.group_system",
        copy=False,
        help="Client secret of the PISTE application. Readable by system administrators only; stored encrypted.",
    )
    l10n_fr_chorus_client_secret_crypt = fields.Char(
        string="PISTE Client Secret (encrypted)",
        groups="base.group_system",
        copy=False,
        readonly=True,
        help="The client secret encrypted with the key of the Odoo server (never the key itself).",
    )
    l10n_fr_chorus_login = fields.Char(
        string="Technical Account Login",
        groups="base.group_system",
        copy=False,
        help="Login of the Chorus Pro technical account, e.g. TECH_1_...@cpro.fr.",
    )
    l10n_fr_chorus_password = fields.Char(
        string="Technical Account Password",
        compute="_compute_l10n_fr_chorus_secrets",
        inverse="_inverse_l10n_fr_chorus_password",
        groups="base.group_system",
        copy=False,
        help="Password of the Chorus Pro technical account. Readable by system administrators only; stored "
        "encrypted.",
    )
    l10n_fr_chorus_password_crypt = fields.Char(
        string="Technical Account Password (encrypted)",
        groups="base.group_system",
        copy=False,
        readonly=True,
        help="The technical password encrypted with the key of the Odoo server (never the key itself).",
    )
    l10n_fr_chorus_start_date = fields.Date(
        string="Chorus Pro Transfer Start Date",
        help="Invoices dated on or after this date are transferred to Chorus Pro by the scheduled send.",
    )
    l10n_fr_chorus_format = fields.Selection(
        selection=[
            ("facturx", "Factur-X (PDF)"),
            ("ubl", "UBL 2.1"),
            ("cii", "CII D16B"),
        ],
        string="Chorus Pro Invoice Format",
        default="facturx",
        required=True,
        help="Electronic invoice format deposited on Chorus Pro.",
    )
    l10n_fr_chorus_secret_expiry = fields.Date(
        string="PISTE Secret Expiry",
        copy=False,
        help="Date the PISTE client secret expires (PISTE advises renewing it every 3 months). "
        "Administrators are warned 30 days before.",
    )
    l10n_fr_chorus_password_expiry = fields.Date(
        string="Technical Password Expiry",
        copy=False,
        help="Date the technical account's password expires, read from Chorus Pro when the connection is tested. "
        "Administrators are warned 30 days before.",
    )
    l10n_fr_chorus_structure_cpp = fields.Integer(
        string="Chorus Pro Structure ID",
        copy=False,
        help="Identifier (idStructureCPP) of the company's own structure on Chorus Pro.",
    )
    l10n_fr_chorus_structure_name = fields.Char(
        string="Chorus Pro Structure Name",
        copy=False,
        help="Name of the company as Chorus Pro knows it, read when the connection is tested.",
    )

    l10n_fr_chorus_group_size = fields.Integer(
        string="Invoices per Deposit",
        default=1,
        help="The scheduled send deposits this many invoices together in one flow (a .tar.gz); 1 sends each "
        "invoice on its own.",
    )
    l10n_fr_chorus_followup_user_id = fields.Many2one(
        "res.users",
        string="Chorus Pro Follow-up User",
        help="Who is asked to act when Chorus Pro suspends, returns or rejects an invoice that has no salesperson.",
    )
    l10n_fr_chorus_last_sync = fields.Datetime(
        string="Last Chorus Pro Sync",
        copy=False,
        help="When the statuses of this company's invoices were last read from Chorus Pro.",
    )

    # ------------------------------------------------------------------------------------------
    # Credentials: administrators only, encrypted at rest, sent only to an allowed address
    # ------------------------------------------------------------------------------------------
    @api.depends("l10n_fr_chorus_client_secret_crypt", "l10n_fr_chorus_password_crypt")
    def _compute_l10n_fr_chorus_secrets(self):
        for company in self:
            for fname in SECRET_FIELDS:
                try:
                    company[fname] = credentials.decrypt(company[fname + "_crypt"])
                except credentials.SecretUnreadable:
                    _logger.warning("Chorus Pro: %s of company %s: not readable with this key", fname, company.id)
                    company[fname] = False

    def _inverse_l10n_fr_chorus_client_secret(self):
        for company in self:
            company.l10n_fr_chorus_client_secret_crypt = credentials.encrypt(company.l10n_fr_chorus_client_secret)

    def _inverse_l10n_fr_chorus_password(self):
        for company in self:
            company.l10n_fr_chorus_password_crypt = credentials.encrypt(company.l10n_fr_chorus_password)

    @api.model_create_multi
    def create(self, vals_list):
        # Odoo checks the fields' groups on read and write, not on create: a new company is no way around them.
        protected = {fname for vals in vals_list for fname in vals if fname in PROTECTED_FIELDS}
        if protected and not self.env.su:
            self.check_field_access_rights("create", sorted(protected))
        return super().create(vals_list)

    def _l10n_fr_chorus_sandbox_url_error(self):
        self.ensure_one()
        company = self.sudo()
        url = company.l10n_fr_chorus_sandbox_url
        if company.l10n_fr_chorus_environment != "sandbox" or credentials.is_allowed_sandbox_url(url):
            return None
        return _(
            "Sandbox URL: « %(url)s » is refused for %(company)s. The local sandbox must run on this server "
            "(%(hosts)s): the credentials are sent to it. Other hosts can only be allowed by the administrator of "
            "the server, in the option l10n_fr_chorus_sandbox_hosts of the Odoo configuration file.",
            url=url or "",
            company=self.name,
            hosts=", ".join(credentials.allowed_sandbox_hosts()),
        )

    @api.constrains("l10n_fr_chorus_environment", "l10n_fr_chorus_sandbox_url")
    def _check_l10n_fr_chorus_sandbox_url(self):
        for company in self:
            error = company._l10n_fr_chorus_sandbox_url_error()
            if error:
                raise ValidationError(error)

    def _l10n_fr_chorus_is_production(self):
        """Whether this company sends to the production Chorus Pro (readable by everyone, unlike the field)."""
        self.ensure_one()
        return self.sudo().l10n_fr_chorus_environment == "production"

    # ------------------------------------------------------------------------------------------
    # Client
    # ------------------------------------------------------------------------------------------
    def _l10n_fr_chorus_urls(self):
        self.ensure_one()
        company = self.sudo()
        if company.l10n_fr_chorus_environment == "sandbox":
            # Checked again here: the configuration file may have changed since the URL was saved.
            error = company._l10n_fr_chorus_sandbox_url_error()
            if error:
                raise UserError(error)
            base = company.l10n_fr_chorus_sandbox_url.strip().rstrip("/")
            return base + "/api/oauth/token", base
        env = ENVIRONMENTS[company.l10n_fr_chorus_environment]
        return env["token_url"], env["api_url"]

    def _l10n_fr_chorus_client(self, timeout=None, retries=3):
        """The Chorus Pro client of this company; raises UserError naming what is missing.

        ``timeout`` (seconds, else the system parameter) and ``retries`` (of reads) for a caller that cannot wait.
        """
        self.ensure_one()
        company = self.sudo()
        labels = {
            "l10n_fr_chorus_client_id": _("PISTE Client ID"),
            "l10n_fr_chorus_client_secret": _("PISTE Client Secret"),
            "l10n_fr_chorus_login": _("Technical Account Login"),
            "l10n_fr_chorus_password": _("Technical Account Password"),
        }
        missing = [label for fname, label in labels.items() if not company[fname]]
        unreadable = [labels[fname] for fname in SECRET_FIELDS
                      if not company[fname] and company[fname + "_crypt"]]
        if unreadable:
            raise UserError(
                _(
                    "The %(fields)s of the company %(company)s cannot be decrypted with the key of this Odoo "
                    "server (the database comes from another server, or the key changed): enter them again in "
                    "Settings › Invoicing › Chorus Pro.",
                    company=self.name,
                    fields=", ".join(unreadable),
                )
            )
        if missing:
            raise UserError(
                _(
                    "Chorus Pro is not configured for the company %(company)s: fill in %(fields)s "
                    "in Settings › Invoicing › Chorus Pro.",
                    company=self.name,
                    fields=", ".join(missing),
                )
            )
        token_url, api_url = company._l10n_fr_chorus_urls()
        params = self.env["ir.config_parameter"].sudo()
        return ChorusClient(
            token_url,
            api_url,
            company.l10n_fr_chorus_client_id,
            company.l10n_fr_chorus_client_secret,
            company.l10n_fr_chorus_login,
            company.l10n_fr_chorus_password,
            timeout=timeout or float(params.get_param("l10n_fr_chorus_pro.timeout", 30)),
            retries=retries,
            backoff=float(params.get_param("l10n_fr_chorus_pro.retry_backoff", 0.5)),
        )

    def _l10n_fr_chorus_error_message(self, error):
        """The one place where Chorus Pro errors become messages for people."""
        if isinstance(error, ChorusAuthError):
            if error.credential == "piste":
                return _(
                    "PISTE refused the application: check the PISTE Client ID and Client Secret of %(company)s "
                    "(and that the secret has not expired).",
                    company=self.name,
                )
            return _(
                "Chorus Pro refused the technical account: check the Technical Account Login and Password of "
                "%(company)s (the password expires every 424 days), and that the PISTE application is declared "
                "as an API connection of this account on Chorus Pro.",
                company=self.name,
            )
        if isinstance(error, ChorusAccessDenied):
            return _(
                "The PISTE application of %(company)s is not subscribed to the Chorus Pro API « %(api)s »: "
                "subscribe to it on piste.gouv.fr.",
                company=self.name,
                api=API_NAMES.get(error.api, error.api or "?"),
            )
        if isinstance(error, ChorusBusinessError):
            return _("Chorus Pro refused the request: %(label)s (code %(code)s).", label=error.label, code=error.code)
        if isinstance(error, ChorusTransientError):
            return _(
                "Chorus Pro cannot be reached right now (%(reason)s). Nothing was lost: try again later.",
                reason=error.message,
            )
        if isinstance(error, ChorusInvalidAnswer):
            return _("Chorus Pro gave an unexpected answer (%(reason)s). Try again later.", reason=error.message)
        return _("Chorus Pro error: %(reason)s", reason=getattr(error, "message", str(error)))

    # ------------------------------------------------------------------------------------------
    # Connection test
    # ------------------------------------------------------------------------------------------
    def _l10n_fr_chorus_check_connection(self):
        """Token + technical account + the company's structure. Returns the structure name; raises UserError."""
        self.ensure_one()
        if not self.siret:
            raise UserError(_("Fill in the SIRET of the company %(company)s first.", company=self.name))
        client = self._l10n_fr_chorus_client()
        try:
            client.health_check()
            structure = client.find_structure(self.siret)
            if not structure:
                raise UserError(
                    _(
                        "The connection works, but Chorus Pro does not know the SIRET %(siret)s of %(company)s: "
                        "register the company on Chorus Pro, or fix its SIRET.",
                        siret=self.siret,
                        company=self.name,
                    )
                )
        except ChorusError as error:
            raise UserError(self._l10n_fr_chorus_error_message(error)) from None
        self.sudo().write(
            {
                "l10n_fr_chorus_structure_cpp": structure.cpp_id,
                "l10n_fr_chorus_structure_name": structure.name,
                "l10n_fr_chorus_password_expiry": structure.password_expiry or False,
            }
        )
        return self.l10n_fr_chorus_structure_name

    # ------------------------------------------------------------------------------------------
    # Expiry warnings
    # ------------------------------------------------------------------------------------------
    @api.model
    def _cron_l10n_fr_chorus_expiry_warning(self):
        limit = paris_today() + timedelta(days=EXPIRY_WARNING_DAYS)  # Chorus Pro's and PISTE's days
        admins = self.env.ref("base.group_system").users.filtered(lambda u: not u.share and u.active)
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        for company in self.search(["|", ("l10n_fr_chorus_password_expiry", "!=", False),
                                    ("l10n_fr_chorus_secret_expiry", "!=", False)]):
            items = [
                (company.l10n_fr_chorus_password_expiry, _("the Chorus Pro technical account password")),
                (company.l10n_fr_chorus_secret_expiry, _("the PISTE client secret")),
            ]
            for expiry, what in items:
                if not expiry or expiry > limit:
                    continue
                summary = _("Chorus Pro: %(what)s of %(company)s expires on %(date)s", what=what,
                            company=company.name, date=expiry)
                partner = company.partner_id
                for admin in admins.filtered(lambda u, c=company: c in u.company_ids):
                    already = self.env["mail.activity"].search_count([
                        ("res_model", "=", "res.partner"), ("res_id", "=", partner.id),
                        ("user_id", "=", admin.id), ("summary", "=", summary),
                    ])
                    if not already:
                        partner.activity_schedule(
                            activity_type_id=activity_type.id,
                            summary=summary,
                            note=_("Renew it before it expires, then enter the new value in Settings › Invoicing › "
                                   "Chorus Pro, or invoices can no longer be sent."),
                            user_id=admin.id,
                            date_deadline=min(expiry, limit),
                        )
