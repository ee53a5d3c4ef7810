"""Public contracts and works pieces, walked against the sandbox's works circuit (MOE, then MOA, then payment)."""

from unittest.mock import patch

import facturx
from lxml import etree

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from ..chorus_sandbox import data as sandbox_data
from ..chorus_sandbox.records import SandboxError
from .common import ChorusInvoiceCase

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


@tagged("post_install", "-at_install")
class TestChorusWorks(ChorusInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.moe = cls.make_public_buyer(sandbox_data.MOE_NAME, sandbox_data.MOE_SIRET, flag=False)
        cls.Contract = cls.env["l10n_fr_chorus.contract"]
        cls.works = cls.Contract.create({
            "name": "2026-TRAV-014", "title": "Rénovation du gymnase", "partner_id": cls.lycee.id,
            "commitment_numbers": "EJ-GYM-1, EJ-GYM-2", "is_works": True, "moe_id": cls.moe.id,
            "moe_service_code": "MOE_CHANTIERS", "contractor_role": "holder",
        })

    # ------------------------------------------------------------------ helpers
    def new_piece(self, kind="monthly", contract=None, post=True, price=10000.0):
        action = (contract or self.works).with_context(l10n_fr_chorus_piece_kind=kind).action_new_works_piece()
        piece = self.env["account.move"].browse(action["res_id"])
        piece.write({
            "invoice_date": "2026-11-30", "partner_bank_id": self.bank.id,
            "invoice_line_ids": [Command.create({"product_id": self.product_a.id, "price_unit": price,
                                                 "tax_ids": [Command.set(self.tax_sale_a.ids)]})],
        })
        if post:
            piece.action_post()
        return piece

    def send(self, move):
        sent, message = move._l10n_fr_chorus_send()[move]
        self.assertTrue(sent, message)
        return move

    def sync(self):
        self.run_cron("_cron_l10n_fr_chorus_sync")

    def on_chorus(self, move):
        self.send(move)
        self.sandbox.state.advance(flows_to_final=True)
        self.sync()
        self.assertTrue(move.l10n_fr_chorus_invoice_cpp, move.l10n_fr_chorus_rejection)
        return self.sandbox.state.find_invoice(invoice_number=move.name)

    def decide(self, move, actor, decision, **kwargs):
        self.sandbox.state.works_decide(actor, decision, invoice_number=move.name, **kwargs)

    # ------------------------------------------------------------------ contracts
    def test_invoices_take_the_contract_values_and_stay_editable(self):
        ordinary = self.Contract.create({
            "name": "2026-FOUR-003", "partner_id": self.montreuil.id, "service_id": self.service_technique.id,
            "commitment_numbers": "EJ-77", "billing_frame": "A9_FACTURE_SOUSTRAITANT"})
        form = Form(self.env["account.move"].with_context(default_move_type="out_invoice"))
        form.partner_id = self.montreuil
        form.l10n_fr_chorus_contract_id = ordinary
        self.assertEqual(form.l10n_fr_chorus_service_id, self.service_technique)
        self.assertEqual(form.buyer_reference, "SERVICES_TECHNIQUES")
        self.assertEqual(form.purchase_order_reference, "EJ-77")
        self.assertEqual(form.contract_reference, "2026-FOUR-003")
        self.assertEqual(form.l10n_fr_chorus_billing_frame, "A9_FACTURE_SOUSTRAITANT")
        form.purchase_order_reference = "EJ-78"
        with form.invoice_line_ids.new() as line:
            line.product_id = self.product_a
        invoice = form.save()
        self.assertEqual(invoice.purchase_order_reference, "EJ-78", "the invoice may fall under another commitment")
        self.assertEqual(ordinary.move_ids, invoice)
        invoice.action_post()
        self.assertEqual(ordinary.amount_invoiced, invoice.amount_total_signed)
        self.assertEqual(ordinary.amount_paid, 0)

    def test_contract_outside_chorus_pro_never_deposits(self):
        outside = self.Contract.create({"name": "2026-HORS-CPP", "partner_id": self.lycee.id,
                                        "chorus_transfer": False})
        invoice = self.make_invoice(self.lycee, l10n_fr_chorus_contract_id=outside.id)
        self.assertFalse(invoice.l10n_fr_chorus_transfer)
        self.assertEqual(invoice.l10n_fr_chorus_state, "not_concerned")
        self.run_cron("_cron_l10n_fr_chorus_send")
        sent, message = invoice._l10n_fr_chorus_send()[invoice]
        self.assertFalse(sent)
        self.assertIn("2026-HORS-CPP is invoiced outside Chorus Pro", message)
        invoice.l10n_fr_chorus_transfer = True  # ticked by hand against the contract
        sent, message = invoice._l10n_fr_chorus_send()[invoice]
        self.assertFalse(sent)
        self.assertIn("the contract 2026-HORS-CPP is invoiced outside Chorus Pro", message)
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(self.sandbox.state.calls["factures/deposer/flux"], 0)
        self.assertFalse(invoice.l10n_fr_chorus_flow_id)

    # ------------------------------------------------------------------ a monthly statement, deposit to payment
    def test_monthly_statement_validated_by_moe_then_moa_then_paid(self):
        piece = self.new_piece("monthly")
        self.assertEqual(piece.l10n_fr_chorus_billing_frame, "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR")
        self.assertEqual((piece.l10n_fr_chorus_moe_id, piece.contract_reference, piece.purchase_order_reference),
                         (self.moe, "2026-TRAV-014", "EJ-GYM-1"))
        held = self.on_chorus(piece)
        self.assertEqual((held.parsed.moe_siret, held.parsed.moe_service), (sandbox_data.MOE_SIRET, "MOE_CHANTIERS"))
        self.assertEqual(held.parsed.billing_frame, "A4")
        self.sandbox.state.advance()
        self.sync()
        self.assertEqual(piece.l10n_fr_chorus_status, "MISE_A_DISPOSITION_MOE")
        self.assertEqual(piece.l10n_fr_chorus_works_stage, "moe")
        self.assertEqual(piece.l10n_fr_chorus_billing_file, held.billing_file, "read from facturesTravaux")
        self.assertGreaterEqual(self.sandbox.state.calls["facturesTravaux/rechercher"], 1)
        self.decide(piece, "MOE", "validate", accepted_amount=9500)
        self.sandbox.state.advance(steps=2)
        self.sync()
        self.assertEqual(piece.l10n_fr_chorus_status, "PRISE_EN_COMPTE_MOA")
        self.assertEqual(piece.l10n_fr_chorus_works_stage, "moa")
        piece.action_l10n_fr_chorus_refresh_status()  # the full history, as when someone opens the piece
        moe_step = piece.l10n_fr_chorus_history_ids.filtered(lambda h: h.status == "TRANSMISE_MOA")
        self.assertIn("Montant admis par la maîtrise d'œuvre : 9500.00 € HT", moe_step.comment)
        self.decide(piece, "MOA", "validate")
        self.sandbox.state.advance(steps=3)
        self.sync()
        self.assertEqual(piece.l10n_fr_chorus_status, "MISE_EN_PAIEMENT")
        self.assertEqual((piece.l10n_fr_chorus_works_stage, piece.l10n_fr_chorus_state), ("paid", "paid"))
        self.assertTrue(piece.l10n_fr_chorus_is_final)
        self.assertEqual(self.works.chorus_paid_count, 1)
        self.assertEqual(self.sandbox.state.calls["factures/deposer/flux"], 1)

    def test_moe_silent_past_its_deadline_lets_the_piece_go_to_the_buyer(self):
        piece = self.new_piece("monthly")
        self.on_chorus(piece)
        self.sandbox.state.advance(steps=2)
        self.sandbox.state.works_expire(invoice_number=piece.name)
        self.sandbox.state.advance()
        self.sync()
        self.assertEqual(piece.l10n_fr_chorus_status, "TRANSMISE_MOA")
        self.assertIn("Délai de traitement de la maîtrise d'œuvre dépassé", piece.l10n_fr_chorus_status_comment)
        self.assertEqual(piece.l10n_fr_chorus_works_stage, "moa")

    # ------------------------------------------------------------------ refused by the MOE, re-issued
    def test_piece_refused_by_moe_is_reissued_not_resent(self):
        piece = self.new_piece("monthly")
        self.on_chorus(piece)
        self.sandbox.state.advance(steps=2)
        with self.assertRaisesRegex(SandboxError, "erreur de montant ne permet pas de refuser"):
            self.decide(piece, "MOE", "refuse", reason="Erreur de montant")
        self.decide(piece, "MOE", "refuse", reason="Pièce justificative manquante ou illisible",
                    comment="Situation de travaux non signée")
        self.sync()
        self.assertEqual(piece.l10n_fr_chorus_status, "REFUSEE_MOE")
        self.assertEqual((piece.l10n_fr_chorus_state, piece.l10n_fr_chorus_works_stage), ("rejected", "refused"))
        self.assertTrue(piece.l10n_fr_chorus_is_final)
        activity = piece.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("l10n_fr_chorus_pro.mail_activity_type_chorus"))
        self.assertEqual(len(activity), 1)
        self.assertIn("Issue a New Piece", activity.note)
        self.assertIn("Situation de travaux non signée", activity.note)
        self.assertIn("keeps its number", " ".join(piece._l10n_fr_chorus_check()))
        action = piece.action_l10n_fr_chorus_replace()
        new_piece = self.env["account.move"].browse(action["res_id"])
        credit_note = piece.reversal_move_ids
        self.assertEqual(piece.payment_state, "reversed")
        self.assertFalse(credit_note.l10n_fr_chorus_transfer, "the credit note of a refused piece is not sent")
        self.assertEqual((new_piece.l10n_fr_chorus_contract_id, new_piece.l10n_fr_chorus_billing_frame,
                          new_piece.l10n_fr_chorus_moe_id), (self.works, piece.l10n_fr_chorus_billing_frame,
                                                            self.moe))
        self.assertFalse(piece.activity_ids.filtered(lambda a: a.activity_type_id == activity.activity_type_id))
        self.assertFalse(credit_note.l10n_fr_chorus_works_piece, "a credit note is no monthly statement")
        self.assertFalse(credit_note.l10n_fr_chorus_works_stage)
        self.assertIn(self.env["account.move"]._l10n_fr_chorus_status_label("REFUSEE_MOE"),
                      new_piece.message_ids[:1].body, "the new piece says why it replaces the old one")
        new_piece.invoice_date = "2026-12-01"
        new_piece.action_post()
        self.assertNotEqual(new_piece.name, piece.name)
        self.on_chorus(new_piece)
        self.assertEqual(self.sandbox.state.calls["factures/deposer/flux"], 2, "the credit note stayed home")

    # ------------------------------------------------------------------ what the pieces must carry
    def test_pre_send_checks_know_the_works_rules(self):
        no_moe = self.Contract.create({"name": "2026-TRAV-015", "partner_id": self.lycee.id, "is_works": True,
                                       "moe_id": self.moe.id})
        piece = self.new_piece("monthly", contract=no_moe, post=False)
        piece.l10n_fr_chorus_moe_id = False
        with self.assertRaisesRegex(UserError, "goes to the project manager \\(MOE\\) first"):
            piece.action_post()  # said before it is confirmed and numbered
        self.assertEqual(piece.state, "draft")
        sub = self.new_piece("monthly", post=False)
        sub.l10n_fr_chorus_billing_frame = "A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT"
        with self.assertRaisesRegex(UserError, "is deposited by a Subcontractor"):
            sub.action_post()
        piece.l10n_fr_chorus_moe_id = self.moe
        piece.action_post()
        piece.l10n_fr_chorus_moe_id = False  # changed once confirmed: the send says it
        self.assertIn("goes to the project manager (MOE) first", " ".join(piece._l10n_fr_chorus_check()))
        general = self.new_piece("monthly", post=False)
        general.l10n_fr_chorus_billing_frame = "A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR"
        general.action_post()
        self.assertIn("follows a « A7", " ".join(general._l10n_fr_chorus_check()))
        for move in (piece, general):
            self.assertFalse(move._l10n_fr_chorus_send()[move][0])
        self.assertEqual(self.sandbox.state.calls["factures/deposer/flux"], 0)

    def test_sandbox_refuses_a_statement_without_moe(self):
        """What the pre-send checks stop, Chorus Pro refuses too (the sandbox plays the rule)."""
        piece = self.new_piece("monthly")
        piece.l10n_fr_chorus_moe_id = False
        with patch.object(type(self.env["l10n_fr_chorus.works.check"]), "_errors", return_value=[]):
            self.send(piece)
        self.sandbox.state.advance(flows_to_final=True)
        self.sync()
        self.assertEqual(piece.l10n_fr_chorus_state, "rejected")
        self.assertIn("impose d'identifier la maîtrise d'œuvre", piece.l10n_fr_chorus_rejection)

    def test_manual_refresh_shows_the_works_stage_and_billing_file(self):
        piece = self.new_piece("monthly")
        self.send(piece)
        self.sandbox.state.advance(flows_to_final=True)
        self.sandbox.state.advance()
        piece.action_l10n_fr_chorus_refresh_status()
        held = self.sandbox.state.find_invoice(invoice_number=piece.name)
        self.assertEqual((piece.l10n_fr_chorus_status, piece.l10n_fr_chorus_works_stage),
                         ("MISE_A_DISPOSITION_MOE", "moe"))
        self.assertEqual(piece.l10n_fr_chorus_billing_file, held.billing_file)

    def test_a_closing_piece_is_issued_only_after_the_final_statement_project(self):
        with self.assertRaisesRegex(UserError, "follows the contract's Final statement project, on Chorus Pro"):
            self.works.with_context(l10n_fr_chorus_piece_kind="general").action_new_works_piece()
        with self.assertRaisesRegex(UserError, "Draft general statement \\(tacit procedure\\), on Chorus Pro"):
            self.works.with_context(l10n_fr_chorus_piece_kind="tacit_general").action_new_works_piece()
        self.assertFalse(self.works.move_ids, "no draft left behind")

    def test_final_general_statement_follows_the_final_statement_project(self):
        final = self.new_piece("final")
        self.assertEqual(final.l10n_fr_chorus_billing_frame, "A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR")
        held_final = self.on_chorus(final)
        general = self.new_piece("general")
        self.assertEqual(general.l10n_fr_chorus_previous_piece_id, final)
        self.assertEqual(general._l10n_fr_chorus_check(), [])
        held = self.on_chorus(general)
        self.assertEqual(held.parsed.origin_number, final.name)
        self.assertEqual(held.previous_id, held_final.id)
        self.assertEqual(held.billing_file, held_final.billing_file)
        self.assertEqual(held.parsed.moe_siret, "", "a closing piece goes to the buyer: no MOE on it")
        self.sandbox.state.advance()
        self.sync()
        self.assertEqual(general.l10n_fr_chorus_status, "TRANSMISE_MOA", "a closing piece goes to the buyer")
        self.assertEqual(general.l10n_fr_chorus_billing_file, final.l10n_fr_chorus_billing_file)

    def test_tacit_procedure_after_the_final_statement_project(self):
        final = self.new_piece("final")
        self.on_chorus(final)
        draft_general = self.new_piece("tacit_draft")
        self.assertEqual((draft_general.l10n_fr_chorus_billing_frame, draft_general.l10n_fr_chorus_previous_piece_id),
                         ("A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE", final))
        self.on_chorus(draft_general)
        tacit_general = self.new_piece("tacit_general")
        self.assertEqual(tacit_general.l10n_fr_chorus_previous_piece_id, draft_general)
        held = self.on_chorus(tacit_general)
        self.assertEqual(held.billing_frame, "A23_DECOMPTE_GENERAL_DEFINITIF_TACITE_FOURNISSEUR")
        self.assertEqual(held.parsed.origin_number, draft_general.name)

    def test_works_documents_are_valid_and_carry_moe_and_previous_piece(self):
        final = self.new_piece("final")
        self.on_chorus(final)
        general = self.new_piece("general")
        Document = self.env["l10n_fr_chorus.document"]
        cii = Document._build(final, "cii")["content"]
        self.assertTrue(facturx.xml_check_xsd(cii, flavor="factur-x", level="en16931"))
        tree = etree.fromstring(cii)
        note = tree.find("rsm:ExchangedDocument/ram:IncludedNote[ram:SubjectCode='AAI']", NS)
        self.assertEqual(note.findtext("ram:Content", namespaces=NS), f"MOE:{sandbox_data.MOE_SIRET}/MOE_CHANTIERS")
        cii_general = etree.fromstring(Document._build(general, "cii")["content"])
        self.assertTrue(facturx.xml_check_xsd(etree.tostring(cii_general), flavor="factur-x", level="en16931"))
        self.assertEqual(cii_general.findtext(
            "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:InvoiceReferencedDocument"
            "/ram:IssuerAssignedID", namespaces=NS), final.name)
        self.assertIsNone(cii_general.find("rsm:ExchangedDocument/ram:IncludedNote[ram:SubjectCode='AAI']", NS),
                          "a final general statement goes to the buyer: no MOE on it")
        ubl = Document._build(general, "ubl")["content"]
        self.assertTrue(facturx.xml_check_xsd(ubl, flavor="ubl-2.1-invoice"))
        self.assertEqual(etree.fromstring(ubl).findtext(
            "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=NS), final.name)
        ubl_final = etree.fromstring(Document._build(final, "ubl")["content"])
        self.assertIn(f"#AAI#MOE:{sandbox_data.MOE_SIRET}/MOE_CHANTIERS",
                      [n.text for n in ubl_final.findall("cbc:Note", NS)])
