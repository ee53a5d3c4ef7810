"""Shared test set-up: placeholder invoice PDFs, a real Chorus Pro sandbox on 127.0.0.1 and a company connected
to it."""

from unittest.mock import patch

from odoo import Command
from odoo.tests import TransactionCase, new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..chorus_client import clear_token_cache
from ..chorus_sandbox import SandboxServer
from ..chorus_sandbox import data as sandbox_data
from ..models.l10n_fr_chorus_document_pdf import L10nFrChorusDocumentPdf


def placeholders_unless_forced(self):
    """Odoo's own rule in tests: no wkhtmltopdf unless the test passes ``force_report_rendering``."""
    return not self.env.context.get("force_report_rendering")


class PlaceholderPdfMixin:
    """Invoice PDFs are placeholders in the test class, as Odoo renders no PDF in tests, unless a test passes
    ``force_report_rendering=True`` in the context. Patched on the model's class for the whole class, so that it
    holds in every environment: crons, threads with their own cursor, the HTTP requests of a tour."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(patch.object(L10nFrChorusDocumentPdf, "_rendering_placeholders",
                                           placeholders_unless_forced))


class ChorusSandboxMixin(PlaceholderPdfMixin):
    """One Chorus Pro sandbox per test class (reset before each test), and the helpers to connect a company to it
    and to make public buyers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = SandboxServer(port=0).start()
        cls.addClassCleanup(cls.sandbox.stop)

    def setUp(self):
        super().setUp()
        self.sandbox.state.reset()
        clear_token_cache()

    @classmethod
    def connect_company(cls, company, **overrides):
        company.write({
            "l10n_fr_chorus_environment": "sandbox",
            "l10n_fr_chorus_sandbox_url": cls.sandbox.url,
            "l10n_fr_chorus_client_id": sandbox_data.CLIENT_ID,
            "l10n_fr_chorus_client_secret": sandbox_data.CLIENT_SECRET,
            "l10n_fr_chorus_login": sandbox_data.TECHNICAL_LOGIN,
            "l10n_fr_chorus_password": sandbox_data.TECHNICAL_PASSWORD,
            **overrides,
        })

    @classmethod
    def make_public_buyer(cls, name, siret, flag=True, **vals):
        partner = cls.env["res.partner"].create({
            "name": name,
            "is_company": True,
            "siret": siret,
            "country_id": cls.env.ref("base.fr").id,
            **vals,
        })
        if flag:
            partner.l10n_fr_chorus_client = True
        return partner


class ChorusSandboxCase(ChorusSandboxMixin, TransactionCase):
    """The current company, French, connected to the sandbox as ``cls.company``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({
            "country_id": cls.env.ref("base.fr").id,
            "siret": sandbox_data.SUPPLIER_SIRET,
        })
        cls.connect_company(cls.company)

    @classmethod
    def make_user(cls, login, groups):
        return new_test_user(cls.env, login=login, groups=groups, company_id=cls.company.id,
                             company_ids=[(6, 0, cls.company.ids)])


class ChorusInvoiceCase(ChorusSandboxMixin, AccountTestInvoicingCommon):
    """A French company with a chart of accounts, an IBAN and the sandbox; public buyers checked on Chorus Pro."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.retry_backoff", "0.01")
        # a deposit without answer may be searched for at once (tests say when Chorus Pro has integrated it)
        cls.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.unknown_outcome_delay", "0")
        # a flow the status search does not show is reported at once (tests that measure the delay set it)
        cls.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.flow_report_delay", "0")
        cls.company = cls.company_data["company"]
        cls.env.user.groups_id += cls.env.ref("l10n_fr_chorus_pro.group_l10n_fr_chorus_transfer")
        cls.other_currency = cls.setup_other_currency("USD")
        cls.company.write({
            "siret": sandbox_data.SUPPLIER_SIRET,
            "l10n_fr_chorus_format": "ubl",
            "l10n_fr_chorus_start_date": "2020-01-01",
        })
        cls.connect_company(cls.company)
        cls.bank = cls.env["res.partner.bank"].create({
            "acc_number": "FR7630006000011234567890189",
            "partner_id": cls.company.partner_id.id,
            "company_id": cls.company.id,
        })
        clear_token_cache()
        cls.montreuil = cls.make_checked_buyer("Commune de Montreuil-sur-Loire", "21750001600019")
        cls.hospital = cls.make_checked_buyer("Centre hospitalier de Valbonne", "26690123000018")
        cls.lycee = cls.make_checked_buyer("Lycée Jean Moulin", "21130055300016")
        cls.service_technique = cls.montreuil.l10n_fr_chorus_service_ids.filtered(
            lambda s: s.code == "SERVICES_TECHNIQUES")

    @classmethod
    def use_french(cls):
        """French installed with this addon's translations; the company and the test user speak French."""
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["l10n_fr_chorus_pro"], ["fr_FR"], overwrite=True)
        cls.company.partner_id.lang = "fr_FR"
        cls.env.user.lang = "fr_FR"

    @classmethod
    def make_checked_buyer(cls, name, siret):
        partner = cls.make_public_buyer(name, siret)
        partner.action_l10n_fr_chorus_check()
        return partner

    def make_invoice(self, partner=None, move_type="out_invoice", post=True, **vals):
        invoice = self.env["account.move"].create({
            "move_type": move_type,
            "partner_id": (partner or self.lycee).id,
            "invoice_date": "2026-11-02",
            "partner_bank_id": self.bank.id,
            "invoice_line_ids": [Command.create({"product_id": self.product_a.id, "price_unit": 1200.0,
                                                 "tax_ids": [Command.set(self.tax_sale_a.ids)]})],
            **vals,
        })
        if post:
            invoice.action_post()
        return invoice

    def run_cron(self, method):
        """A scheduled action runs as the superuser, with the chatter tracking the test base turns off."""
        model = self.env["account.move"].sudo().with_context(tracking_disable=False, mail_notrack=False)
        return getattr(model, method)()

    def sandbox_flows(self):
        return list(self.sandbox.state.flows.values())
