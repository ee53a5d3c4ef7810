"""Exactly once, whatever fails: no duplicate with the State, and Chorus Pro facts only the addon writes."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import ChorusInvoiceCase

PROTECTED_MOVE_FIELDS = {
    "l10n_fr_chorus_flow_id": False,
    "l10n_fr_chorus_invoice_cpp": False,
    "l10n_fr_chorus_status": "MISE_EN_PAIEMENT",
    "l10n_fr_chorus_status_date": "2026-11-30 10:00:00",
    "l10n_fr_chorus_status_comment": "payé",
    "l10n_fr_chorus_error": False,
    "l10n_fr_chorus_error_retryable": True,
    "l10n_fr_chorus_unknown_outcome": False,
    "l10n_fr_chorus_rejection": "refusée",
    "l10n_fr_chorus_state": "to_send",
    "l10n_fr_chorus_summary": "paid",
    "l10n_fr_chorus_is_final": True,
}


@tagged("post_install", "-at_install")
class TestExactlyOnce(ChorusInvoiceCase):
    def deposited_numbers(self):
        return [p.number for flow in self.sandbox_flows() for p in flow.parsed]

    def sent_invoice(self, **vals):
        invoice = self.make_invoice(self.lycee, **vals)
        sent, message = invoice._l10n_fr_chorus_send()[invoice]
        self.assertTrue(sent, message)
        return invoice

    # ------------------------------------------------------------------ Chorus Pro's duplicate refusal is proof
    def test_duplicate_refusal_links_the_invoice_and_never_rejects_it(self):
        invoice = self.make_invoice(self.lycee)
        # the invoice reached Chorus Pro through a deposit Odoo never heard of (say, a worker killed after it)
        document = self.env["l10n_fr_chorus.document"]._build(invoice)
        client = self.company._l10n_fr_chorus_client()
        client.deposit(document["content"], document["filename"], document["syntax"])
        self.sandbox.state.advance(flows_to_final=True)
        # Odoo deposits it again: Chorus Pro refuses the number it already holds
        self.assertTrue(invoice._l10n_fr_chorus_send()[invoice][0])
        self.sandbox.state.advance(flows_to_final=True)
        self.run_cron("_cron_l10n_fr_chorus_sync")
        self.assertEqual(invoice.l10n_fr_chorus_state, "integrated")
        self.assertFalse(invoice.l10n_fr_chorus_rejection)
        [live] = [i for i in self.sandbox.state.invoices.values() if i.parsed.number == invoice.name]
        self.assertEqual(invoice.l10n_fr_chorus_invoice_cpp, str(live.id), "linked to the live Chorus Pro invoice")
        self.assertFalse(invoice.activity_ids, "no activity asking for a credit note")
        self.assertIn("not a rejection", " ".join(invoice.message_ids.mapped("body")))

    # ------------------------------------------------------------------ a slow Chorus Pro
    def test_backlog_longer_than_an_hour_is_never_deposited_twice(self):
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.unknown_outcome_delay", "1440")
        invoice = self.make_invoice(self.lycee)
        self.sandbox.state.add_fault("factures/deposer/flux", "drop_after_record")
        invoice._l10n_fr_chorus_send()
        self.assertEqual(invoice.l10n_fr_chorus_state, "sending")
        flow = invoice.l10n_fr_chorus_flow_id
        self.assertEqual(flow.state, "sending")
        self.assertTrue(flow.attachment_id.raw, "the file of the unanswered deposit is kept")
        # three hours later Chorus Pro still has not processed the flow: searched again, never deposited again
        flow.sudo()._l10n_fr_chorus_write({"deposit_date": fields.Datetime.now() - timedelta(hours=3)})
        for _run in range(3):
            self.run_cron("_cron_l10n_fr_chorus_send")
            self.run_cron("_cron_l10n_fr_chorus_sync")
        self.assertEqual(self.deposited_numbers(), [invoice.name])
        self.assertEqual(invoice.l10n_fr_chorus_state, "sending")
        self.assertIn("is given until", invoice.l10n_fr_chorus_error)
        # Chorus Pro integrates it at last: the sync links it
        self.sandbox.state.advance(flows_to_final=True)
        self.run_cron("_cron_l10n_fr_chorus_sync")
        self.assertEqual(invoice.l10n_fr_chorus_state, "integrated")
        self.assertEqual(invoice.l10n_fr_chorus_flow_id.name, self.sandbox_flows()[0].number)
        self.assertEqual(self.deposited_numbers(), [invoice.name])

    def test_unanswered_deposit_not_received_is_sent_again_after_the_delay(self):
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.unknown_outcome_delay", "1440")
        invoice = self.make_invoice(self.lycee)
        self.sandbox.state.add_fault("factures/deposer/flux", "500")  # nothing recorded
        invoice._l10n_fr_chorus_send()
        self.assertEqual(invoice.l10n_fr_chorus_state, "sending")
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(self.deposited_numbers(), [], "not sent again within the delay")
        invoice.l10n_fr_chorus_flow_id.sudo()._l10n_fr_chorus_write(
            {"deposit_date": fields.Datetime.now() - timedelta(hours=25)})
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(self.deposited_numbers(), [invoice.name])
        self.assertEqual(invoice.l10n_fr_chorus_state, "deposited")
        self.assertEqual(len(invoice.l10n_fr_chorus_flow_ids), 2, "the unanswered attempt stays as evidence")

    # ------------------------------------------------------------------ only the addon writes Chorus Pro facts
    def test_chorus_facts_refuse_writes_from_every_user(self):
        invoice = self.sent_invoice()
        self.sandbox.state.advance(flows_to_final=True)
        self.run_cron("_cron_l10n_fr_chorus_sync")
        self.assertEqual(invoice.l10n_fr_chorus_state, "integrated")
        users = {
            "invoicing": self.make_user("eo_invoicing", "account.group_account_invoice"),
            "transfer": self.make_user("eo_transfer", "account.group_account_invoice,"
                                                      "l10n_fr_chorus_pro.group_l10n_fr_chorus_transfer"),
            "adviser": self.make_user("eo_adviser", "account.group_account_manager,base.group_system"),
        }
        for who, user in users.items():
            for field, value in PROTECTED_MOVE_FIELDS.items():
                with self.subTest(user=who, field=field), self.assertRaises(AccessError):
                    invoice.with_user(user).write({field: value})
            flow = invoice.l10n_fr_chorus_flow_id.with_user(user)
            with self.subTest(user=who, model="flow"), self.assertRaises(AccessError):
                flow.write({"state": "IN_REJETE"})
            with self.subTest(user=who, model="flow unlink"), self.assertRaises(AccessError):
                flow.unlink()
            with self.subTest(user=who, model="history"), self.assertRaises(AccessError):
                self.env["l10n_fr_chorus.status.history"].with_user(user).create(
                    {"move_id": invoice.id, "status": "MISE_EN_PAIEMENT", "date": fields.Datetime.now()})
        self.assertEqual(invoice.l10n_fr_chorus_state, "integrated", "nothing changed")
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(self.deposited_numbers(), [invoice.name], "still deposited once")

    def make_user(self, login, groups):
        return new_test_user(self.env, login=login, groups=f"base.group_user,{groups}", company_id=self.company.id,
                             company_ids=[(6, 0, self.company.ids)])

    def test_sending_data_by_a_non_member_deposits_nothing(self):
        invoice = self.make_invoice(self.lycee)
        outsider = self.make_user("eo_outsider", "account.group_account_invoice")
        admin = self.env.ref("base.user_admin")
        with self.assertRaises(AccessError):  # nobody queues a send in somebody else's name
            invoice.with_user(outsider).write({"sending_data": {
                "author_user_id": admin.id, "author_partner_id": admin.partner_id.id,
                "sending_methods": ["chorus_pro"]}})
        invoice.with_user(outsider).write({"sending_data": {
            "author_user_id": outsider.id, "author_partner_id": outsider.partner_id.id,
            "sending_methods": ["chorus_pro"]}})
        self.env["account.move"].sudo()._cron_account_move_send()
        self.assertEqual(self.deposited_numbers(), [])
        self.assertEqual(invoice.l10n_fr_chorus_state, "to_send")

    # ------------------------------------------------------------------ what was deposited stays deposited
    def test_deposited_invoice_cannot_be_reset_edited_or_deleted(self):
        invoice = self.sent_invoice()
        with self.assertRaisesRegex(UserError, "cannot be changed, reset to draft or deleted"):
            invoice.button_draft()
        with self.assertRaises(UserError):
            invoice.write({"purchase_order_reference": "EJ-AUTRE"})
        with self.assertRaises(UserError):
            invoice.write({"l10n_fr_chorus_transfer": False})
        with self.assertRaises(UserError):
            invoice.unlink()
        self.assertEqual(invoice.state, "posted")
        # once Chorus Pro rejected it, it can be corrected
        self.sandbox.state.set_flow_state(invoice.l10n_fr_chorus_flow_id.name, "IN_REJETE", comment="Illisible")
        self.run_cron("_cron_l10n_fr_chorus_sync")
        self.assertEqual(invoice.l10n_fr_chorus_state, "rejected")
        invoice.button_draft()
        self.assertEqual(invoice.state, "draft")

    # ------------------------------------------------------------------ errors heal by themselves
    def test_credential_error_heals_once_the_credentials_are_fixed(self):
        invoice = self.make_invoice(self.lycee)
        self.company.sudo().l10n_fr_chorus_password = "Wrong-Password-1"
        invoice._l10n_fr_chorus_send()
        self.assertEqual(invoice.l10n_fr_chorus_state, "error")
        self.company.sudo().l10n_fr_chorus_password = "Sandbox-Password-1"
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(invoice.l10n_fr_chorus_state, "deposited")
        self.assertFalse(invoice.l10n_fr_chorus_error)

    def test_validation_error_fixed_outside_the_invoice_heals_with_the_current_message(self):
        invoice = self.make_invoice(self.montreuil)  # Montreuil requires a service code
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(invoice.l10n_fr_chorus_state, "error")
        self.assertIn("requires a service code", invoice.l10n_fr_chorus_error)
        siret = self.company.siret
        self.company.siret = False
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertIn("has no SIRET", invoice.l10n_fr_chorus_error, "the message is the current one")
        self.company.siret = siret
        # the buyer drops its rule (fixed on the client, not on the invoice): the next run sends it
        self.montreuil.l10n_fr_chorus_service_required = False
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(invoice.l10n_fr_chorus_state, "deposited")

    # ------------------------------------------------------------------ transfer rules on every path
    def test_an_unticked_invoice_is_not_concerned_on_every_path(self):
        unticked = self.make_invoice(self.lycee, post=False)
        unticked.l10n_fr_chorus_transfer = False
        unticked.action_post()
        stranger = self.make_invoice(self.partner_a)  # not a « Client Chorus Pro »
        action = (unticked | stranger).action_l10n_fr_chorus_send()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertFalse(wizard.ready_move_ids)
        self.assertRegex(wizard.blocked_html, f"{unticked.name}</td>.*Not concerned: « Transfer via Chorus Pro »")
        self.assertRegex(wizard.blocked_html, f"{stranger.name}</td>.*Not concerned: the client")
        wizard.action_send()
        (unticked | stranger)._l10n_fr_chorus_send()  # even called directly
        self.env["account.move.send"]._generate_and_send_invoices(unticked, sending_methods={"chorus_pro"})
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(self.deposited_numbers(), [])
        self.assertEqual((unticked | stranger).mapped("l10n_fr_chorus_state"), ["not_concerned", "not_concerned"])

    def test_send_and_print_says_plainly_an_invoice_is_already_on_chorus_pro(self):
        invoice = self.sent_invoice()
        Send = self.env["account.move.send"]
        data = {invoice: Send._get_default_sending_settings(invoice, sending_methods={"chorus_pro"})}
        alerts = Send._get_alerts(invoice, data)
        self.assertIn("Already on Chorus Pro, not sent again", alerts["l10n_fr_chorus_pro_held"]["message"])
        self.env["account.move.send"]._generate_and_send_invoices(invoice, sending_methods={"chorus_pro"})
        self.assertIn("not sent again", invoice.message_ids[0].body)
        self.assertEqual(self.deposited_numbers(), [invoice.name])
