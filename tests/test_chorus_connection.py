"""Company settings: « Tester la connexion », secrets, neutralization, expiry warnings."""

import logging
from datetime import timedelta

from odoo.exceptions import AccessError, UserError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import tagged

from ..chorus_client import paris_today
from .common import ChorusSandboxCase, sandbox_data


@tagged("post_install", "-at_install")
class TestConnection(ChorusSandboxCase):
    def test_good_credentials_show_the_green_message_and_the_structure(self):
        self.sandbox.state.set_credentials(password_expiry_days=200)
        action = self.company.action_l10n_fr_chorus_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(action["params"]["title"], "Connection with Chorus Pro established")
        self.assertIn(sandbox_data.SUPPLIER_NAME, action["params"]["message"])
        self.assertEqual(self.company.l10n_fr_chorus_structure_cpp, sandbox_data.SUPPLIER_ID)
        self.assertEqual(self.company.l10n_fr_chorus_structure_name, sandbox_data.SUPPLIER_NAME)
        self.assertEqual(self.company.l10n_fr_chorus_password_expiry,
                         paris_today() + timedelta(days=200))

    def test_the_message_is_in_french_for_french_users(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["l10n_fr_chorus_pro"], ["fr_FR"], overwrite=True)
        action = self.company.with_context(lang="fr_FR").action_l10n_fr_chorus_test_connection()
        self.assertEqual(action["params"]["title"], "Connexion avec Chorus Pro établie")

    def test_settings_button_tests_the_company_of_the_settings(self):
        """Two companies, the second one with a SIRET Chorus Pro does not know: the button of each company's
        settings tests that company, whichever company the user is in."""
        other = self.env["res.company"].create({
            "name": "Menuiserie Lefèvre", "country_id": self.env.ref("base.fr").id, "siret": "40483304800022",
        })
        self.connect_company(other)
        self.env.user.company_ids += other
        Settings = self.env["res.config.settings"]
        # In the connected company, the settings of the other one: the other one is tested, and fails.
        settings = Settings.with_company(self.company).create({"company_id": other.id})
        self.assertEqual(settings.company_id, other)
        action = settings.action_l10n_fr_chorus_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("does not know the SIRET 40483304800022 of Menuiserie Lefèvre", action["params"]["message"])
        self.assertFalse(self.company.l10n_fr_chorus_structure_cpp, "the user's company was not tested")
        # In the other company, the settings of the connected one: the connected one is tested, and succeeds.
        settings = Settings.with_company(other).create({"company_id": self.company.id})
        action = settings.action_l10n_fr_chorus_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn(sandbox_data.SUPPLIER_NAME, action["params"]["message"])
        self.assertEqual(self.company.l10n_fr_chorus_structure_cpp, sandbox_data.SUPPLIER_ID)
        self.assertFalse(other.l10n_fr_chorus_structure_cpp)

    def assertConnectionFails(self, *fragments):
        """A failed test is not an error that would roll its result back: a red notification, kept on screen."""
        action = self.company.action_l10n_fr_chorus_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertTrue(action["params"]["sticky"])
        message = action["params"]["message"]
        for fragment in fragments:
            self.assertIn(fragment, message)
        self.assertEqual(self.company.l10n_fr_chorus_setup_message, message)
        return message

    def test_bad_client_secret_names_the_piste_application(self):
        self.company.l10n_fr_chorus_client_secret = "wrong-secret"
        message = self.assertConnectionFails("PISTE", "Client Secret")
        self.assertNotIn("technical account", message)

    def test_bad_client_id_names_the_piste_application(self):
        self.company.l10n_fr_chorus_client_id = "unknown-app"
        self.assertConnectionFails("PISTE", "Client ID")

    def test_bad_password_names_the_technical_account(self):
        self.company.l10n_fr_chorus_password = "wrong-password"
        message = self.assertConnectionFails("technical account", "Password")
        self.assertNotIn("PISTE refused", message)

    def test_unsubscribed_api_is_named(self):
        self.sandbox.state.set_subscriptions(["factures", "transverses"])
        self.assertConnectionFails("not subscribed", "« Structures »")

    def test_unknown_company_siret(self):
        self.company.siret = "40483304800022"
        self.assertConnectionFails("does not know the SIRET 40483304800022")

    def test_sandbox_down(self):
        self.company.l10n_fr_chorus_sandbox_url = "http://127.0.0.1:9"
        self.assertConnectionFails("cannot be reached")

    def test_missing_credentials_are_named(self):
        self.company.write({"l10n_fr_chorus_login": False, "l10n_fr_chorus_password": False})
        self.assertConnectionFails("Technical Account Login", "Technical Account Password")

    def test_secrets_never_reach_the_logs(self):
        secret, password = "S3cr3t-Value-42", "P4ssw0rd-Value-42"
        self.sandbox.state.set_credentials(client_secret=secret, password=password)
        self.company.write({"l10n_fr_chorus_client_secret": secret, "l10n_fr_chorus_password": "nope-" + password})
        root = logging.getLogger()
        output = []
        for attempt in ("refused", "accepted"):
            self.env.flush_all()  # Odoo's own SQL log of the settings' write is not ours to judge
            with self.assertLogs(root, level="DEBUG") as logs:
                old_level = root.level
                root.setLevel(logging.DEBUG)
                try:
                    if attempt == "refused":
                        action = self.company.action_l10n_fr_chorus_test_connection()
                        output.append(action["params"]["message"])
                    else:
                        self.company.action_l10n_fr_chorus_test_connection()
                finally:
                    root.setLevel(old_level)
            output.extend(logs.output)
            self.company.l10n_fr_chorus_password = password
        everything = "\n".join(output)
        self.assertIn("structures/rechercher", everything, "the client's calls were logged")
        for value in (secret, password):
            self.assertNotIn(value, everything)


@tagged("post_install", "-at_install")
class TestSecrets(ChorusSandboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = cls.make_user(
            "chorus_accountant", "account.group_account_manager,base.group_partner_manager,base.group_allow_export")
        cls.admin = cls.make_user("chorus_admin", "base.group_system,account.group_account_manager")

    def test_non_admin_cannot_read_secrets_through_rpc(self):
        company = self.company.with_user(self.accountant)
        for fname in ("l10n_fr_chorus_client_secret", "l10n_fr_chorus_password", "l10n_fr_chorus_login"):
            with self.assertRaises(AccessError):
                company.read([fname])
            with self.assertRaises(AccessError):
                company.search_read([("id", "=", self.company.id)], [fname])
            with self.assertRaises(AccessError):
                company.export_data([fname])
            with self.assertRaises(AccessError):
                company.write({fname: "x"})
        # what they need is readable
        self.assertEqual(company.read(["l10n_fr_chorus_format"])[0]["l10n_fr_chorus_format"], "facturx")

    def test_admin_reads_and_writes_secrets(self):
        company = self.company.with_user(self.admin)
        self.assertEqual(company.read(["l10n_fr_chorus_password"])[0]["l10n_fr_chorus_password"],
                         sandbox_data.TECHNICAL_PASSWORD)
        company.write({"l10n_fr_chorus_password": "new"})
        self.assertEqual(self.company.l10n_fr_chorus_password, "new")

    def test_non_admin_cannot_test_the_connection(self):
        with self.assertRaises(UserError):
            self.company.with_user(self.accountant).action_l10n_fr_chorus_test_connection()

    def test_secrets_are_not_copied_with_the_company(self):
        copied = self.company.copy_data()[0]
        for fname in ("l10n_fr_chorus_client_id", "l10n_fr_chorus_client_secret", "l10n_fr_chorus_login",
                      "l10n_fr_chorus_password"):
            self.assertNotIn(fname, copied)
        self.assertEqual(copied["l10n_fr_chorus_format"], "facturx", "settings that are not secret are copied")

    def test_neutralized_database_has_no_credentials_and_no_production(self):
        self.company.l10n_fr_chorus_environment = "production"
        self.env.flush_all()
        self.env.cr.execute("SELECT row_to_json(c)::text FROM res_company c WHERE id = %s", (self.company.id,))
        before = self.env.cr.fetchone()[0]
        for query in get_neutralization_queries(["l10n_fr_chorus_pro"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        self.env.cr.execute("SELECT row_to_json(c)::text FROM res_company c WHERE id = %s", (self.company.id,))
        after = self.env.cr.fetchone()[0]
        for fname in ("l10n_fr_chorus_client_id", "l10n_fr_chorus_client_secret", "l10n_fr_chorus_login",
                      "l10n_fr_chorus_password"):
            self.assertFalse(self.company[fname], f"{fname} is emptied")
        for column in ("l10n_fr_chorus_client_secret_crypt", "l10n_fr_chorus_password_crypt"):
            self.assertIn(column, before)
            self.assertIn(f'"{column}":null', after, "no encrypted copy is left either")
        for value in (sandbox_data.CLIENT_SECRET, sandbox_data.TECHNICAL_PASSWORD):
            self.assertNotIn(value, after)
        self.assertIn(sandbox_data.TECHNICAL_LOGIN, before)
        self.assertNotIn(sandbox_data.TECHNICAL_LOGIN, after)
        self.assertNotIn(sandbox_data.CLIENT_ID, after)
        self.assertEqual(self.company.l10n_fr_chorus_environment, "qualification")
        with self.assertRaisesRegex(UserError, "PISTE Client ID.*Technical Account Password"):
            self.company._l10n_fr_chorus_client()


@tagged("post_install", "-at_install")
class TestExpiryWarning(ChorusSandboxCase):
    def _activities(self):
        return self.env["mail.activity"].search([
            ("res_model", "=", "res.partner"), ("res_id", "=", self.company.partner_id.id),
            ("summary", "ilike", "Chorus Pro"),
        ])

    def test_warns_admins_30_days_before_the_password_expires(self):
        self.company.l10n_fr_chorus_password_expiry = paris_today() + timedelta(days=20)
        self.env["res.company"]._cron_l10n_fr_chorus_expiry_warning()
        activities = self._activities()
        self.assertTrue(activities)
        self.assertIn("technical account password", activities[0].summary)
        self.assertTrue(all(a.user_id.has_group("base.group_system") for a in activities))
        # the daily run does not pile up the same warning
        self.env["res.company"]._cron_l10n_fr_chorus_expiry_warning()
        self.assertEqual(self._activities(), activities)

    def test_warns_before_the_piste_secret_expires(self):
        self.company.l10n_fr_chorus_secret_expiry = paris_today() + timedelta(days=29)
        self.env["res.company"]._cron_l10n_fr_chorus_expiry_warning()
        self.assertIn("PISTE client secret", self._activities()[0].summary)

    def test_no_warning_long_before(self):
        self.company.write({
            "l10n_fr_chorus_password_expiry": paris_today() + timedelta(days=90),
            "l10n_fr_chorus_secret_expiry": paris_today() + timedelta(days=31),
        })
        self.env["res.company"]._cron_l10n_fr_chorus_expiry_warning()
        self.assertFalse(self._activities())

    def test_connection_test_reads_the_expiry_that_triggers_the_warning(self):
        self.sandbox.state.set_credentials(password_expiry_days=10)
        self.company.action_l10n_fr_chorus_test_connection()
        self.env["res.company"]._cron_l10n_fr_chorus_expiry_warning()
        self.assertTrue(self._activities())
