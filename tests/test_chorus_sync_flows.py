"""The status sync after a mass send: integrated flows are read from the period search (which lists each invoice's
flow), a flow report is asked only for what the search cannot tell — a flow partly listed (some invoices refused),
or not listed within the expected integration time (refused, incident, late)."""

from odoo.tests import tagged

from .common import ChorusInvoiceCase

REPORT = "transverses/consulterCRDetaille"
SEARCH = "factures/rechercher/fournisseur"


@tagged("post_install", "-at_install")
class TestChorusSyncFlows(ChorusInvoiceCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.flow_report_delay", "30")

    def sync(self):
        self.run_cron("_cron_l10n_fr_chorus_sync")

    def calls(self, operation):
        return self.sandbox.state.calls[operation]

    def sent(self, invoices, group_size=1):
        for invoice, (sent, message) in invoices._l10n_fr_chorus_send(group_size=group_size).items():
            self.assertTrue(sent, f"{invoice.name}: {message}")
        return invoices

    def test_integrated_flows_are_settled_by_the_search_without_reports(self):
        invoices = self.sent(self.make_invoice() | self.make_invoice() | self.make_invoice() | self.make_invoice())
        self.assertEqual(len(invoices.l10n_fr_chorus_flow_id), 4)
        self.sandbox.state.advance(flows_to_final=True)
        self.sync()
        self.assertEqual(self.calls(REPORT), 0, "no flow report: the search listed every invoice")
        self.assertEqual(self.calls(SEARCH), 1)
        self.assertEqual(set(invoices.l10n_fr_chorus_flow_id.mapped("state")), {"IN_INTEGRE"})
        self.assertEqual(set(invoices.mapped("l10n_fr_chorus_state")), {"integrated"})
        self.assertTrue(all(invoices.mapped("l10n_fr_chorus_invoice_cpp")))
        self.assertEqual(set(invoices.mapped("l10n_fr_chorus_status")), {"DEPOSEE"})
        self.sync()
        self.assertEqual((self.calls(REPORT), self.calls(SEARCH)), (0, 2), "nothing changed: one search")

    def test_a_flow_not_integrated_yet_is_not_reported_before_the_delay(self):
        invoice = self.sent(self.make_invoice())
        self.sync()  # Chorus Pro has not processed the flow yet
        self.assertEqual(self.calls(REPORT), 0)
        self.assertEqual(invoice.l10n_fr_chorus_state, "deposited")
        self.sandbox.state.advance(flows_to_final=True)
        self.sync()
        self.assertEqual(self.calls(REPORT), 0)
        self.assertEqual(invoice.l10n_fr_chorus_flow_id.state, "IN_INTEGRE")

    def test_a_rejected_flow_is_reported_once_the_delay_is_over(self):
        invoice = self.sent(self.make_invoice())
        flow = invoice.l10n_fr_chorus_flow_id
        self.sandbox.state.set_flow_state(flow.name, "IN_REJETE", "Le fichier n'est pas conforme au format annoncé")
        self.sync()
        self.assertEqual(self.calls(REPORT), 0, "within the integration time, the search is enough")
        self.assertEqual((flow.state, invoice.l10n_fr_chorus_state), ("IN_RECU", "deposited"))
        self.env.cr.execute("UPDATE l10n_fr_chorus_flow SET deposit_date = deposit_date - interval '31 minutes' "
                            "WHERE id = %s", [flow.id])
        self.env.invalidate_all()
        self.sync()
        self.assertEqual(self.calls(REPORT), 1)
        self.assertEqual((flow.state, invoice.l10n_fr_chorus_state), ("IN_REJETE", "rejected"))
        self.assertIn("n'est pas conforme au format annoncé", invoice.l10n_fr_chorus_rejection)
        self.sync()
        self.assertEqual(self.calls(REPORT), 1, "a final flow is never reported again")

    def test_the_report_delay_is_half_an_hour_unless_set(self):
        Param = self.env["ir.config_parameter"].sudo()
        Param.set_param("l10n_fr_chorus_pro.flow_report_delay", False)  # unset: the default
        self.assertEqual(self.env["l10n_fr_chorus.sync"]._flow_report_delay(), 30)
        Param.set_param("l10n_fr_chorus_pro.flow_report_delay", "not a number")
        self.assertEqual(self.env["l10n_fr_chorus.sync"]._flow_report_delay(), 30)
        Param.set_param("l10n_fr_chorus_pro.flow_report_delay", "90")
        self.assertEqual(self.env["l10n_fr_chorus.sync"]._flow_report_delay(), 90)

    def test_a_partly_listed_flow_is_reported_at_once(self):
        """Two invoices in one flow, Chorus Pro refuses one (a project manager it does not know): the search lists
        the other, so the report is asked for at once to say why the first was refused."""
        unknown_moe = self.make_public_buyer("Cabinet inconnu", "12345678200010", flag=False)
        works = self.env["l10n_fr_chorus.contract"].create({
            "name": "2026-TRAV-099", "partner_id": self.lycee.id, "is_works": True, "moe_id": unknown_moe.id})
        piece = self.make_invoice(l10n_fr_chorus_contract_id=works.id,
                                  l10n_fr_chorus_billing_frame="A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR")
        ordinary = self.make_invoice()
        self.sent(piece | ordinary, group_size=2)
        self.assertEqual(piece.l10n_fr_chorus_flow_id, ordinary.l10n_fr_chorus_flow_id)
        self.sandbox.state.advance(flows_to_final=True)
        self.sync()
        self.assertEqual(self.calls(REPORT), 1)
        self.assertEqual(ordinary.l10n_fr_chorus_flow_id.state, "IN_INTEGRE_PARTIEL")
        self.assertEqual(ordinary.l10n_fr_chorus_state, "integrated")
        self.assertEqual(piece.l10n_fr_chorus_state, "rejected")
        self.assertIn("La maîtrise d'œuvre 12345678200010", piece.l10n_fr_chorus_rejection)
