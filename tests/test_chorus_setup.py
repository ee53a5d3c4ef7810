"""The set-up checklist in Settings: green step by step against the sandbox, one credential broken at a time."""

from odoo.tests import tagged

from .common import ChorusSandboxCase, sandbox_data

STEPS = ("piste", "registered", "account", "api_connection", "odoo")
ALL_APIS = sandbox_data.APIS


@tagged("post_install", "-at_install")
class TestSetupChecklist(ChorusSandboxCase):
    def steps(self):
        self.company.invalidate_recordset()
        return {step: self.company[f"l10n_fr_chorus_step_{step}"] for step in STEPS}

    def press_test(self):
        action = self.company.action_l10n_fr_chorus_test_connection()
        return action["params"]

    def assertSteps(self, **expected):
        expected = {step: expected.get(step, "todo") for step in STEPS}
        self.assertEqual(self.steps(), expected)

    def test_never_tested_knows_only_the_credentials(self):
        self.assertFalse(self.company.l10n_fr_chorus_setup_result)
        self.assertSteps(odoo="done")
        self.company.l10n_fr_chorus_login = False
        self.assertSteps()

    def test_green_step_by_step_with_credentials_broken_one_at_a_time(self):
        # 5. nothing in Odoo
        self.company.write({"l10n_fr_chorus_client_secret": False, "l10n_fr_chorus_password": False})
        params = self.press_test()
        self.assertEqual((params["type"], self.company.l10n_fr_chorus_setup_result), ("danger", "credentials"))
        self.assertIn("PISTE Client Secret", params["message"])
        self.assertSteps(odoo="failed")

        # 1. the PISTE application refused (the secret in Odoo is not the application's)
        self.connect_company(self.company)
        self.sandbox.state.set_credentials(client_secret="another-secret")
        params = self.press_test()
        self.assertEqual(self.company.l10n_fr_chorus_setup_result, "piste")
        self.assertIn("PISTE refused the application", params["message"])
        self.assertSteps(odoo="done", piste="failed")

        # 1. the application lacks one of the APIs Odoo calls
        self.sandbox.state.reset()
        for missing, name in (("factures", "Factures"), ("facturesTravaux", "FacturesTravaux"),
                              ("engagementsJuridiques", "EngagementJuridique"), ("structures", "Structures")):
            with self.subTest(api=missing):
                self.sandbox.state.set_subscriptions([api for api in ALL_APIS if api != missing])
                params = self.press_test()
                self.assertEqual(self.company.l10n_fr_chorus_setup_result, "api")
                self.assertIn(f"« {name} »", params["message"])
                self.assertSteps(odoo="done", piste="failed")

        # 3./4. the technical account refused (or the application not declared as its API connection)
        self.sandbox.state.reset()
        self.sandbox.state.set_credentials(password="another-password")
        params = self.press_test()
        self.assertEqual(self.company.l10n_fr_chorus_setup_result, "account")
        self.assertIn("technical account", params["message"])
        self.assertSteps(odoo="done", account="failed", api_connection="failed")

        # 2. the company is not registered on Chorus Pro (unknown SIRET)
        self.sandbox.state.reset()
        self.company.siret = "40483304800022"
        params = self.press_test()
        self.assertEqual(self.company.l10n_fr_chorus_setup_result, "siret")
        self.assertIn("does not know the SIRET", params["message"])
        self.assertSteps(odoo="done", piste="done", account="done", api_connection="done", registered="failed")

        # everything done
        self.company.siret = sandbox_data.SUPPLIER_SIRET
        params = self.press_test()
        self.assertEqual(params["type"], "success")
        self.assertEqual(self.company.l10n_fr_chorus_setup_result, "ok")
        self.assertFalse(self.company.l10n_fr_chorus_setup_message)
        self.assertSteps(**dict.fromkeys(STEPS, "done"))

    def test_no_stale_green_after_a_failed_test(self):
        self.assertEqual(self.press_test()["type"], "success")
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.l10n_fr_chorus_setup_result, "ok")
        self.sandbox.state.set_credentials(password="another-password")
        self.assertEqual(self.press_test()["type"], "danger")
        settings = self.env["res.config.settings"].create({})
        # the view shows the green « ✔ » only after a successful test
        self.assertEqual(settings.l10n_fr_chorus_setup_result, "account")
        self.assertIn("technical account", settings.l10n_fr_chorus_setup_message)
        self.assertEqual(settings.l10n_fr_chorus_step_account, "failed")

    def test_unreachable_says_so_and_knows_nothing_more(self):
        self.company.l10n_fr_chorus_sandbox_url = "http://127.0.0.1:9"
        params = self.press_test()
        self.assertEqual(self.company.l10n_fr_chorus_setup_result, "unreachable")
        self.assertIn("cannot be reached", params["message"])
        self.assertSteps(odoo="done")
