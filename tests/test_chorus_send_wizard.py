"""The send wizard: counts at the top, full numbers, reasons that fit, and big batches in the background."""

from odoo import Command
from odoo.tests import tagged

from .common import ChorusInvoiceCase

BIG = 55


@tagged("post_install", "-at_install")
class TestSendWizard(ChorusInvoiceCase):
    def open_wizard(self, moves):
        action = moves.action_l10n_fr_chorus_send()
        self.assertEqual(action["context"]["dialog_size"], "extra-large", "wide enough for full numbers")
        return self.env[action["res_model"]].browse(action["res_id"])

    def make_invoices(self, count):
        vals = [{
            "move_type": "out_invoice",
            "partner_id": self.lycee.id,
            "invoice_date": "2026-11-02",
            "partner_bank_id": self.bank.id,
            "invoice_line_ids": [Command.create({"product_id": self.product_a.id, "price_unit": 100.0 + index,
                                                 "tax_ids": [Command.set(self.tax_sale_a.ids)]})],
        } for index in range(count)]
        moves = self.env["account.move"].create(vals)
        moves.action_post()
        return moves

    def test_counts_and_a_client_that_is_not_a_chorus_pro_client(self):
        good = self.make_invoice(self.lycee)
        private = self.make_invoice(self.partner_a)
        wizard = self.open_wizard(good | private)
        self.assertEqual((wizard.ready_count, wizard.blocked_count, wizard.background), (1, 1, False))
        html = str(wizard.blocked_html)
        self.assertIn(f">{private.name}</td>", html, "the full number, in its own column")
        self.assertIn(f"Not concerned: the client {self.partner_a.name} is not a « Client Chorus Pro »", html)
        self.assertNotIn("SIRET", html)

    def test_big_batch_runs_in_the_background_with_progress(self):
        moves = self.make_invoices(BIG)
        wizard = self.open_wizard(moves)
        self.assertEqual((wizard.ready_count, wizard.background), (BIG, True))
        cron = self.env.ref("l10n_fr_chorus_pro.ir_cron_l10n_fr_chorus_send_batch")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        wizard.action_send()
        self.assertEqual(wizard.state, "background")
        batch = wizard.batch_id
        self.assertEqual((batch.state, batch.total_count, batch.done_count, wizard.batch_progress),
                         ("queued", BIG, 0, 0))
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers + 1,
                         "the background job is woken at once")
        self.assertEqual(set(moves.mapped("l10n_fr_chorus_state")), {"to_send"}, "nothing sent in the request")

        model = self.env["l10n_fr_chorus.send.batch"].sudo()
        progress = []
        sent_notifications = []
        users = type(self.env["res.users"])
        self.patch(users, "_bus_send", lambda user, kind, payload: sent_notifications.append((user, kind, payload)))
        while batch.state != "done":
            remaining = model._cron_send_batches()
            self.env.invalidate_all()  # what the wizard shows on « Refresh »
            progress.append((batch.done_count, round(wizard.batch_progress), remaining))
            self.assertLessEqual(len(progress), 10)
        self.assertEqual(progress[0], (10, 18, BIG - 10))
        self.assertEqual(progress[-1], (BIG, 100, 0))
        self.assertEqual([done for done, _p, _r in progress], [10, 20, 30, 40, 50, 55])
        self.assertEqual((batch.sent_count, batch.failed_count), (BIG, 0))
        self.assertEqual(set(moves.mapped("l10n_fr_chorus_state")), {"deposited"})
        self.assertEqual(len(self.sandbox_flows()), BIG)
        for move in moves:
            self.assertIn(move.name, batch.result_html)
        # the requester is told it is over
        [(user, kind, payload)] = sent_notifications
        self.assertEqual((user, kind, payload["title"]), (self.env.user, "simple_notification",
                                                          "Chorus Pro: background send finished"))
        self.assertIn(f"{BIG} sent, 0 not sent", payload["message"])
        # a run with nothing left does nothing
        self.assertEqual(model._cron_send_batches(), 0)
