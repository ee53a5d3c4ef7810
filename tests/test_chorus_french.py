"""Scheduled actions run as the superuser, in English: what they write is for French readers, in French."""

from odoo import SUPERUSER_ID
from odoo.tests import tagged

from .common import ChorusInvoiceCase


@tagged("post_install", "-at_install")
class TestFrenchScheduledActions(ChorusInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.use_french()  # the test user is the salesperson of the invoices, who gets the activities

    def run_cron(self, method):
        """As Odoo's cron runner does: the superuser, in English."""
        model = self.env["account.move"].with_user(SUPERUSER_ID).with_context(
            lang="en_US", tracking_disable=False, mail_notrack=False)
        return getattr(model, method)()

    def test_both_crons_write_french(self):
        broken = self.make_invoice(self.montreuil)  # requires a service code
        good = self.make_invoice(self.lycee)
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertIn("exige un code de service exécutant", broken.l10n_fr_chorus_error)
        self.assertIn("Envoyée à Chorus Pro dans le flux", good.message_ids[0].body)
        self.sandbox.state.advance(flows_to_final=True)
        self.run_cron("_cron_l10n_fr_chorus_sync")
        self.sandbox.state.set_invoice_status("SUSPENDUE", invoice_number=good.name,
                                              comment="Bon de livraison manquant")
        self.run_cron("_cron_l10n_fr_chorus_sync")
        [activity] = good.activity_ids
        self.assertEqual(activity.summary, "Chorus Pro : Suspendue")
        self.assertNotIn("The buyer", str(activity.note))
        bodies = " ".join(good.message_ids.mapped("body"))
        self.assertNotIn("Chorus Pro comment", bodies)
        tracked = good.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "l10n_fr_chorus_status")
        self.assertIn("Suspendue", tracked.mapped("new_value_char"))
