"""Credentials: administrators only (RPC included), sent only to allowed addresses, encrypted at rest."""

import http.server
import os
import stat
import tempfile
import threading
from contextlib import contextmanager
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.migration import load_script
from odoo.modules.module import get_module_path
from odoo.tests import tagged
from odoo.tools import config
from odoo.tools.sql import column_exists

from .. import credentials
from ..chorus_client import ENVIRONMENTS
from ..models.res_company import PROTECTED_FIELDS
from .common import ChorusSandboxCase, sandbox_data

MONTREUIL_SIRET = "21750001600019"


class CaptureServer:
    """An HTTP server on 127.0.0.1 that records every request it gets and answers 400."""

    def __init__(self):
        self.requests = []
        capture = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                capture.requests.append((self.path, dict(self.headers), self.rfile.read(length).decode()))
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"error": "invalid_client"}')

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def server_options(**options):
    """Options of the Odoo configuration file for the time of a block (the keys already read are forgotten)."""
    credentials.clear_cache()
    try:
        with patch.dict(config.options, options):
            yield
    finally:
        credentials.clear_cache()


@tagged("post_install", "-at_install")
class TestCredentialAccess(ChorusSandboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.access_rights_user = cls.make_user(
            "chorus_access_rights", "base.group_erp_manager,account.group_account_manager")
        cls.invoicing_user = cls.make_user("chorus_invoicing", "account.group_account_invoice")
        cls.admin = cls.make_user("chorus_sysadmin", "base.group_system,account.group_account_manager")
        cls.capture = CaptureServer()
        cls.addClassCleanup(cls.capture.stop)

    def test_the_users_of_these_tests_are_not_administrators(self):
        for user in (self.access_rights_user, self.invoicing_user):
            self.assertFalse(user.has_group("base.group_system"))
        self.assertTrue(self.access_rights_user.has_group("base.group_erp_manager"))

    def test_non_administrators_can_neither_read_nor_write_the_six_fields(self):
        values = {
            "l10n_fr_chorus_environment": "sandbox",
            "l10n_fr_chorus_sandbox_url": self.capture.url,
            "l10n_fr_chorus_client_id": "x",
            "l10n_fr_chorus_client_secret": "x",
            "l10n_fr_chorus_login": "x",
            "l10n_fr_chorus_password": "x",
        }
        self.assertEqual(set(values), set(PROTECTED_FIELDS))
        for user in (self.access_rights_user, self.invoicing_user):
            company = self.company.with_user(user)
            for fname, value in values.items():
                with self.subTest(user=user.login, field=fname):
                    with self.assertRaises(AccessError):
                        company.read([fname])
                    with self.assertRaises(AccessError):
                        company.search_read([("id", "=", self.company.id)], [fname])
                    with self.assertRaises(AccessError):
                        company.write({fname: value})
                    company.invalidate_recordset()
                    with self.assertRaises(AccessError):
                        company.mapped(fname)
        self.assertEqual(self.company.l10n_fr_chorus_sandbox_url, self.sandbox.url, "nothing was written")
        self.assertEqual(self.company.l10n_fr_chorus_client_secret, sandbox_data.CLIENT_SECRET)

    def test_a_new_company_cannot_carry_them_either(self):
        Company = self.env["res.company"].with_user(self.access_rights_user)
        for fname in ("l10n_fr_chorus_environment", "l10n_fr_chorus_sandbox_url"):
            with self.subTest(field=fname), self.assertRaises(AccessError) as caught:
                Company.create({"name": "Filiale", fname: "sandbox" if "environment" in fname else self.capture.url})
            self.assertIn(f'fields "{fname}"', str(caught.exception), "refused for the field, not the company")

    def test_refused_write_then_weekly_refresh_sends_nothing_to_the_capture_server(self):
        buyer = self.make_public_buyer("Commune de Montreuil-sur-Loire", MONTREUIL_SIRET)
        with self.assertRaises(AccessError):
            self.company.with_user(self.access_rights_user).write({
                "l10n_fr_chorus_environment": "sandbox", "l10n_fr_chorus_sandbox_url": self.capture.url})
        self.env["res.partner"]._cron_l10n_fr_chorus_refresh()
        self.assertEqual(self.capture.requests, [], "no credential reached the capture server")
        self.assertEqual(buyer.l10n_fr_chorus_structure_cpp, sandbox_data.MONTREUIL_ID,
                         "the refresh ran, against the sandbox the administrator chose")
        # The capture server does record what is sent to it: an administrator's choice is obeyed.
        self.company.with_user(self.admin).l10n_fr_chorus_sandbox_url = self.capture.url
        self.env["res.partner"]._cron_l10n_fr_chorus_refresh()
        self.assertTrue(self.capture.requests)
        path, _headers, body = self.capture.requests[0]
        self.assertEqual(path, "/api/oauth/token")
        self.assertIn("client_secret=" + sandbox_data.CLIENT_SECRET, body)

    def test_a_sandbox_url_off_this_server_is_refused_naming_the_field(self):
        company = self.company.with_user(self.admin)
        for url in ("http://10.1.2.3:8900", "https://capture.example.com", "http://127.0.0.1.example.com:8900",
                    "http://127.0.0.1@capture.example.com/", "ftp://127.0.0.1/", "127.0.0.1:8900"):
            with self.subTest(url=url), self.assertRaises(ValidationError) as caught:
                company.l10n_fr_chorus_sandbox_url = url
            self.assertIn("Sandbox URL", str(caught.exception))
            self.assertIn(url, str(caught.exception))
        self.assertEqual(self.company.l10n_fr_chorus_sandbox_url, self.sandbox.url)

    def test_switching_to_the_sandbox_checks_the_url_kept_from_before(self):
        company = self.company.with_user(self.admin)
        company.write({"l10n_fr_chorus_environment": "qualification",
                       "l10n_fr_chorus_sandbox_url": "http://10.1.2.3:8900"})
        with self.assertRaisesRegex(ValidationError, "Sandbox URL"):
            company.l10n_fr_chorus_environment = "sandbox"

    def test_the_refusal_is_in_french_for_french_administrators(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["l10n_fr_chorus_pro"], ["fr_FR"], overwrite=True)
        company = self.company.with_user(self.admin).with_context(lang="fr_FR")
        with self.assertRaisesRegex(ValidationError, "URL du bac à sable : « http://10.1.2.3 » est refusée"):
            company.l10n_fr_chorus_sandbox_url = "http://10.1.2.3"

    def test_loopback_addresses_are_accepted(self):
        company = self.company.with_user(self.admin)
        for url in ("http://localhost:8900", "http://[::1]:8900", "https://127.0.0.1:8900/", "http://LOCALHOST"):
            with self.subTest(url=url):
                company.l10n_fr_chorus_sandbox_url = url
                self.assertEqual(self.company.l10n_fr_chorus_sandbox_url, url)

    def test_the_configuration_file_can_allow_other_hosts(self):
        company = self.company.with_user(self.admin)
        with server_options(l10n_fr_chorus_sandbox_hosts="chorus-sandbox.lan, 10.1.2.3"):
            company.l10n_fr_chorus_sandbox_url = "http://chorus-sandbox.lan:8900"
            company.l10n_fr_chorus_sandbox_url = "http://10.1.2.3:8900"
        with self.assertRaises(ValidationError):
            company.l10n_fr_chorus_sandbox_url = "http://chorus-sandbox.lan:8900"

    def test_a_url_stored_before_is_checked_again_when_used(self):
        buyer = self.make_public_buyer("Commune de Montreuil-sur-Loire", MONTREUIL_SIRET)
        self.env.flush_all()
        self.env.cr.execute("UPDATE res_company SET l10n_fr_chorus_sandbox_url = %s WHERE id = %s",
                            ("http://10.1.2.3:8900", self.company.id))
        self.env.invalidate_all()
        with self.assertRaisesRegex(UserError, "Sandbox URL: « http://10.1.2.3:8900 » is refused"):
            buyer.action_l10n_fr_chorus_check()
        self.env["res.partner"]._cron_l10n_fr_chorus_refresh()
        self.assertFalse(buyer.l10n_fr_chorus_last_check, "the weekly refresh did not send the credentials either")

    def test_qualification_and_production_addresses_are_not_settings(self):
        company = self.company.with_user(self.admin)
        for environment in ("qualification", "production"):
            company.write({"l10n_fr_chorus_environment": environment,
                           "l10n_fr_chorus_sandbox_url": self.capture.url})
            self.assertEqual(company._l10n_fr_chorus_urls(),
                             (ENVIRONMENTS[environment]["token_url"], ENVIRONMENTS[environment]["api_url"]))
            self.assertTrue(company._l10n_fr_chorus_urls()[0].startswith("https://"))
        url_fields = [name for name, field in self.company._fields.items()
                      if name.startswith("l10n_fr_chorus") and "url" in name]
        self.assertEqual(url_fields, ["l10n_fr_chorus_sandbox_url"])

    def test_the_siret_check_digit_rule_still_works_for_accountants(self):
        self.company.l10n_fr_chorus_environment = "production"
        accountant = self.make_user("chorus_contacts", "account.group_account_manager,base.group_partner_manager")
        partner = self.env["res.partner"].with_user(accountant).create({
            "name": "Commune", "is_company": True, "siret": "21750001600018",
            "country_id": self.env.ref("base.fr").id,
        })
        with self.assertRaisesRegex(ValidationError, "wrong check digit"):
            partner.l10n_fr_chorus_client = True


@tagged("post_install", "-at_install")
class TestCredentialsAtRest(ChorusSandboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.make_user("chorus_sysadmin", "base.group_system,account.group_account_manager")

    def raw_row(self):
        self.env.flush_all()
        self.env.cr.execute("SELECT row_to_json(c)::text FROM res_company c WHERE id = %s", (self.company.id,))
        return self.env.cr.fetchone()[0]

    def test_the_database_does_not_hold_the_secret_or_the_password(self):
        row = self.raw_row()
        self.assertIn(sandbox_data.TECHNICAL_LOGIN, row, "the row was read")
        self.assertNotIn(sandbox_data.CLIENT_SECRET, row)
        self.assertNotIn(sandbox_data.TECHNICAL_PASSWORD, row)
        self.assertEqual(self.company.with_user(self.admin).read(["l10n_fr_chorus_client_secret"])[0][
            "l10n_fr_chorus_client_secret"], sandbox_data.CLIENT_SECRET, "administrators read the clear value")

    def test_settings_save_then_test_connection(self):
        secret, password = "Nouveau-Secret-2027", "Nouveau-Mot-De-Passe-2027"
        self.sandbox.state.set_credentials(client_secret=secret, password=password)
        settings = self.env["res.config.settings"].with_user(self.admin).create({
            "l10n_fr_chorus_client_secret": secret,
            "l10n_fr_chorus_password": password,
        })
        settings.execute()
        self.env.invalidate_all()
        action = self.env["res.config.settings"].with_user(self.admin).create({}) \
            .action_l10n_fr_chorus_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        row = self.raw_row()
        self.assertNotIn(secret, row)
        self.assertNotIn(password, row)

    def test_key_of_the_configuration_file(self):
        with server_options(l10n_fr_chorus_key="first-key-0123456789-abcdefghijklmnop"):
            self.company.l10n_fr_chorus_password = "Mot-De-Passe-Chiffre"
            self.env.flush_all()
            stored = self.company.l10n_fr_chorus_password_crypt
            self.assertNotIn("Mot-De-Passe-Chiffre", stored)
            self.assertEqual(credentials.decrypt(stored), "Mot-De-Passe-Chiffre")
        with server_options(l10n_fr_chorus_key="another-key-0123456789-abcdefghijklm"):
            self.env.invalidate_all()
            self.assertFalse(self.company.l10n_fr_chorus_password, "another key cannot read it")
            action = self.company.action_l10n_fr_chorus_test_connection()
            self.assertRegex(action["params"]["message"], "Technical Account Password.*cannot be decrypted")
        self.env.invalidate_all()

    def test_without_configured_key_one_is_generated_in_data_dir_0600(self):
        with tempfile.TemporaryDirectory() as data_dir, server_options(data_dir=data_dir, l10n_fr_chorus_key=""):
            key_file = os.path.join(data_dir, credentials.KEY_FILE_NAME)
            self.assertFalse(os.path.exists(key_file))
            self.company.l10n_fr_chorus_client_secret = "Secret-De-Fichier"
            self.env.flush_all()
            self.assertEqual(stat.S_IMODE(os.stat(key_file).st_mode), 0o600)
            with open(key_file, encoding="ascii") as file:
                key = file.read().strip()
            self.assertNotIn(key, self.raw_row(), "the key is not in the database")
            credentials.clear_cache()
            self.env.invalidate_all()
            self.assertEqual(self.company.l10n_fr_chorus_client_secret, "Secret-De-Fichier", "the same key is reused")
            with open(key_file, encoding="ascii") as file:
                self.assertEqual(file.read().strip(), key)
        self.env.invalidate_all()

    def test_plain_values_of_an_older_version_are_encrypted_by_the_upgrade(self):
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("ALTER TABLE res_company ADD COLUMN l10n_fr_chorus_password varchar")
        cr.execute("UPDATE res_company SET l10n_fr_chorus_password = %s, l10n_fr_chorus_password_crypt = NULL "
                   "WHERE id = %s", (sandbox_data.TECHNICAL_PASSWORD, self.company.id))
        script = os.path.join(get_module_path("l10n_fr_chorus_pro"), "migrations", "18.0.1.1.0", "post-migrate.py")
        load_script(script, "l10n_fr_chorus_pro_post_migrate").migrate(cr, "18.0.1.0.0")
        self.assertFalse(column_exists(cr, "res_company", "l10n_fr_chorus_password"), "the plain column is gone")
        self.assertNotIn(sandbox_data.TECHNICAL_PASSWORD, self.raw_row())
        self.env.invalidate_all()
        self.assertEqual(self.company.l10n_fr_chorus_password, sandbox_data.TECHNICAL_PASSWORD)
        action = self.company.action_l10n_fr_chorus_test_connection()
        self.assertEqual(action["params"]["type"], "success")
