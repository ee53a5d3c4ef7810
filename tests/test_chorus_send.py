"""« Envoyer à Chorus Pro »: checks, the wizard, batches, the scheduled send, faults, exactly once."""

import base64
import threading
import time
from collections import Counter

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import AccessError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import SQL

from ..chorus_client import InvoiceState, clear_token_cache
from ..chorus_sandbox import SandboxServer
from .common import ChorusInvoiceCase


@tagged("post_install", "-at_install")
class TestChorusSend(ChorusInvoiceCase):
    def send(self, invoices):
        action = invoices.action_l10n_fr_chorus_send()
        wizard = invoices.env[action["res_model"]].browse(action["res_id"])
        return wizard, wizard.action_send() and wizard

    def deposits(self):
        return self.sandbox.state.calls["factures/deposer/flux"]

    # ------------------------------------------------------------------ the happy path
    def test_flag_ticks_transfer_and_can_be_unticked(self):
        invoice = self.make_invoice(self.lycee, post=False)
        self.assertTrue(invoice.l10n_fr_chorus_transfer)
        invoice.l10n_fr_chorus_transfer = False
        invoice.action_post()
        self.assertEqual(invoice.l10n_fr_chorus_state, "not_concerned")
        other = self.make_invoice(self.partner_a)
        self.assertFalse(other.l10n_fr_chorus_transfer)

    def test_single_send_keeps_the_exact_file_and_reaches_chorus(self):
        invoice = self.make_invoice(self.lycee)
        self.assertEqual(invoice.l10n_fr_chorus_state, "to_send")
        self.env.flush_all()
        self.env.cr.precommit.run()
        before = invoice.message_ids
        wizard, _done = self.send(invoice.with_context(tracking_disable=False, mail_notrack=False))  # as in production
        self.assertIn("sent to Chorus Pro in flow", wizard.result_html)
        self.env.flush_all()
        self.env.cr.precommit.run()  # Odoo's own tracking, as at a commit: nothing more in the chatter
        self.assertEqual(len(invoice.message_ids - before), 1, "one chatter line for the deposit")
        self.assertEqual(invoice.l10n_fr_chorus_state, "deposited")
        flow = invoice.l10n_fr_chorus_flow_id
        self.assertRegex(flow.name, r"^CPP\d{22}$")
        self.assertEqual(flow.move_ids, invoice)
        self.assertEqual(flow.syntax, "IN_DP_E1_UBL_INVOICE")
        sent = base64.b64decode(self.sandbox.state.last_requests["factures/deposer/flux"]["fichierFlux"])
        self.assertEqual(flow.attachment_id.raw, sent, "the attachment is the exact file deposited")
        message = invoice.message_ids[0]
        self.assertIn(flow.name, message.body)
        # a note by the user who sent it, as any note Odoo logs on the invoice (author, addresses, internal)
        note = invoice._message_log(body="Relance envoyée au service financier.")
        fields = ("author_id", "email_from", "reply_to", "subtype_id", "is_internal", "message_type", "model", "res_id")
        self.assertEqual(message.author_id, self.env.user.partner_id)
        self.assertEqual(message.read(fields), [dict(note.read(fields)[0], id=message.id)])
        self.assertEqual(self.deposits(), 1)
        # Chorus Pro integrates it
        self.sandbox.state.advance(flows_to_final=True)
        [chorus_flow] = self.sandbox_flows()
        self.assertEqual(chorus_flow.state, "IN_INTEGRE")
        self.assertEqual(chorus_flow.parsed[0].number, invoice.name)

    def test_credit_note(self):
        refund = self.make_invoice(self.lycee, move_type="out_refund")
        self.send(refund)
        self.assertEqual(refund.l10n_fr_chorus_state, "deposited")
        self.sandbox.state.advance(flows_to_final=True)
        self.assertEqual(self.sandbox_flows()[0].state, "IN_INTEGRE")

    def test_every_format_is_accepted(self):
        for fmt, syntax in (("ubl", "IN_DP_E1_UBL_INVOICE"), ("cii", "IN_DP_E1_CII_16B"),
                            ("facturx", "IN_DP_E2_CII_FACTURX")):
            with self.subTest(fmt=fmt):
                self.company.l10n_fr_chorus_format = fmt
                invoice = self.make_invoice(self.montreuil, l10n_fr_chorus_service_id=self.service_technique.id,
                                            purchase_order_reference="EJ-1", contract_reference="MARCHE-2026-7")
                self.send(invoice)
                self.assertEqual(invoice.l10n_fr_chorus_flow_id.syntax, syntax)
                self.sandbox.state.advance(flows_to_final=True)
                flow = self.sandbox.state.flows[invoice.l10n_fr_chorus_flow_id.name]
                self.assertEqual(flow.state, "IN_INTEGRE", flow.dp_errors or flow.technical_errors)
                parsed = flow.parsed[0]
                self.assertEqual((parsed.buyer_siret, parsed.service_code, parsed.commitment, parsed.market),
                                 ("21750001600019", "SERVICES_TECHNIQUES", "EJ-1", "MARCHE-2026-7"))

    # ------------------------------------------------------------------ batches and checks
    def test_batch_sends_the_valid_ones_and_explains_the_others(self):
        good = self.make_invoice(self.lycee)
        no_service = self.make_invoice(self.montreuil)
        no_commitment = self.make_invoice(self.hospital)
        draft = self.make_invoice(self.lycee, post=False)
        action = (good | no_service | no_commitment | draft).action_l10n_fr_chorus_send()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(wizard.ready_move_ids, good)
        self.assertEqual(wizard.blocked_count, 3)
        self.assertRegex(wizard.blocked_html, f"{no_service.name}</td>.*Montreuil-sur-Loire requires a service code")
        self.assertRegex(wizard.blocked_html, f"{no_commitment.name}</td>.*Valbonne requires a commitment number")
        self.assertIn("Confirm the invoice before sending it", wizard.blocked_html)
        wizard.action_send()
        self.assertEqual(good.l10n_fr_chorus_state, "deposited")
        self.assertEqual((no_service | no_commitment).mapped("l10n_fr_chorus_state"), ["to_send", "to_send"])
        self.assertEqual(self.deposits(), 1)

    def assertCheck(self, invoice, fragment):
        errors = "\n".join(invoice._l10n_fr_chorus_check())
        self.assertIn(invoice.name, errors)
        self.assertIn(fragment, errors)

    def test_each_check_names_the_invoice_and_the_fix(self):
        services = self.montreuil.with_context(active_test=False).l10n_fr_chorus_service_ids
        inactive = services.filtered(lambda s: s.code == "ANCIEN_SERVICE")
        ecoles = services.filtered(lambda s: s.code == "ECOLES")
        self.assertCheck(self.make_invoice(self.montreuil, buyer_reference="FACTURES_PUBLIQUES"),
                         "FACTURES_PUBLIQUES is reserved")
        self.assertCheck(self.make_invoice(self.montreuil, l10n_fr_chorus_service_id=inactive.id),
                         "is inactive on Chorus Pro: choose another service")
        self.assertCheck(self.make_invoice(self.montreuil, buyer_reference="NOPE"),
                         "the service code NOPE is unknown to Chorus Pro")
        self.assertCheck(self.make_invoice(self.montreuil, l10n_fr_chorus_service_id=ecoles.id),
                         "requires a commitment number")
        self.assertCheck(self.make_invoice(self.hospital, purchase_order_reference="X" * 51),
                         "the commitment number has 51 characters")
        self.assertCheck(self.make_invoice(self.lycee, partner_bank_id=False), "choose the bank account")
        self.assertCheck(self.make_invoice(self.lycee, currency_id=self.other_currency.id),
                         "only takes invoices in euros")
        unchecked = self.env["res.partner"].create({"name": "Mairie", "is_company": True,
                                                    "siret": "21130055300016"})
        unchecked.l10n_fr_chorus_client = True
        self.assertCheck(self.make_invoice(unchecked), "press « Check on Chorus Pro » on the client Mairie")
        bad = self.env["ir.attachment"].create({"name": "x" * 47 + ".exe", "raw": b"MZ"})
        self.assertCheck(self.make_invoice(self.lycee, l10n_fr_chorus_attachment_ids=[(6, 0, bad.ids)]),
                         "has a file type Chorus Pro refuses")
        self.assertCheck(self.make_invoice(self.lycee, l10n_fr_chorus_attachment_ids=[(6, 0, bad.ids)]),
                         "is longer than 50 characters")

    def test_fixing_the_invoice_clears_the_error(self):
        invoice = self.make_invoice(self.montreuil)
        invoice._l10n_fr_chorus_send()
        self.assertEqual(invoice.l10n_fr_chorus_state, "error")
        self.assertIn("requires a service code", invoice.l10n_fr_chorus_error)
        invoice.l10n_fr_chorus_service_id = self.service_technique
        self.assertEqual(invoice.l10n_fr_chorus_state, "to_send")
        self.assertEqual(invoice.buyer_reference, "SERVICES_TECHNIQUES")

    def test_default_service_of_the_invoicing_contact(self):
        contact = self.env["res.partner"].create({
            "name": "Services techniques", "parent_id": self.montreuil.id, "type": "invoice",
            "l10n_fr_chorus_default_service_id": self.service_technique.id,
        })
        invoice = self.make_invoice(contact, post=False)
        self.assertEqual(invoice.l10n_fr_chorus_service_id, self.service_technique)
        self.assertEqual(invoice.buyer_reference, "SERVICES_TECHNIQUES")

    # ------------------------------------------------------------------ rights
    def test_user_outside_the_transfer_group_cannot_send(self):
        user = self.env["res.users"].create({
            "name": "Comptable", "login": "comptable_chorus", "company_id": self.company.id,
            "company_ids": [(6, 0, self.company.ids)],
            "groups_id": [(6, 0, [self.env.ref("account.group_account_manager").id])],
        })
        invoice = self.make_invoice(self.lycee)
        with self.assertRaises(AccessError):
            invoice.with_user(user).action_l10n_fr_chorus_send()
        with self.assertRaises(AccessError):
            invoice.with_user(user)._l10n_fr_chorus_send()
        self.assertEqual(self.deposits(), 0)
        user.groups_id += self.env.ref("l10n_fr_chorus_pro.group_l10n_fr_chorus_transfer")
        invoice.with_user(user)._l10n_fr_chorus_send()
        self.assertEqual(invoice.l10n_fr_chorus_state, "deposited")

    # ------------------------------------------------------------------ exactly once
    def test_deposited_invoice_is_not_sent_twice(self):
        invoice = self.make_invoice(self.lycee)
        invoice._l10n_fr_chorus_send()
        sent, message = invoice._l10n_fr_chorus_send()[invoice]
        self.assertFalse(sent)
        self.assertIn("already sent to Chorus Pro", message)
        self.assertEqual(self.deposits(), 1)

    def test_rejected_invoice_is_replaced_not_resent(self):
        # the buyer's rejection: Chorus Pro keeps the number and would refuse it again (issue 13)
        invoice = self.make_invoice(self.lycee)
        invoice._l10n_fr_chorus_send()
        self.sandbox.state.advance(flows_to_final=True)
        invoice._l10n_fr_chorus_apply_status(InvoiceState("REJETEE", comment="Mauvais destinataire"))
        self.assertEqual(invoice.l10n_fr_chorus_state, "rejected")
        sent, message = invoice._l10n_fr_chorus_send()[invoice]
        self.assertFalse(sent)
        self.assertIn("Replace the Rejected Invoice", message)
        self.assertEqual(self.deposits(), 1)
        action = invoice.action_l10n_fr_chorus_replace()
        new = self.env["account.move"].browse(action["res_id"])
        credit_note = invoice.reversal_move_ids
        self.assertEqual(invoice.payment_state, "reversed", "cancelled in the books")
        self.assertFalse(credit_note.l10n_fr_chorus_transfer, "the credit note is not sent to Chorus Pro")
        self.assertEqual(credit_note.l10n_fr_chorus_state, "not_concerned")
        self.assertIn("Not sent to Chorus Pro", credit_note.message_ids[0].body)
        self.assertEqual((new.state, new.l10n_fr_chorus_transfer, new.purchase_order_reference),
                         ("draft", True, invoice.purchase_order_reference))
        self.assertFalse(invoice.activity_ids)
        new.invoice_date = invoice.invoice_date
        new.action_post()
        self.assertNotEqual(new.name, invoice.name)
        self.assertTrue(new._l10n_fr_chorus_send()[new][0])
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(self.deposits(), 2, "the new invoice only; never the credit note, never the old number")

    # ------------------------------------------------------------------ faults
    def test_server_errors_leave_a_clear_retryable_error_and_nothing_sent(self):
        # 429: surely not taken; 5xx: maybe taken, so Chorus Pro is searched before any new deposit
        for fault, state, fragment in (("429", "error", "cannot be reached"),
                                       ("500", "sending", "no answer from Chorus Pro after the deposit"),
                                       ("503", "sending", "no answer from Chorus Pro after the deposit")):
            with self.subTest(fault=fault):
                invoice = self.make_invoice(self.lycee)
                self.sandbox.state.add_fault("factures/deposer/flux", fault)
                sent, message = invoice._l10n_fr_chorus_send()[invoice]
                self.assertFalse(sent)
                self.assertIn(fragment, message)
                self.assertEqual(invoice.l10n_fr_chorus_state, state)
                self.assertTrue(invoice.l10n_fr_chorus_error_retryable)
                self.assertEqual(self.sandbox_flows(), [], "the sandbox recorded nothing")
                # the scheduled send tries again: searches Chorus Pro first when needed, deposits once
                self.run_cron("_cron_l10n_fr_chorus_send")
                self.assertEqual(invoice.l10n_fr_chorus_state, "deposited")
                self.assertEqual(len(self.sandbox_flows()), 1)
                self.sandbox.state.reset()

    def test_unsubscribed_factures_api(self):
        invoice = self.make_invoice(self.lycee)
        self.sandbox.state.set_subscriptions(["structures", "transverses"])
        invoice._l10n_fr_chorus_send()
        self.assertEqual(invoice.l10n_fr_chorus_state, "error")
        self.assertIn("not subscribed to the Chorus Pro API « Factures »", invoice.l10n_fr_chorus_error)

    def test_expired_token_is_renewed(self):
        invoice = self.make_invoice(self.lycee)
        self.sandbox.state.add_fault("factures/deposer/flux", "401")
        invoice._l10n_fr_chorus_send()
        self.assertEqual(invoice.l10n_fr_chorus_state, "deposited")
        self.assertEqual(len(self.sandbox_flows()), 1)

    def test_dropped_connection_after_the_deposit_is_never_sent_twice(self):
        invoice = self.make_invoice(self.lycee)
        self.sandbox.state.add_fault("factures/deposer/flux", "drop_after_record")
        sent, message = invoice._l10n_fr_chorus_send()[invoice]
        self.assertFalse(sent)
        self.assertIn("no answer from Chorus Pro after the deposit", message)
        self.assertEqual(invoice.l10n_fr_chorus_state, "sending")
        self.assertEqual(len(self.sandbox_flows()), 1, "Chorus Pro did record it")
        # Chorus Pro integrates it; the next attempt finds it instead of depositing again
        self.sandbox.state.advance(flows_to_final=True)
        sent, message = invoice._l10n_fr_chorus_send()[invoice]
        self.assertTrue(sent, message)
        self.assertIn("linked to it, not sent again", message)
        self.assertEqual(invoice.l10n_fr_chorus_state, "integrated")
        self.assertEqual(invoice.l10n_fr_chorus_flow_id.name, self.sandbox_flows()[0].number)
        self.assertEqual(self.deposits(), 1)

    def test_timeout_after_the_deposit_is_an_unknown_outcome_resolved_without_a_second_deposit(self):
        # Odoo's test base raises any HTTP timeout under 10 s to 10 s: the sandbox answers after 11 s
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.timeout", "1")
        invoice = self.make_invoice(self.lycee)
        self.sandbox.state.add_fault("factures/deposer/flux", "timeout", delay=11)
        sent, message = invoice._l10n_fr_chorus_send()[invoice]
        self.assertFalse(sent)
        self.assertIn("no answer from Chorus Pro after the deposit (Chorus Pro factures/deposer/flux: timeout", message)
        self.assertEqual(invoice.l10n_fr_chorus_state, "sending")
        for _wait in range(40):  # Chorus Pro records it once its (slow) answer is over
            if self.sandbox_flows():
                break
            time.sleep(0.1)
        self.sandbox.state.advance(flows_to_final=True)
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(invoice.l10n_fr_chorus_state, "integrated")
        self.assertEqual(len(self.sandbox_flows()), 1, "recorded once by Chorus Pro, never deposited again")

    def test_no_new_attempt_before_chorus_pro_had_time_to_integrate(self):
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.unknown_outcome_delay", "60")
        invoice = self.make_invoice(self.lycee)
        self.sandbox.state.add_fault("factures/deposer/flux", "drop_after_record")
        invoice._l10n_fr_chorus_send()
        self.assertEqual(invoice.l10n_fr_chorus_state, "sending")
        # the flow is not integrated yet: searching now would find nothing and deposit a duplicate
        sent, message = invoice._l10n_fr_chorus_send()[invoice]
        self.assertFalse(sent)
        self.assertIn("is given until", message)
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(self.deposits(), 1)
        self.assertEqual(invoice.l10n_fr_chorus_state, "sending")
        self.assertTrue(invoice.l10n_fr_chorus_error_retryable, "the scheduled send will come back")

    def test_malformed_answer_is_an_unknown_outcome(self):
        invoice = self.make_invoice(self.lycee)
        self.sandbox.state.add_fault("factures/deposer/flux", "malformed_json")
        invoice._l10n_fr_chorus_send()
        self.assertEqual(invoice.l10n_fr_chorus_state, "sending")
        self.assertTrue(invoice.l10n_fr_chorus_unknown_outcome)

    def test_sandbox_down_loses_nothing(self):
        invoice = self.make_invoice(self.lycee)
        self.company.l10n_fr_chorus_sandbox_url = "http://127.0.0.1:9"
        try:
            invoice._l10n_fr_chorus_send()
        finally:
            self.company.l10n_fr_chorus_sandbox_url = self.sandbox.url
        self.assertEqual(invoice.l10n_fr_chorus_state, "error")
        self.assertFalse(invoice.l10n_fr_chorus_unknown_outcome, "refused connection: surely not sent")
        invoice._l10n_fr_chorus_send()
        self.assertEqual(invoice.l10n_fr_chorus_state, "deposited")

    # ------------------------------------------------------------------ scheduled send
    def test_scheduled_send_honours_the_start_date_and_goes_on_after_failures(self):
        self.company.l10n_fr_chorus_start_date = "2026-11-01"
        before = self.make_invoice(self.lycee, invoice_date="2026-10-31")
        after = self.make_invoice(self.lycee, invoice_date="2026-11-02")
        broken = self.make_invoice(self.montreuil, invoice_date="2026-11-02")  # no service code
        also = self.make_invoice(self.lycee, invoice_date="2026-11-03")
        unticked = self.make_invoice(self.lycee, invoice_date="2026-11-02")
        unticked.l10n_fr_chorus_transfer = False
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(before.l10n_fr_chorus_state, "to_send")
        self.assertEqual((after | also).mapped("l10n_fr_chorus_state"), ["deposited", "deposited"])
        self.assertEqual(broken.l10n_fr_chorus_state, "error")
        self.assertEqual(unticked.l10n_fr_chorus_state, "not_concerned")
        self.assertEqual(self.deposits(), 2)
        # a second run sends nothing more; a temporary failure is retried
        retry = self.make_invoice(self.lycee, invoice_date="2026-11-04")
        self.sandbox.state.add_fault("factures/deposer/flux", "503")
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(retry.l10n_fr_chorus_state, "sending")
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(retry.l10n_fr_chorus_state, "deposited")
        self.assertEqual(len(self.sandbox_flows()), 3)

    def test_grouped_deposits(self):
        self.company.l10n_fr_chorus_group_size = 2
        invoices = self.make_invoice(self.lycee) | self.make_invoice(self.lycee) | self.make_invoice(self.lycee)
        broken = self.make_invoice(self.montreuil)  # no service code: left out, the others still go
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(set(invoices.mapped("l10n_fr_chorus_state")), {"deposited"})
        self.assertEqual(broken.l10n_fr_chorus_state, "error")
        self.assertEqual(sorted(len(f.move_ids) for f in invoices.l10n_fr_chorus_flow_id), [1, 2])
        self.assertEqual(self.deposits(), 2)
        self.assertTrue(invoices[0].l10n_fr_chorus_flow_id.attachment_id.name.endswith(".tar.gz"))
        for invoice in invoices:  # each invoice's chatter says it, with its own flow as the tracked change
            flow = invoice.l10n_fr_chorus_flow_id
            [message] = invoice.message_ids.filtered(lambda m, f=flow: f.name in str(m.body))
            tracked = message.tracking_value_ids.filtered(lambda t: t.field_id.name == "l10n_fr_chorus_flow_id")
            self.assertEqual(tracked.new_value_integer, flow.id, invoice.name)
        self.sandbox.state.advance(flows_to_final=True)
        self.run_cron("_cron_l10n_fr_chorus_sync")
        self.assertEqual(set(invoices.mapped("l10n_fr_chorus_state")), {"integrated"})
        self.assertEqual(len(set(invoices.mapped("l10n_fr_chorus_invoice_cpp"))), 3)

    def test_send_and_print_uses_chorus_pro(self):
        invoice = self.make_invoice(self.lycee)
        self.assertEqual(
            self.env["account.move.send"]._get_default_sending_method(invoice), "chorus_pro")
        self.env["account.move.send"]._generate_and_send_invoices(invoice, sending_methods={"chorus_pro"})
        self.assertEqual(invoice.l10n_fr_chorus_state, "deposited")


@tagged("post_install", "-at_install")
class TestConcurrentSend(BaseCase):
    """Two workers run the scheduled send at the same time, on committed data: each invoice leaves once.

    What the test commits (invoices, their flows and files, a product, the sync's trigger, the company's and the
    buyer's Chorus Pro settings) is removed or restored by a cleanup, so that the next run in the same database,
    or a server started on it, finds the database as it was.
    """

    COMPANY_FIELDS = ["l10n_fr_chorus_sandbox_url", "l10n_fr_chorus_environment", "l10n_fr_chorus_start_date",
                      "l10n_fr_chorus_format"]
    BUYER_FIELDS = ["l10n_fr_chorus_structure_cpp", "l10n_fr_chorus_structure_name", "l10n_fr_chorus_structure_state",
                    "l10n_fr_chorus_service_required", "l10n_fr_chorus_commitment_required",
                    "l10n_fr_chorus_service_or_commitment", "l10n_fr_chorus_payment_hidden", "l10n_fr_chorus_phone",
                    "l10n_fr_chorus_last_check", "l10n_fr_chorus_check_message", "l10n_fr_chorus_default_service_id"]

    def _snapshot(self, env, company, buyer):
        """What the test will change, as it is before; the cleanup puts it back."""

        def last_id(table):
            env.cr.execute(SQL("SELECT COALESCE(MAX(id), 0) FROM %s", SQL.identifier(table)))
            return env.cr.fetchone()[0]

        return {
            "company": (company.id, company.read(self.COMPANY_FIELDS, load=None)[0]),
            "buyer": (buyer.id, buyer.read(self.BUYER_FIELDS, load=None)[0]),
            "services": set(buyer.l10n_fr_chorus_service_ids.ids),
            "last_trigger": last_id("ir_cron_trigger"),
            "last_message": last_id("mail_message"),
            "moves": [],
            "product": None,
        }

    def _cleanup(self, registry, saved):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            moves = env["account.move"].browse(saved["moves"]).exists()
            # the flows (evidence of deposits, deleted by the addon's own way) and their files, then the invoices
            env["l10n_fr_chorus.flow"].search([("move_ids", "in", moves.ids)])._l10n_fr_chorus_unlink()
            moves.invalidate_recordset()
            moves.filtered(lambda m: m.state == "posted").button_draft()
            moves.with_context(force_delete=True).unlink()
            if saved["product"]:
                env["product.product"].browse(saved["product"]).exists().product_tmpl_id.unlink()
            company_id, company_values = saved["company"]
            env["res.company"].browse(company_id).write(
                {key: value for key, value in company_values.items() if key != "id"})
            buyer_id, buyer_values = saved["buyer"]
            buyer = env["res.partner"].browse(buyer_id)
            buyer.write({key: value for key, value in buyer_values.items() if key != "id"})
            buyer.with_context(active_test=False).l10n_fr_chorus_service_ids.filtered(
                lambda s: s.id not in saved["services"]).unlink()
            cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [saved["last_trigger"]])
            env["mail.message"].search([("model", "=", "res.partner"), ("res_id", "=", buyer_id),
                                        ("id", ">", saved["last_message"])]).unlink()

    def test_two_workers_send_each_invoice_once(self):
        registry = Registry(get_db_name())
        sandbox = SandboxServer(port=0).start()
        self.addCleanup(sandbox.stop)
        clear_token_cache()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.demo_company_fr", raise_if_not_found=False)
            self.assertTrue(company, "the test database has the demo data")
            env = env(context={"allowed_company_ids": company.ids})
            buyer = env.ref("l10n_fr_chorus_pro.partner_lycee_jean_moulin").with_company(company)
            saved = self._snapshot(env, company, buyer)
            self.addCleanup(self._cleanup, registry, saved)
            company.write({"l10n_fr_chorus_sandbox_url": sandbox.url, "l10n_fr_chorus_environment": "sandbox",
                           "l10n_fr_chorus_start_date": "2020-01-01", "l10n_fr_chorus_format": "ubl"})
            buyer.action_l10n_fr_chorus_check()
            product = env["product.product"].create({"name": "Travaux de peinture", "list_price": 500})
            saved["product"] = product.id
            invoices = env["account.move"].create([{
                "move_type": "out_invoice",
                "company_id": company.id,
                "partner_id": buyer.id,
                "invoice_date": "2026-11-02",
                "partner_bank_id": env.ref("base.demo_bank_fr").id,
                "invoice_line_ids": [Command.create({"product_id": product.id, "price_unit": 500.0})],
            } for _i in range(6)])
            saved["moves"] = invoices.ids
            invoices.action_post()
            ids = invoices.ids
        # every deposit takes a while, so that both workers are busy at the same time
        sandbox.state.add_fault("factures/deposer/flux", "timeout", count=12, delay=0.3)

        def worker():
            with registry.cursor() as cr:
                # the test runner holds the registry lock: hand the registry over instead of looking it up
                cr.transaction = api.Transaction(registry)
                api.Environment(cr, SUPERUSER_ID, {})["account.move"]._cron_l10n_fr_chorus_send()

        threads = [threading.Thread(target=worker) for _i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        deposited = [p.number for flow in sandbox.state.flows.values() for p in flow.parsed]
        with registry.cursor() as cr:
            moves = api.Environment(cr, SUPERUSER_ID, {})["account.move"].browse(ids)
            counts = Counter(deposited)
            self.assertEqual([counts[name] for name in moves.mapped("name")], [1] * len(moves),
                             "each invoice deposited exactly once")
            self.assertEqual(set(moves.mapped("l10n_fr_chorus_state")), {"deposited"})
