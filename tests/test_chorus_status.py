"""Following invoices after sending: flow reports, statuses, history, activities, pagination, faults."""

from odoo.tests import tagged

from .common import ChorusInvoiceCase


@tagged("post_install", "-at_install")
class TestChorusStatus(ChorusInvoiceCase):
    def sent_invoice(self, partner=None, **vals):
        invoice = self.make_invoice(partner or self.lycee, **vals)
        sent, message = invoice._l10n_fr_chorus_send()[invoice]
        self.assertTrue(sent, message)
        return invoice

    def sync(self):
        self.run_cron("_cron_l10n_fr_chorus_sync")
        self.env.cr.precommit.run()  # what a commit does: the chatter tracking of this run

    def calls(self, operation):
        return self.sandbox.state.calls[operation]

    def statuses(self, invoice):
        return [h.status for h in invoice.l10n_fr_chorus_history_ids.sorted(lambda h: (h.date, h.id))]

    def chorus_activities(self, invoice):
        return invoice.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("l10n_fr_chorus_pro.mail_activity_type_chorus"))

    def test_integrated_flow_links_the_invoice_then_statuses_follow_to_payment(self):
        invoice = self.sent_invoice()
        self.sync()
        self.assertEqual(invoice.l10n_fr_chorus_flow_id.state, "IN_RECU")
        self.assertEqual(invoice.l10n_fr_chorus_state, "deposited")
        self.sandbox.state.advance(flows_to_final=True)
        self.sync()
        self.assertEqual(invoice.l10n_fr_chorus_flow_id.state, "IN_INTEGRE")
        self.assertTrue(invoice.l10n_fr_chorus_invoice_cpp)
        self.assertEqual(invoice.l10n_fr_chorus_status, "DEPOSEE")
        self.assertEqual((invoice.l10n_fr_chorus_state, invoice.l10n_fr_chorus_summary), ("integrated", "in_progress"))
        for _step in range(3):
            self.sandbox.state.advance()
            self.sync()
        self.assertEqual(invoice.l10n_fr_chorus_status, "SERVICE_FAIT")
        self.sandbox.state.advance(steps=10)
        self.sync()
        self.assertEqual(invoice.l10n_fr_chorus_status, "MISE_EN_PAIEMENT")
        self.assertEqual((invoice.l10n_fr_chorus_state, invoice.l10n_fr_chorus_summary), ("paid", "paid"))
        self.assertEqual(self.statuses(invoice), [
            "DEPOSEE", "MISE_A_DISPOSITION", "PRISE_EN_COMPTE_DESTINATAIRE", "SERVICE_FAIT", "MISE_EN_PAIEMENT"])
        tracked = invoice.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "l10n_fr_chorus_status")
        self.assertEqual(len(tracked), 5, "every change is in the chatter")
        # a paid invoice is not polled any more
        searches = self.calls("factures/rechercher/fournisseur")
        self.sync()
        self.assertEqual(self.calls("factures/rechercher/fournisseur"), searches)

    def test_manual_refresh_reads_the_whole_dated_history(self):
        invoice = self.sent_invoice()
        self.sandbox.state.advance(flows_to_final=True)
        self.sandbox.state.advance(steps=4)
        invoice.action_l10n_fr_chorus_refresh_status()
        self.assertEqual(invoice.l10n_fr_chorus_status, "MANDATEE")
        self.assertEqual(self.statuses(invoice), [
            "DEPOSEE", "MISE_A_DISPOSITION", "PRISE_EN_COMPTE_DESTINATAIRE", "SERVICE_FAIT", "MANDATEE"])

    def test_suspended_then_completed_opens_then_closes_an_activity(self):
        invoice = self.sent_invoice(invoice_user_id=self.env.user.id)
        self.sandbox.state.advance(flows_to_final=True)
        self.sync()
        self.sandbox.state.set_invoice_status("SUSPENDUE", invoice_number=invoice.name,
                                              comment="Bon de livraison manquant")
        self.sync()
        self.assertEqual(invoice.l10n_fr_chorus_summary, "to_handle")
        activity = self.chorus_activities(invoice)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.env.user)
        self.assertIn("missing", activity.note)
        self.assertIn("Bon de livraison manquant", activity.note)
        self.assertIn("Bon de livraison manquant", "".join(invoice.message_ids.mapped("body")))
        self.sandbox.state.set_invoice_status("COMPLETEE", invoice_number=invoice.name)
        self.sync()
        self.assertFalse(self.chorus_activities(invoice), "the activity is done")
        self.assertEqual(invoice.l10n_fr_chorus_summary, "in_progress")
        self.assertEqual(self.statuses(invoice), ["DEPOSEE", "SUSPENDUE", "COMPLETEE"])

    def test_to_recycle_and_rejected(self):
        recycle = self.sent_invoice()
        rejected = self.sent_invoice()
        self.sandbox.state.advance(flows_to_final=True)
        self.sync()
        self.sandbox.state.set_invoice_status("A_RECYCLER", invoice_number=recycle.name, comment="Mauvais service")
        self.sandbox.state.set_invoice_status("REJETEE", invoice_number=rejected.name, comment="Doublon")
        self.sync()
        self.assertIn("recycle", self.chorus_activities(recycle).note)
        self.assertIn("credit note", self.chorus_activities(rejected).note)
        self.assertIn("Replace the Rejected Invoice", self.chorus_activities(rejected).note)
        self.assertEqual((rejected.l10n_fr_chorus_state, rejected.l10n_fr_chorus_summary), ("rejected", "rejected"))
        self.assertTrue(rejected.l10n_fr_chorus_is_final)
        # Chorus Pro keeps the rejected number: not resent (it is replaced), the history stays
        self.assertFalse(rejected._l10n_fr_chorus_send()[rejected][0])
        self.assertEqual(rejected.l10n_fr_chorus_state, "rejected")
        self.assertEqual(self.statuses(rejected), ["DEPOSEE", "REJETEE"])

    def test_rejected_flow_marks_its_invoice_with_the_reason(self):
        invoice = self.sent_invoice()
        self.sandbox.state.set_flow_state(invoice.l10n_fr_chorus_flow_id.name, "IN_REJETE",
                                          comment="Fichier illisible")
        self.sync()
        self.assertEqual(invoice.l10n_fr_chorus_state, "rejected")
        self.assertIn("Fichier illisible", invoice.l10n_fr_chorus_rejection)
        self.assertTrue(self.chorus_activities(invoice))
        self.assertTrue(invoice._l10n_fr_chorus_can_resend())

    def test_partially_integrated_flow(self):
        good = self.make_invoice(self.montreuil, l10n_fr_chorus_service_id=self.service_technique.id)
        doomed = self.make_invoice(self.montreuil, l10n_fr_chorus_service_id=self.service_technique.id)
        document = self.env["l10n_fr_chorus.document"]._build_group(good | doomed)
        client = self.company._l10n_fr_chorus_client()
        receipt = client.deposit(document["content"], document["filename"], document["syntax"])
        self.env["l10n_fr_chorus.sender"]._record_deposit(good | doomed, receipt, document)
        # as if the second invoice named a service the buyer closed: Chorus Pro refuses it alone
        [parsed_doomed] = [p for p in self.sandbox.state.flows[receipt.flow_number].parsed
                           if p.number == doomed.name]
        parsed_doomed.service_code = "ANCIEN_SERVICE"
        self.sandbox.state.advance(flows_to_final=True)
        self.sync()
        self.assertEqual(good.l10n_fr_chorus_flow_id.state, "IN_INTEGRE_PARTIEL")
        self.assertEqual(good.l10n_fr_chorus_state, "integrated")
        self.assertEqual(doomed.l10n_fr_chorus_state, "rejected")
        self.assertIn(doomed.name, doomed.l10n_fr_chorus_flow_id.error_message)

    def test_incident_flow_asks_to_send_again(self):
        invoice = self.sent_invoice()
        self.sandbox.state.set_flow_state(invoice.l10n_fr_chorus_flow_id.name, "IN_INCIDENTE")
        self.sync()
        self.assertEqual(invoice.l10n_fr_chorus_state, "rejected")
        self.assertIn("send the invoice again", invoice.l10n_fr_chorus_rejection)

    def test_statuses_across_several_pages_and_calls_grow_with_pages(self):
        invoices = self.env["account.move"]
        for _i in range(12):
            invoices |= self.sent_invoice()
        self.sandbox.state.advance(flows_to_final=True)
        self.sandbox.state.seed_invoices(230)  # other invoices of the supplier, changed in the same period
        searches = self.calls("factures/rechercher/fournisseur")
        self.sync()
        self.assertEqual(set(invoices.mapped("l10n_fr_chorus_status")), {"DEPOSEE"})
        self.assertEqual(self.calls("factures/rechercher/fournisseur") - searches, 3, "242 results, 100 a page")
        self.assertEqual(self.calls("factures/consulter/historique"), 0, "no per-invoice call")

    def test_a_fault_during_sync_loses_no_status_and_the_run_goes_on(self):
        first = self.sent_invoice()
        second = self.sent_invoice()
        # Chorus Pro rejects the second flow: the search never lists it, only its report can tell
        self.sandbox.state.set_flow_state(second.l10n_fr_chorus_flow_id.name, "IN_REJETE", "Fichier illisible")
        self.sandbox.state.advance(flows_to_final=True)
        # the second flow's report fails every retry; the first flow is settled by the search all the same
        self.sandbox.state.add_fault("transverses/consulterCRDetaille", "500", count=4)
        self.sync()
        self.assertEqual((first.l10n_fr_chorus_flow_id.state, second.l10n_fr_chorus_flow_id.state),
                         ("IN_INTEGRE", "IN_RECU"))
        self.assertEqual(second.l10n_fr_chorus_state, "deposited", "nothing is shown that Chorus Pro did not say")
        self.sync()
        self.assertEqual(second.l10n_fr_chorus_flow_id.state, "IN_REJETE", "the next run reads the report")
        self.assertEqual(second.l10n_fr_chorus_state, "rejected")
        # the status search fails: nothing is lost, the next run catches up
        self.sandbox.state.add_fault("factures/rechercher/fournisseur", "503", count=4)
        self.sandbox.state.advance()
        self.sync()
        self.sync()
        self.assertEqual(first.l10n_fr_chorus_status, "MISE_A_DISPOSITION")

    def test_buyer_without_payment_status_is_not_polled_forever(self):
        ministry = self.make_checked_buyer("Ministère", "11000201100010")
        daf = ministry.l10n_fr_chorus_service_ids.filtered(lambda s: s.code == "DAF_MARCHES")
        invoice = self.sent_invoice(ministry, l10n_fr_chorus_service_id=daf.id, purchase_order_reference="EJ-MIN-7781")
        self.sandbox.state.advance(flows_to_final=True)
        self.sandbox.state.advance(steps=12)
        self.sync()
        self.assertEqual(invoice.l10n_fr_chorus_status, "COMPTABILISEE")
        self.assertTrue(invoice.l10n_fr_chorus_is_final)
        searches = self.calls("factures/rechercher/fournisseur")
        self.sync()
        self.assertEqual(self.calls("factures/rechercher/fournisseur"), searches)

    def test_a_second_worker_skips_a_company_being_synchronised(self):
        self.sent_invoice()
        self.sandbox.state.advance(flows_to_final=True)
        with self.env.registry.cursor() as other:
            other.execute("SELECT pg_advisory_lock(%s, %s)", [74551, self.company.id])
            try:
                self.sync()
            finally:
                other.execute("SELECT pg_advisory_unlock(%s, %s)", [74551, self.company.id])
        self.assertEqual(self.calls("factures/rechercher/fournisseur"), 0)
        self.sync()
        self.assertEqual(self.calls("factures/rechercher/fournisseur"), 1)
