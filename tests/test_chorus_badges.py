"""The state reads right at a glance: the list's « Chorus Pro » badge takes the colour of what it means."""

from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import ChorusInvoiceCase

COLOURS = ("success", "info", "warning", "danger")


@tagged("post_install", "-at_install")
class TestChorusBadges(ChorusInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.use_french()

    def list_column(self, name):
        arch = self.env["account.move"].get_view(
            self.env.ref("account.view_out_invoice_tree").id, "list")["arch"]
        [node] = etree.fromstring(arch).xpath(f"//field[@name='{name}']")
        return node

    def colour(self, invoice, name="l10n_fr_chorus_state"):
        """The badge's colour, as the web client computes it from the view's decorations."""
        node = self.list_column(name)
        values = {fname: invoice[fname] for fname in ("l10n_fr_chorus_state", "l10n_fr_chorus_summary")}
        if safe_eval(node.get("invisible") or "False", values):
            return "hidden"
        lit = [c for c in COLOURS if safe_eval(node.get(f"decoration-{c}") or "False", values)]
        self.assertLessEqual(len(lit), 1, f"one colour at a time, got {lit}")
        return lit[0] if lit else "neutral"

    def french(self):
        return self.env(context=dict(self.env.context, lang="fr_FR"))

    def label(self, invoice):
        return dict(invoice._fields["l10n_fr_chorus_state"]._description_selection(self.french()))[
            invoice.l10n_fr_chorus_state]

    def integrated(self):
        invoice = self.make_invoice(self.lycee)
        invoice._l10n_fr_chorus_send()
        self.sandbox.state.advance(flows_to_final=True)
        self.run_cron("_cron_l10n_fr_chorus_sync")
        return invoice

    def decided(self, status, comment="Pièce manquante"):
        invoice = self.integrated()
        self.sandbox.state.set_invoice_status(status, invoice_number=invoice.name, comment=comment)
        self.run_cron("_cron_l10n_fr_chorus_sync")
        self.assertEqual(invoice.l10n_fr_chorus_status, status)
        return invoice

    def test_each_state_has_the_colour_of_its_meaning(self):
        not_public = self.make_invoice(self.partner_a)
        self.assertEqual(self.colour(not_public), "hidden")
        to_send = self.make_invoice(self.lycee)
        self.assertEqual(self.colour(to_send), "info")
        broken = self.make_invoice(self.montreuil)  # no service code
        broken._l10n_fr_chorus_send()
        self.assertEqual((broken.l10n_fr_chorus_state, self.colour(broken)), ("error", "danger"))
        deposited = self.make_invoice(self.lycee)
        deposited._l10n_fr_chorus_send()
        self.assertEqual((deposited.l10n_fr_chorus_state, self.colour(deposited)), ("deposited", "neutral"))
        in_progress = self.integrated()
        self.assertEqual((in_progress.l10n_fr_chorus_state, self.colour(in_progress)), ("integrated", "neutral"))
        for status in ("SUSPENDUE", "A_RECYCLER"):
            with self.subTest(status):
                invoice = self.decided(status)
                self.assertEqual(self.colour(invoice), "warning", f"{status} is to handle: orange, never green")
                self.assertEqual(self.colour(invoice, "l10n_fr_chorus_summary"), "warning")
        rejected = self.decided("REJETEE", comment="Hors marché")
        self.assertEqual((rejected.l10n_fr_chorus_state, self.colour(rejected)), ("rejected", "danger"))
        self.assertEqual(self.colour(rejected, "l10n_fr_chorus_summary"), "danger")
        paid = self.decided("MISE_EN_PAIEMENT", comment="")
        self.assertEqual((paid.l10n_fr_chorus_state, self.colour(paid)), ("paid", "success"))
        self.assertEqual(self.colour(paid, "l10n_fr_chorus_summary"), "success")

    def test_the_words_beside_the_colours(self):
        paid = self.decided("MISE_EN_PAIEMENT", comment="")
        self.assertEqual(self.label(paid), "Mise en paiement", "not « Payée », beside Odoo's own payment state")
        suspended = self.decided("SUSPENDUE")
        # the Chorus Pro status is shown beside the badge by default: « Suspendue », not only « Sur Chorus Pro »
        column = self.list_column("l10n_fr_chorus_status")
        self.assertEqual(column.get("optional"), "show")
        self.assertEqual(dict(suspended._fields["l10n_fr_chorus_status"]._description_selection(self.french()))[
            suspended.l10n_fr_chorus_status], "Suspendue")
