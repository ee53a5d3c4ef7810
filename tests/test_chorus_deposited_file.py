"""What was sent, on the invoice: the exact deposited file, attached to the invoice and its flow, kept as it was."""

import base64
import os

from odoo.exceptions import AccessError, UserError
from odoo.modules.migration import load_script
from odoo.modules.module import get_module_path
from odoo.tests import new_test_user, tagged

from ..models.chorus_facts import as_addon
from .common import ChorusInvoiceCase


@tagged("post_install", "-at_install")
class TestChorusDepositedFile(ChorusInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = cls.make_accountant()

    @classmethod
    def make_accountant(cls):
        return new_test_user(
            cls.env, login="comptable_depot", company_id=cls.company.id, company_ids=[(6, 0, cls.company.ids)],
            groups="account.group_account_invoice,l10n_fr_chorus_pro.group_l10n_fr_chorus_transfer")

    def invoice_file(self, invoice):
        return self.env["ir.attachment"].search([
            ("res_model", "=", "account.move"), ("res_id", "=", invoice.id),
            ("l10n_fr_chorus_flow_id", "!=", False)])

    def sent_bytes(self):
        return base64.b64decode(self.sandbox.state.last_requests["factures/deposer/flux"]["fichierFlux"])

    def test_the_deposited_file_is_on_the_invoice_and_its_flow(self):
        invoice = self.make_invoice(self.lycee)
        invoice._l10n_fr_chorus_send()
        flow = invoice.l10n_fr_chorus_flow_id
        attachment = self.invoice_file(invoice)
        self.assertEqual(len(attachment), 1, "one copy on the invoice, beside the flow's")
        self.assertEqual(attachment.raw, self.sent_bytes(), "the exact bytes Chorus Pro received")
        self.assertEqual(attachment.l10n_fr_chorus_flow_id, flow)
        self.assertEqual(flow.attachment_id.raw, attachment.raw)
        self.assertEqual(attachment.name, flow.attachment_id.name)
        # one click from the Chorus Pro tab: the binary field of the invoice downloads it
        self.assertEqual(base64.b64decode(invoice.l10n_fr_chorus_file), self.sent_bytes())
        self.assertEqual(invoice.l10n_fr_chorus_file_name, attachment.name)
        # the accountant sees it among the invoice's attachments
        seen = self.env["ir.attachment"].with_user(self.accountant).search(
            [("res_model", "=", "account.move"), ("res_id", "=", invoice.id)])
        self.assertIn(attachment, seen)

    def test_nobody_changes_or_deletes_it_while_chorus_pro_holds_the_invoice(self):
        invoice = self.make_invoice(self.lycee)
        invoice._l10n_fr_chorus_send()
        attachment = self.invoice_file(invoice).with_user(self.accountant)
        for label, attempt in (
            ("delete", attachment.unlink),
            ("replace the content", lambda: attachment.write({"raw": b"<Invoice>autre</Invoice>"})),
            ("rename", lambda: attachment.write({"name": "autre.xml"})),
            ("move to another record", lambda: attachment.write({"res_id": self.make_invoice(self.lycee).id})),
        ):
            with self.subTest(label), self.assertRaises(UserError) as caught:
                attempt()
            self.assertIn(invoice.name, str(caught.exception), "the message names the invoice")
        self.assertEqual(self.invoice_file(invoice).raw, self.sent_bytes())
        # not even the administrator, through the ORM
        with self.assertRaises(UserError):
            self.invoice_file(invoice).sudo().unlink()
        # the invoice's other attachments stay the accountant's to manage
        note = self.env["ir.attachment"].with_user(self.accountant).create({
            "name": "bon_de_livraison.pdf", "raw": b"%PDF-1.4", "res_model": "account.move", "res_id": invoice.id})
        note.unlink()

    def test_no_one_passes_a_file_off_as_deposited(self):
        invoice = self.make_invoice(self.lycee)
        invoice._l10n_fr_chorus_send()
        Attachment = self.env["ir.attachment"].with_user(self.accountant)
        with self.assertRaises(AccessError):
            Attachment.create({"name": "faux.xml", "raw": b"<x/>", "res_model": "account.move", "res_id": invoice.id,
                               "l10n_fr_chorus_flow_id": invoice.l10n_fr_chorus_flow_id.id})
        mine = Attachment.create({"name": "faux.xml", "raw": b"<x/>", "res_model": "account.move",
                                  "res_id": invoice.id})
        with self.assertRaises(AccessError):
            mine.write({"l10n_fr_chorus_flow_id": invoice.l10n_fr_chorus_flow_id.id})

    def test_each_invoice_of_a_grouped_deposit_has_the_file(self):
        self.company.l10n_fr_chorus_group_size = 2
        invoices = self.make_invoice(self.lycee) | self.make_invoice(self.lycee)
        self.run_cron("_cron_l10n_fr_chorus_send")
        [flow] = invoices.l10n_fr_chorus_flow_id
        for invoice in invoices:
            self.assertEqual(self.invoice_file(invoice).raw, flow.attachment_id.raw)
        self.assertEqual(self.invoice_file(invoices[0]).store_fname, flow.attachment_id.store_fname,
                         "one file in the filestore, however many invoices")

    def test_a_deposit_that_surely_failed_leaves_no_file_on_the_invoice(self):
        invoice = self.make_invoice(self.lycee)
        self.sandbox.state.add_fault("factures/deposer/flux", "429")
        invoice._l10n_fr_chorus_send()
        self.assertEqual(invoice.l10n_fr_chorus_state, "error")
        self.assertFalse(self.invoice_file(invoice), "nothing was deposited: no deposited file")
        self.run_cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(len(self.invoice_file(invoice)), 1)

    def test_a_file_chorus_pro_refused_as_a_whole_may_go(self):
        invoice = self.make_invoice(self.lycee)
        invoice._l10n_fr_chorus_send()
        self.sandbox.state.set_flow_state(invoice.l10n_fr_chorus_flow_id.name, "IN_REJETE", comment="Illisible")
        self.run_cron("_cron_l10n_fr_chorus_sync")
        self.assertEqual(invoice.l10n_fr_chorus_flow_id.state, "IN_REJETE")
        self.invoice_file(invoice).with_user(self.accountant).unlink()
        self.assertFalse(self.invoice_file(invoice))

    def test_deposits_made_before_the_upgrade_get_their_file_on_the_invoice(self):
        invoice = self.make_invoice(self.lycee)
        invoice._l10n_fr_chorus_send()
        flow = invoice.l10n_fr_chorus_flow_id
        # as version 18.0.1.1.0 left it: the file on the flow only, not marked as deposited
        as_addon(self.invoice_file(invoice).sudo()).unlink()
        as_addon(flow.attachment_id.sudo()).write({"l10n_fr_chorus_flow_id": False})
        script = os.path.join(get_module_path("l10n_fr_chorus_pro"), "migrations", "18.0.1.2.0", "post-migrate.py")
        load_script(script, "l10n_fr_chorus_pro_post_migrate_120").migrate(self.env.cr, "18.0.1.1.0")
        self.env.invalidate_all()
        self.assertEqual(self.invoice_file(invoice).raw, self.sent_bytes())
        self.assertEqual(flow.attachment_id.l10n_fr_chorus_flow_id, flow)
        with self.assertRaises(UserError):
            self.invoice_file(invoice).with_user(self.accountant).unlink()
