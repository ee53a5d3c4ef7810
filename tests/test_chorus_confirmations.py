"""Short confirmations after « Check on Chorus Pro » and « Update Chorus Pro Status »; the structure id as text."""

from odoo.tests import tagged

from .common import ChorusInvoiceCase, sandbox_data


@tagged("post_install", "-at_install")
class TestConfirmations(ChorusInvoiceCase):
    def test_check_confirms_and_shows_the_id_as_text(self):
        action = self.lycee.action_l10n_fr_chorus_check()
        params = action["params"]
        self.assertEqual((action["tag"], params["type"]), ("display_notification", "success"))
        self.assertIn("is active on Chorus Pro", params["message"])
        self.assertEqual(params["next"]["tag"], "soft_reload")
        self.assertEqual(self.lycee.l10n_fr_chorus_structure_ref, str(sandbox_data.LYCEE_ID))
        unknown = self.env["res.partner"].create({"name": "Mairie inconnue", "is_company": True,
                                                  "siret": "40483304800022"})
        self.assertFalse(unknown.l10n_fr_chorus_structure_ref, "no « 0 » before the first check")
        params = unknown.action_l10n_fr_chorus_check()["params"]
        self.assertEqual(params["type"], "warning")
        self.assertIn("does not know the SIRET", params["message"])

    def test_refresh_confirms_with_the_status(self):
        invoice = self.make_invoice(self.lycee)
        invoice._l10n_fr_chorus_send()
        self.sandbox.state.advance(flows_to_final=True)
        params = invoice.action_l10n_fr_chorus_refresh_status()["params"]
        self.assertEqual(params["title"], "Chorus Pro status updated")
        self.assertIn(invoice.name, params["message"])
        self.assertIn("on Chorus Pro", params["message"])
