"""« Suspendue » and « À recycler » answered from Odoo: « Compléter sur Chorus Pro » and « Recycler »."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import ChorusInvoiceCase


@tagged("post_install", "-at_install")
class TestChorusCompleteRecycle(ChorusInvoiceCase):
    def held_invoice(self, status, partner=None, comment="", **vals):
        """An invoice on Chorus Pro (linked to its Chorus Pro id), then given ``status`` by the buyer."""
        invoice = self.make_invoice(partner or self.lycee, invoice_user_id=self.env.user.id, **vals)
        sent, message = invoice._l10n_fr_chorus_send()[invoice]
        self.assertTrue(sent, message)
        self.sandbox.state.advance(flows_to_final=True)
        self.run_cron("_cron_l10n_fr_chorus_sync")
        self.assertEqual(invoice.l10n_fr_chorus_status, "DEPOSEE")
        self.sandbox.state.set_invoice_status(status, invoice_number=invoice.name, comment=comment)
        self.run_cron("_cron_l10n_fr_chorus_sync")
        self.assertEqual(invoice.l10n_fr_chorus_status, status)
        return invoice

    def sandbox_invoice(self, invoice):
        return self.sandbox.state.find_invoice(invoice_number=invoice.name)

    def chorus_activities(self, invoice):
        return invoice.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("l10n_fr_chorus_pro.mail_activity_type_chorus"))

    def open_wizard(self, action):
        self.assertEqual(action["target"], "new")
        return Form(self.env[action["res_model"]].with_context(**action["context"]))

    def attachment(self, name="bon_de_livraison.pdf", content=b"%PDF-1.4 bon de livraison", **vals):
        return self.env["ir.attachment"].create({"name": name, "raw": content, **vals})

    # ------------------------------------------------------------------ « Compléter sur Chorus Pro »
    def test_complete_with_documents_makes_the_invoice_completed(self):
        invoice = self.held_invoice("SUSPENDUE", comment="Bon de livraison manquant")
        self.assertIn("Complete on Chorus Pro", self.chorus_activities(invoice).note)
        on_invoice = self.attachment("devis_signe.pdf", res_model="account.move", res_id=invoice.id)
        new = self.attachment()
        form = self.open_wizard(invoice.action_l10n_fr_chorus_complete())
        self.assertEqual(form.status_comment, "Bon de livraison manquant")
        form.move_attachment_ids.add(on_invoice)
        form.new_attachment_ids.add(new)
        form.comment = "Le bon de livraison signé est joint."
        form.save().action_complete()
        self.assertEqual(self.sandbox.state.calls["transverses/ajouter/fichier"], 2)
        held = self.sandbox_invoice(invoice)
        self.assertEqual(sorted(self.sandbox.state.files[i]["name"] for i in held.attachments),
                         ["bon_de_livraison.pdf", "devis_signe.pdf"])
        self.assertEqual(held.status, "COMPLETEE")
        self.assertEqual(invoice.l10n_fr_chorus_status, "COMPLETEE")
        self.assertIn("COMPLETEE", invoice.l10n_fr_chorus_history_ids.mapped("status"))
        self.assertFalse(self.chorus_activities(invoice), "the suspension's activity is done")
        self.assertEqual((new.res_model, new.res_id), ("account.move", invoice.id), "the invoice keeps a copy")
        body = " ".join(invoice.message_ids.mapped("body"))
        self.assertIn("Completed on Chorus Pro", body)
        self.assertIn("bon_de_livraison.pdf", body)
        self.assertIn("Le bon de livraison signé est joint.", body)

    def test_complete_refuses_documents_chorus_pro_would_refuse(self):
        invoice = self.held_invoice("SUSPENDUE")
        wizard = self.env["l10n_fr_chorus.complete.wizard"].create({
            "move_id": invoice.id,
            "new_attachment_ids": [(6, 0, self.attachment("programme.exe", b"MZ").ids)],
        })
        with self.assertRaisesRegex(UserError, "programme.exe has a file type Chorus Pro refuses"):
            wizard.action_complete()
        empty = self.env["l10n_fr_chorus.complete.wizard"].create({"move_id": invoice.id})
        with self.assertRaisesRegex(UserError, "Add a document or a comment"):
            empty.action_complete()
        self.assertEqual(self.sandbox.state.calls["transverses/ajouter/fichier"], 0)
        self.assertEqual(self.sandbox.state.calls["factures/completer"], 0)
        self.assertEqual(invoice.l10n_fr_chorus_status, "SUSPENDUE")

    def test_complete_only_a_suspended_invoice(self):
        invoice = self.held_invoice("A_RECYCLER")
        with self.assertRaisesRegex(UserError, "is not « Suspended » on Chorus Pro any more"):
            invoice.action_l10n_fr_chorus_complete()

    # ------------------------------------------------------------------ « Recycler »
    def test_recycle_with_a_new_service_deposits_the_invoice_again(self):
        invoice = self.held_invoice("A_RECYCLER", self.montreuil, comment="Mauvais service",
                                    l10n_fr_chorus_service_id=self.service_technique.id)
        self.assertIn("Recycle", self.chorus_activities(invoice).note)
        ecoles = self.montreuil.l10n_fr_chorus_service_ids.filtered(lambda s: s.code == "ECOLES")
        form = self.open_wizard(invoice.action_l10n_fr_chorus_recycle())
        self.assertEqual(form.service_id, self.service_technique)
        form.service_id = ecoles
        form.commitment = "BC-2026-117"
        form.comment = "Service des écoles"
        form.save().action_recycle()
        self.assertEqual(self.sandbox.state.calls["factures/recycler"], 1)
        held = self.sandbox_invoice(invoice)
        self.assertEqual((held.parsed.service_code, held.parsed.commitment), ("ECOLES", "BC-2026-117"))
        self.assertEqual(invoice.l10n_fr_chorus_status, "DEPOSEE")
        self.assertEqual(invoice.l10n_fr_chorus_service_id, ecoles)
        self.assertEqual(invoice.buyer_reference, "ECOLES")
        self.assertEqual(invoice.purchase_order_reference, "BC-2026-117")
        self.assertFalse(self.chorus_activities(invoice), "the recycling's activity is done")
        body = " ".join(invoice.message_ids.mapped("body"))
        self.assertIn("Recycled on Chorus Pro", body)
        self.assertIn("SERVICES_TECHNIQUES → ECOLES", body)

    def test_recycle_with_a_new_commitment_keeps_the_service(self):
        achats = self.hospital.l10n_fr_chorus_service_ids.filtered(lambda s: s.code == "ACHATS")
        invoice = self.held_invoice("A_RECYCLER", self.hospital, purchase_order_reference="EJ-2026-0042",
                                    l10n_fr_chorus_service_id=achats.id)
        wizard = self.env["l10n_fr_chorus.recycle.wizard"].create({"move_id": invoice.id, "commitment": "EJ-2026-0043"})
        wizard.action_recycle()
        request = self.sandbox_invoice(invoice)
        self.assertEqual((request.parsed.service_code, request.parsed.commitment), ("ACHATS", "EJ-2026-0043"))
        self.assertEqual(invoice.l10n_fr_chorus_status, "DEPOSEE")
        self.assertEqual((invoice.l10n_fr_chorus_service_id, invoice.buyer_reference), (achats, "ACHATS"))
        self.assertEqual(invoice.purchase_order_reference, "EJ-2026-0043")

    def test_recycle_breaking_the_buyer_rules_is_refused_before_any_call(self):
        invoice = self.held_invoice("A_RECYCLER", self.montreuil, l10n_fr_chorus_service_id=self.service_technique.id)
        ecoles = self.montreuil.l10n_fr_chorus_service_ids.filtered(lambda s: s.code == "ECOLES")
        wizard = self.env["l10n_fr_chorus.recycle.wizard"].create({"move_id": invoice.id, "service_id": ecoles.id})
        with self.assertRaisesRegex(UserError, "requires a commitment number"):
            wizard.action_recycle()
        unchanged = self.env["l10n_fr_chorus.recycle.wizard"].create({"move_id": invoice.id})
        with self.assertRaisesRegex(UserError, "change the service or the commitment number"):
            unchanged.action_recycle()
        self.assertEqual(self.sandbox.state.calls["factures/recycler"], 0)
        self.assertEqual(invoice.l10n_fr_chorus_status, "A_RECYCLER")
        self.assertEqual(invoice.l10n_fr_chorus_service_id, self.service_technique)

    # ------------------------------------------------------------------ rights
    def test_user_outside_the_transfer_group_can_do_neither(self):
        user = self.env["res.users"].create({
            "name": "Comptable", "login": "comptable_decision", "company_id": self.company.id,
            "company_ids": [(6, 0, self.company.ids)],
            "groups_id": [(6, 0, [self.env.ref("account.group_account_manager").id])],
        })
        suspended = self.held_invoice("SUSPENDUE")
        to_recycle = self.held_invoice("A_RECYCLER", self.hospital, purchase_order_reference="EJ-2026-0042")
        with self.assertRaises(AccessError):
            suspended.with_user(user).action_l10n_fr_chorus_complete()
        with self.assertRaises(AccessError):
            to_recycle.with_user(user).action_l10n_fr_chorus_recycle()
        with self.assertRaises(AccessError):
            self.env["l10n_fr_chorus.complete.wizard"].with_user(user).create(
                {"move_id": suspended.id, "comment": "Pièce jointe"})
        with self.assertRaises(AccessError):
            self.env["l10n_fr_chorus.recycle.wizard"].with_user(user).create(
                {"move_id": to_recycle.id, "commitment": "EJ-2026-0043"})
        self.assertEqual(self.sandbox.state.calls["factures/completer"], 0)
        self.assertEqual(self.sandbox.state.calls["factures/recycler"], 0)


@tagged("post_install", "-at_install")
class TestChorusCompleteRecycleFrench(TestChorusCompleteRecycle):
    """The same paths for a French accountant: activities, refusals and chatter in French."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.use_french()  # the test user is the salesperson of the invoices, who gets the activities
        cls.env = cls.env(context=dict(cls.env.context, lang="fr_FR"))

    # the English assertions of the parent class are not repeated in French
    test_complete_with_documents_makes_the_invoice_completed = None
    test_complete_refuses_documents_chorus_pro_would_refuse = None
    test_complete_only_a_suspended_invoice = None
    test_recycle_with_a_new_service_deposits_the_invoice_again = None
    test_recycle_with_a_new_commitment_keeps_the_service = None
    test_recycle_breaking_the_buyer_rules_is_refused_before_any_call = None
    test_user_outside_the_transfer_group_can_do_neither = None

    def test_french_complete_and_recycle(self):
        suspended = self.held_invoice("SUSPENDUE", comment="Bon de livraison manquant")
        self.assertIn("« Compléter sur Chorus Pro »", str(self.chorus_activities(suspended).note))
        wizard = self.env["l10n_fr_chorus.complete.wizard"].create({"move_id": suspended.id})
        with self.assertRaisesRegex(UserError, "Ajoutez une pièce jointe ou un commentaire"):
            wizard.action_complete()
        wizard.comment = "Le bon de livraison a été envoyé par courrier."
        wizard.action_complete()
        self.assertEqual(suspended.l10n_fr_chorus_status, "COMPLETEE")
        self.assertIn("Complétée sur Chorus Pro.", " ".join(suspended.message_ids.mapped("body")))

        to_recycle = self.held_invoice("A_RECYCLER", self.montreuil,
                                       l10n_fr_chorus_service_id=self.service_technique.id)
        self.assertIn("« Recycler »", str(self.chorus_activities(to_recycle).note))
        ecoles = self.montreuil.l10n_fr_chorus_service_ids.filtered(lambda s: s.code == "ECOLES")
        wizard = self.env["l10n_fr_chorus.recycle.wizard"].create({"move_id": to_recycle.id, "service_id": ecoles.id})
        with self.assertRaisesRegex(UserError, "exige un numéro d'engagement juridique"):
            wizard.action_recycle()
        wizard.commitment = "BC-2026-117"
        wizard.action_recycle()
        self.assertEqual(to_recycle.l10n_fr_chorus_status, "DEPOSEE")
        body = " ".join(to_recycle.message_ids.mapped("body"))
        self.assertIn("Recyclée sur Chorus Pro", body)
        self.assertIn("Code du service exécutant : SERVICES_TECHNIQUES → ECOLES", body)
