"""A works contract and its statements in a real browser, in French (static/tests/tours/chorus_pro_works_tour.js):
the contract shows where each piece stands (with the project manager, with the buyer, refused), and the accountant
issues the next monthly statement project from it. Screenshot docs/chorus_pro_contract.png."""

from odoo import Command
from odoo.tests import tagged

from ..chorus_sandbox import data as sandbox_data
from .test_chorus_tour import ChorusTourCase

WORKS_SCREENSHOTS = ("chorus_pro_contract", "chorus_pro_works_piece")


@tagged("post_install", "-at_install")
class TestChorusWorksTour(ChorusTourCase):
    def piece_on_chorus(self, contract, price):
        action = contract.with_context(l10n_fr_chorus_piece_kind="monthly").action_new_works_piece()
        piece = self.env["account.move"].browse(action["res_id"])
        piece.write({"invoice_date": "2026-11-30", "invoice_user_id": self.accountant.id,
                     "invoice_line_ids": [Command.create({"product_id": self.product.id, "price_unit": price})]})
        piece.action_post()
        sent, message = piece.sudo()._l10n_fr_chorus_send()[piece]
        self.assertTrue(sent, message)
        return piece

    def test_works_contract_in_french(self):
        self.connect_to_sandbox()
        self.lycee.action_l10n_fr_chorus_check()
        moe = self.env["res.partner"].create({"name": sandbox_data.MOE_NAME, "is_company": True,
                                              "siret": sandbox_data.MOE_SIRET,
                                              "country_id": self.env.ref("base.fr").id})
        contract = self.env["l10n_fr_chorus.contract"].create({
            "name": "2026-TRAV-014", "title": "Rénovation du gymnase — lot 2 gros œuvre",
            "partner_id": self.lycee.id, "is_works": True, "moe_id": moe.id, "moe_service_code": "MOE_CHANTIERS",
            "commitment_numbers": "EJ-GYM-2026",
        })
        validated = self.piece_on_chorus(contract, 18450.0)
        refused = self.piece_on_chorus(contract, 23100.0)
        state = self.sandbox.state
        state.advance(flows_to_final=True)
        state.advance(steps=2)
        state.works_decide("MOE", "validate", invoice_number=validated.name)
        state.works_decide("MOE", "refuse", invoice_number=refused.name,
                           reason="Pièce justificative manquante ou illisible", comment="Situation non signée")
        self.env["account.move"].sudo()._cron_l10n_fr_chorus_sync()
        self.assertEqual((validated.l10n_fr_chorus_works_stage, refused.l10n_fr_chorus_works_stage), ("moa", "refused"))

        stages = self.fr_selection("account.move", "l10n_fr_chorus_works_stage")
        kinds = self.fr_selection("account.move", "l10n_fr_chorus_works_piece")
        self.run_tour(
            "l10n_fr_chorus_pro_tour_works", self.accountant, contract=contract.name,
            contractsMenu=self.env.ref("l10n_fr_chorus_pro.menu_l10n_fr_chorus_contract").with_context(
                lang="fr_FR").name,
            validated=validated.name, refused=refused.name, withBuyer=stages["moa"], refusedStage=stages["refused"],
            monthly=kinds["monthly"],
            newMonthly=self.fr_view_button("action_new_works_piece", "l10n_fr_chorus.contract"),
            moe=moe.name, billingFile=validated.l10n_fr_chorus_billing_file)
        pieces = contract.move_ids.filtered(lambda m: m.state == "draft")
        self.assertEqual(len(pieces), 1, "the tour issued the next monthly statement project")
        self.assertEqual((pieces.l10n_fr_chorus_billing_frame, pieces.l10n_fr_chorus_moe_id),
                         ("A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR", moe))
        self.assertEqual(self.screenshots_taken, set(WORKS_SCREENSHOTS), f"screenshots in {self.docs_dir}")
