"""The history is complete whenever a person looks at it, without one call per invoice in the scheduled sync."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ChorusInvoiceCase

FORM_SPEC = {"name": {}, "l10n_fr_chorus_status": {},
             "l10n_fr_chorus_history_ids": {"fields": {"status": {}, "date": {}}}}
FULL = ["DEPOSEE", "MISE_A_DISPOSITION", "PRISE_EN_COMPTE_DESTINATAIRE", "SERVICE_FAIT", "MANDATEE"]


@tagged("post_install", "-at_install")
class TestChorusHistory(ChorusInvoiceCase):
    def sent_and_integrated(self, count=1):
        invoices = self.env["account.move"]
        for _i in range(count):
            invoice = self.make_invoice(self.lycee)
            invoice._l10n_fr_chorus_send()
            invoices |= invoice
        self.sandbox.state.advance(flows_to_final=True)
        self.run_cron("_cron_l10n_fr_chorus_sync")
        return invoices

    def shown(self, invoice):
        """What the invoice form shows (the web client's own read), oldest first."""
        [record] = invoice.web_read(FORM_SPEC)
        history = self.env["l10n_fr_chorus.status.history"].browse(
            [line["id"] for line in record["l10n_fr_chorus_history_ids"]])
        return [h.status for h in history.sorted(lambda h: (h.date, h.id))]

    def test_statuses_the_sync_did_not_see_are_there_when_someone_opens_the_invoice(self):
        invoices = self.sent_and_integrated(count=3)
        self.sandbox.state.advance(steps=4)  # four steps between two runs: the sync only sees the last
        histories = self.calls("factures/consulter/historique")
        self.run_cron("_cron_l10n_fr_chorus_sync")
        self.assertEqual(self.calls("factures/consulter/historique"), histories,
                         "the scheduled sync makes no call per invoice")
        self.assertEqual(set(invoices.mapped("l10n_fr_chorus_status")), {"MANDATEE"})
        self.assertEqual(set(invoices.mapped("l10n_fr_chorus_history_complete")), {False})
        # the accountant opens one invoice: its history is complete, from one call for that invoice only
        self.assertEqual(self.shown(invoices[0]), FULL)
        self.assertEqual(self.calls("factures/consulter/historique"), histories + 1)
        self.assertTrue(invoices[0].l10n_fr_chorus_history_complete)
        # opened again: nothing more to ask
        self.assertEqual(self.shown(invoices[0]), FULL)
        self.assertEqual(self.calls("factures/consulter/historique"), histories + 1)
        # the other invoices are completed when someone opens them, not before
        self.assertFalse(invoices[1].l10n_fr_chorus_history_complete)
        self.assertEqual(self.shown(invoices[1]), FULL)

    def test_chorus_pro_unreachable_shows_what_is_recorded_and_tries_at_the_next_look(self):
        [invoice] = self.sent_and_integrated()
        self.sandbox.state.advance(steps=4)
        self.run_cron("_cron_l10n_fr_chorus_sync")
        self.sandbox.state.add_fault("factures/consulter/historique", "503")
        self.assertEqual(self.shown(invoice), ["DEPOSEE", "MANDATEE"], "the form opens, with what is known")
        self.assertFalse(invoice.l10n_fr_chorus_history_complete)
        self.assertEqual(self.shown(invoice), FULL)

    def test_no_call_when_nothing_is_missing(self):
        [invoice] = self.sent_and_integrated()
        self.sandbox.state.advance()
        self.run_cron("_cron_l10n_fr_chorus_sync")
        invoice.action_l10n_fr_chorus_refresh_status()  # the manual update reads the whole history
        self.assertTrue(invoice.l10n_fr_chorus_history_complete)
        histories = self.calls("factures/consulter/historique")
        self.shown(invoice)
        self.assertEqual(self.calls("factures/consulter/historique"), histories)

    def test_the_flag_is_the_addons_own(self):
        [invoice] = self.sent_and_integrated()
        self.sandbox.state.advance(steps=2)
        self.run_cron("_cron_l10n_fr_chorus_sync")
        with self.assertRaises(AccessError):
            invoice.write({"l10n_fr_chorus_history_complete": True})

    def calls(self, operation):
        return self.sandbox.state.calls[operation]
