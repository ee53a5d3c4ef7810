"""« Tester la connexion » and the set-up checklist: the five steps a company goes through, marked from what the
last connection test learnt, and the test's result replaced on every run."""

from datetime import date

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..chorus_client import ChorusAccessDenied, ChorusAuthError, ChorusBusinessError, ChorusError
from .res_company import API_NAMES

# What the last test found: which step failed (or « ok »).
SETUP_RESULTS = [
    ("ok", "Connection established"),
    ("credentials", "Credentials missing in Odoo"),
    ("piste", "PISTE application refused"),
    ("api", "API not subscribed"),
    ("account", "Technical account refused"),
    ("siret", "Company not found on Chorus Pro"),
    ("unreachable", "Chorus Pro cannot be reached"),
]
STEP_STATES = [("done", "Done"), ("failed", "To fix"), ("todo", "Not checked yet")]
STEPS = ("piste", "registered", "account", "api_connection", "odoo")
# Per result of the last test, the steps known to be done and the ones that failed (the others are not known:
# the test stopped before them). The sandbox and Chorus Pro check, in order: the PISTE token, the subscription to
# the API called, the technical account (with its API connection), then the company's structure by its SIRET.
STEPS_BY_RESULT = {
    "ok": (STEPS, ()),
    "credentials": ((), ("odoo",)),
    "piste": (("odoo",), ("piste",)),
    "api": (("odoo",), ("piste",)),
    "account": (("odoo",), ("account", "api_connection")),
    "siret": (("odoo", "piste", "account", "api_connection"), ("registered",)),
    "unreachable": (("odoo",), ()),
}


def _step_field(label, help_text):
    return fields.Selection(STEP_STATES, string=label, compute="_compute_l10n_fr_chorus_steps",
                            groups="base.group_system", help=help_text)


class ResCompany(models.Model):
    _inherit = "res.company"

    l10n_fr_chorus_setup_result = fields.Selection(
        SETUP_RESULTS, string="Last Connection Test", copy=False, groups="base.group_system",
        help="What the last « Test the connection » found: the connection works, or which step fails.")
    l10n_fr_chorus_setup_message = fields.Text(
        string="Last Connection Test Message", copy=False, groups="base.group_system",
        help="The message of the last « Test the connection »: what to fix, and where.")
    l10n_fr_chorus_setup_date = fields.Datetime(
        string="Last Connection Test Date", copy=False, groups="base.group_system",
        help="When the connection was last tested.")
    l10n_fr_chorus_step_piste = _step_field(
        "PISTE Application",
        "An application on piste.gouv.fr subscribed to the Chorus Pro APIs Structures, Factures, FacturesTravaux, "
        "Transverses, EngagementJuridique and Utilisateurs.")
    l10n_fr_chorus_step_registered = _step_field(
        "Company on Chorus Pro",
        "The company is registered on the Chorus Pro portal with its SIRET.")
    l10n_fr_chorus_step_account = _step_field(
        "Technical Account",
        "A technical account (TECH_1_…@cpro.fr) created on the Chorus Pro portal for the company.")
    l10n_fr_chorus_step_api_connection = _step_field(
        "API Connection",
        "The PISTE application declared as an API connection of the technical account, on the Chorus Pro portal.")
    l10n_fr_chorus_step_odoo = _step_field(
        "Credentials in Odoo",
        "The PISTE Client ID and Secret and the technical account's login and password, filled in below.")

    def _compute_l10n_fr_chorus_steps(self):
        for company in self:
            sudo = company.sudo()
            result = sudo.l10n_fr_chorus_setup_result
            if result:
                done, failed = STEPS_BY_RESULT[result]
            else:  # never tested: only what Odoo itself knows
                filled = all(sudo[fname] for fname in ("l10n_fr_chorus_client_id", "l10n_fr_chorus_client_secret",
                                                       "l10n_fr_chorus_login", "l10n_fr_chorus_password"))
                done, failed = (("odoo",) if filled else ()), ()
            for step in STEPS:
                company[f"l10n_fr_chorus_step_{step}"] = (
                    "done" if step in done else "failed" if step in failed else "todo")

    # ------------------------------------------------------------------------------------------
    # The test
    # ------------------------------------------------------------------------------------------
    def _l10n_fr_chorus_failure(self, error):
        """The step a Chorus Pro error points at."""
        if isinstance(error, ChorusAuthError):
            return "piste" if error.credential == "piste" else "account"
        if isinstance(error, ChorusAccessDenied):
            return "api"
        if isinstance(error, ChorusError):
            return "unreachable"
        return "siret"  # the connection test's own refusal: no SIRET, or a SIRET Chorus Pro does not know

    def _l10n_fr_chorus_probe_apis(self, client):
        """Call each API Odoo uses once, harmlessly: the APIs the application lacks (403), by their names."""
        probes = {
            "transverses": client.health_check,
            "structures": lambda: client.search_structures("0"),
            "factures": lambda: client.search_supplier_invoices_page(page=1, page_size=1, date_from=date.today()),
            "facturesTravaux": lambda: next(iter(client.search_works_invoices(date_from=date.today(), page_size=1)),
                                            None),
            "engagementsJuridiques": lambda: client.search_commitments(0, "0"),
        }
        missing = []
        for api, probe in probes.items():
            try:
                probe()
            except ChorusAccessDenied:
                missing.append(API_NAMES.get(api, api))
            except ChorusBusinessError:
                continue  # the API answered: the application is subscribed to it
        return missing

    def _l10n_fr_chorus_setup_check(self):
        """Run the connection test: ``(result, message)``, result being a key of SETUP_RESULTS."""
        self.ensure_one()
        try:
            client = self._l10n_fr_chorus_client()
        except UserError as error:
            return "credentials", error.args[0]
        try:
            missing = self._l10n_fr_chorus_probe_apis(client)
            if missing:
                return "api", _(
                    "The PISTE application of %(company)s is not subscribed to the Chorus Pro APIs %(apis)s: "
                    "subscribe to them on piste.gouv.fr (the application's « APIs » tab), then test again.",
                    company=self.name, apis=", ".join(f"« {name} »" for name in missing))
            name = self._l10n_fr_chorus_check_connection()
        except ChorusError as error:
            return self._l10n_fr_chorus_failure(error), self._l10n_fr_chorus_error_message(error)
        except UserError as error:
            # the connection test maps Chorus Pro's errors to messages, the error stays its context
            return self._l10n_fr_chorus_failure(error.__context__), error.args[0]
        return "ok", name

    def action_l10n_fr_chorus_test_connection(self):
        """« Test the connection »: the result replaces the previous one (never a stale « ✔ »), and the checklist
        shows which step fails."""
        self.ensure_one()
        if not self.env.user.has_group("base.group_system"):
            raise UserError(_("Only system administrators can test the Chorus Pro connection."))
        result, message = self._l10n_fr_chorus_setup_check()
        self.sudo().write({
            "l10n_fr_chorus_setup_result": result,
            "l10n_fr_chorus_setup_message": False if result == "ok" else message,
            "l10n_fr_chorus_setup_date": fields.Datetime.now(),
        })
        settings = self.env["ir.actions.act_window"]._for_xml_id("account.action_account_config")
        if result == "ok":
            params = {
                "type": "success",
                "title": _("Connection with Chorus Pro established"),
                "message": _("Chorus Pro knows this company as « %(name)s ».", name=message),
                "sticky": False,
            }
        else:
            params = {
                "type": "danger",
                "title": _("The Chorus Pro connection does not work"),
                "message": message,
                "sticky": True,
            }
        params["next"] = settings
        return {"type": "ir.actions.client", "tag": "display_notification", "params": params}
