"""The Chorus Pro overview: its numbers against a known set of invoices, and the lists its cards open."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import ChorusInvoiceCase


@tagged("post_install", "-at_install")
class TestChorusOverview(ChorusInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.stuck_days", "60")

    def facts(self, move, status, days_ago=1, **vals):
        """Chorus Pro's answer written as the sync does: integrated, with a status dated ``days_ago``."""
        move._l10n_fr_chorus_write({
            "l10n_fr_chorus_invoice_cpp": str(9000 + move.id),
            "l10n_fr_chorus_status": status,
            "l10n_fr_chorus_status_date": fields.Datetime.now() - timedelta(days=days_ago),
            **vals,
        })
        return move

    def make_data_set(self):
        today = fields.Date.today()
        recent = today - timedelta(days=5)
        old = today - timedelta(days=90)
        inv = {
            "to_send": self.make_invoice(self.lycee, invoice_date=recent)
            | self.make_invoice(self.lycee, invoice_date=old)
            | self.make_invoice(self.lycee, move_type="out_refund", invoice_date=recent),
            "error": self.make_invoice(self.hospital, invoice_date=recent),
            "to_handle": self.facts(self.make_invoice(self.lycee, invoice_date=old), "SUSPENDUE", days_ago=80)
            | self.facts(self.make_invoice(self.lycee, invoice_date=recent), "A_RECYCLER"),
            "in_progress": self.facts(self.make_invoice(self.lycee, invoice_date=recent), "DEPOSEE")
            | self.facts(self.make_invoice(self.lycee, invoice_date=old), "MISE_A_DISPOSITION", days_ago=70)
            | self.facts(self.make_invoice(self.lycee, invoice_date=recent), "DEPOSEE"),
            "paid": self.facts(self.make_invoice(self.lycee, invoice_date=old), "MISE_EN_PAIEMENT", days_ago=65),
            "rejected": self.facts(self.make_invoice(self.lycee, invoice_date=recent), "REJETEE"),
        }
        inv["error"]._l10n_fr_chorus_set_error("PISTE refused the application")
        # not counted: a client that is not a Chorus Pro client, a draft
        self.make_invoice(self.partner_a)
        self.make_invoice(self.lycee, post=False)
        return inv

    def cards(self):
        rows = self.env["l10n_fr_chorus.overview"].search([("company_id", "=", self.company.id)])
        return {row.category: row for row in rows}

    def test_overview_numbers(self):
        inv = self.make_data_set()
        cards = self.cards()
        self.assertEqual(list(cards), ["to_send", "error", "to_handle", "in_progress", "paid", "rejected"])
        expected = {"to_send": 3, "error": 1, "to_handle": 2, "in_progress": 3, "paid": 1, "rejected": 1}
        self.assertEqual({cat: card.invoice_count for cat, card in cards.items()}, expected)
        for category, moves in inv.items():
            with self.subTest(category=category):
                card = cards[category]
                self.assertAlmostEqual(card.amount_total, sum(moves.mapped("amount_total_signed")))
                # the card opens exactly its invoices
                action = card.action_open_invoices()
                self.assertEqual(self.env["account.move"].search(action["domain"]), moves)
        # the credit note counts negatively: two invoices and one credit note of the same amount
        self.assertAlmostEqual(cards["to_send"].amount_total, inv["to_send"][0].amount_total)
        # the oldest waiting invoice, and what is stuck for more than 60 days (nothing in final states)
        self.assertEqual(cards["to_send"].oldest_move_id, inv["to_send"][1])
        self.assertEqual(cards["to_handle"].oldest_move_id, inv["to_handle"][0])
        stuck = {cat: card.stuck_count for cat, card in cards.items()}
        self.assertEqual(stuck, {"to_send": 1, "error": 0, "to_handle": 1, "in_progress": 1, "paid": 0,
                                 "rejected": 0})
        self.assertEqual(cards["in_progress"].stuck_days, 60)
        for category in ("to_send", "to_handle", "in_progress"):
            action = cards[category].action_open_stuck()
            self.assertEqual(self.env["account.move"].search(action["domain"]),
                             inv[category].filtered(lambda m: m.invoice_date < fields.Date.today()
                                                    - timedelta(days=60)))
        self.assertEqual(cards["to_send"].action_open_oldest()["res_id"], inv["to_send"][1].id)

    def test_empty_company_has_every_card(self):
        cards = self.cards()
        self.assertEqual(len(cards), 6)
        self.assertEqual({card.invoice_count for card in cards.values()}, {0})
        self.assertFalse(any(card.oldest_move_id for card in cards.values()))

    def test_invoice_analysis_has_chorus_fields(self):
        inv = self.make_data_set()
        groups = self.env["account.invoice.report"].read_group(
            [("company_id", "=", self.company.id), ("l10n_fr_chorus_summary", "!=", False)],
            ["move_id:count_distinct"], ["l10n_fr_chorus_summary"])
        counts = {group["l10n_fr_chorus_summary"]: group["move_id"] for group in groups}
        self.assertEqual(counts, {"to_handle": 3, "in_progress": 3, "paid": 1, "rejected": 1})
        states = self.env["account.invoice.report"].search([("move_id", "in", inv["error"].ids)])
        self.assertEqual(set(states.mapped("l10n_fr_chorus_state")), {"error"})
