"""Public clients: the « Client Chorus Pro » flag, SIRET rules, « Vérifier sur Chorus Pro », weekly refresh."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import ChorusSandboxCase, sandbox_data

MONTREUIL_SIRET = "21750001600019"
MINISTRY_SIRET = "11000201100010"
SYNDICATE_SIRET = "20005478100014"
LA_POSTE_SIRET = "35600000049837"  # valid although not Luhn-valid: La Poste's rule
BAD_CHECKSUM_SIRET = "21750001600018"


@tagged("post_install", "-at_install")
class TestPublicClientFlag(ChorusSandboxCase):
    def test_flag_and_sending_method_are_one_truth(self):
        partner = self.make_public_buyer("Commune", MONTREUIL_SIRET, flag=False)
        partner.invoice_sending_method = "chorus_pro"
        self.assertTrue(partner.l10n_fr_chorus_client)
        partner.l10n_fr_chorus_client = False
        self.assertNotEqual(partner.invoice_sending_method, "chorus_pro")
        partner.l10n_fr_chorus_client = True
        self.assertEqual(partner.invoice_sending_method, "chorus_pro")
        Partner = self.env["res.partner"]
        self.assertIn(partner, Partner.search([("l10n_fr_chorus_client", "=", True)]))
        self.assertNotIn(partner, Partner.search([("l10n_fr_chorus_client", "=", False)]))

    def test_flag_requires_a_siret(self):
        partner = self.make_public_buyer("Mairie sans SIRET", False, flag=False)
        with self.assertRaisesRegex(ValidationError, "Mairie sans SIRET has no SIRET"):
            partner.l10n_fr_chorus_client = True

    def test_siret_with_spaces_is_normalised(self):
        partner = self.make_public_buyer("Commune", "217 500 016 00019")
        self.assertEqual(partner.siret, MONTREUIL_SIRET)
        partner.siret = "217.500.016.00019"
        self.assertEqual(partner.siret, MONTREUIL_SIRET)

    def test_wrong_length_and_letters_are_refused(self):
        for bad in ("2175000160001", "2175000160001A"):
            with self.subTest(siret=bad), self.assertRaisesRegex(ValidationError, "14 digits"):
                self.make_public_buyer(f"Commune {bad}", bad)

    def test_checksum_enforced_in_production_only(self):
        self.company.l10n_fr_chorus_environment = "production"
        with self.assertRaisesRegex(ValidationError, "wrong check digit"):
            self.make_public_buyer("Commune", BAD_CHECKSUM_SIRET)
        self.make_public_buyer("La Poste", LA_POSTE_SIRET)  # La Poste's own rule is accepted
        self.company.l10n_fr_chorus_environment = "qualification"
        partner = self.make_public_buyer("Structure de qualification", BAD_CHECKSUM_SIRET)
        self.assertTrue(partner.l10n_fr_chorus_client)


@tagged("post_install", "-at_install")
class TestCheckOnChorus(ChorusSandboxCase):
    def test_check_reads_rules_and_services(self):
        partner = self.make_public_buyer("Commune", MONTREUIL_SIRET)
        partner.action_l10n_fr_chorus_check()
        self.assertEqual(partner.l10n_fr_chorus_structure_cpp, sandbox_data.MONTREUIL_ID)
        self.assertEqual(partner.l10n_fr_chorus_structure_name, "Commune de Montreuil-sur-Loire")
        self.assertEqual(partner.l10n_fr_chorus_structure_state, "active")
        self.assertTrue(partner.l10n_fr_chorus_service_required)
        self.assertFalse(partner.l10n_fr_chorus_commitment_required)
        self.assertTrue(partner.l10n_fr_chorus_last_check)
        self.assertFalse(partner.l10n_fr_chorus_check_message)
        services = {s.code: s for s in partner.with_context(active_test=False).l10n_fr_chorus_service_ids}
        self.assertEqual(set(services), {"SERVICES_TECHNIQUES", "ECOLES", "FACTURES_PUBLIQUES", "ANCIEN_SERVICE"})
        self.assertFalse(services["ANCIEN_SERVICE"].active)
        self.assertTrue(services["ECOLES"].commitment_required)
        self.assertFalse(services["SERVICES_TECHNIQUES"].commitment_required)
        self.assertEqual(services["ECOLES"].display_name, "ECOLES - Direction des écoles")

    def test_check_again_updates_without_duplicates(self):
        partner = self.make_public_buyer("Commune", MONTREUIL_SIRET)
        partner.action_l10n_fr_chorus_check()
        before = partner.with_context(active_test=False).l10n_fr_chorus_service_ids
        partner.action_l10n_fr_chorus_check()
        self.assertEqual(partner.with_context(active_test=False).l10n_fr_chorus_service_ids, before)

    def test_services_on_several_pages_all_arrive_and_payment_flag(self):
        partner = self.make_public_buyer("Ministère", MINISTRY_SIRET)
        partner.action_l10n_fr_chorus_check()
        self.assertGreaterEqual(len(partner.l10n_fr_chorus_service_ids), 26)
        self.assertTrue(partner.l10n_fr_chorus_payment_hidden)
        self.assertTrue(partner.l10n_fr_chorus_commitment_required)

    def test_phone_is_normalised(self):
        partner = self.make_public_buyer("Commune", MONTREUIL_SIRET)
        partner.action_l10n_fr_chorus_check()
        self.assertRegex(partner.l10n_fr_chorus_phone or "", r"^\+33 [1-9]( \d\d){4}$")

    def test_inactive_structure_is_reported(self):
        partner = self.make_public_buyer("Syndicat", SYNDICATE_SIRET)
        partner.action_l10n_fr_chorus_check()
        self.assertEqual(partner.l10n_fr_chorus_structure_state, "inactive")
        self.assertIn("inactive", partner.l10n_fr_chorus_check_message)

    def test_unknown_structure_is_reported(self):
        partner = self.make_public_buyer("Inconnu", "40483304800022")
        partner.action_l10n_fr_chorus_check()
        self.assertEqual(partner.l10n_fr_chorus_structure_state, "unknown")
        self.assertIn("does not know the SIRET 40483304800022", partner.l10n_fr_chorus_check_message)

    def test_check_from_an_invoicing_contact_checks_the_company(self):
        partner = self.make_public_buyer("Commune", MONTREUIL_SIRET)
        contact = self.env["res.partner"].create({"name": "Services techniques", "parent_id": partner.id,
                                                  "type": "invoice"})
        contact.action_l10n_fr_chorus_check()
        self.assertEqual(partner.l10n_fr_chorus_structure_cpp, sandbox_data.MONTREUIL_ID)
        service = partner.l10n_fr_chorus_service_ids.filtered(lambda s: s.code == "SERVICES_TECHNIQUES")
        contact.l10n_fr_chorus_default_service_id = service
        self.assertEqual(contact.l10n_fr_chorus_default_service_id.code, "SERVICES_TECHNIQUES")

    def test_connection_problem_is_a_clear_error(self):
        partner = self.make_public_buyer("Commune", MONTREUIL_SIRET)
        self.sandbox.state.set_subscriptions(["factures"])
        with self.assertRaisesRegex(UserError, "not subscribed to the Chorus Pro API « Structures »"):
            partner.action_l10n_fr_chorus_check()

    def test_weekly_refresh_goes_on_after_a_failure(self):
        first = self.make_public_buyer("Commune", MONTREUIL_SIRET)
        second = self.make_public_buyer("Lycée", "21130055300016")
        # every retry of the first structure search fails, the next ones work
        self.sandbox.state.add_fault("structures/rechercher", "500", count=4)
        self.env["res.partner"]._cron_l10n_fr_chorus_refresh()
        refreshed = (first | second).filtered("l10n_fr_chorus_last_check")
        failed = (first | second) - refreshed
        self.assertEqual(len(refreshed), 1)
        self.assertIn("cannot be reached", failed.l10n_fr_chorus_check_message)


@tagged("post_install", "-at_install")
class TestPartnerAccess(ChorusSandboxCase):
    def test_invoicing_user_reads_services_but_cannot_change_them(self):
        partner = self.make_public_buyer("Commune", MONTREUIL_SIRET)
        partner.action_l10n_fr_chorus_check()
        invoicing = self.make_user("chorus_invoicing", "account.group_account_invoice")
        invoicing.groups_id -= self.env.ref("base.group_partner_manager")
        services = partner.with_user(invoicing).l10n_fr_chorus_service_ids
        self.assertTrue(services.mapped("code"))
        with self.assertRaises(AccessError):
            services[0].write({"name": "Changed"})
        with self.assertRaises(AccessError):
            partner.with_user(invoicing).action_l10n_fr_chorus_check()
