"""Shared test set-up: a real Chorus Pro sandbox on 127.0.0.1 and a company connected to it."""

from odoo.tests import TransactionCase, new_test_user

from ..chorus_client import clear_token_cache
from ..chorus_sandbox import SandboxServer
from ..chorus_sandbox import data as sandbox_data


class ChorusSandboxCase(TransactionCase):
    """Starts one sandbox per test class (reset before each test) and connects ``cls.company`` to it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = SandboxServer(port=0).start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.company = cls.env.company
        cls.company.write({
            "country_id": cls.env.ref("base.fr").id,
            "siret": sandbox_data.SUPPLIER_SIRET,
        })
        cls.connect_company(cls.company)

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

    def setUp(self):
        super().setUp()
        self.sandbox.state.reset()
        clear_token_cache()

    @classmethod
    def make_user(cls, login, groups):
        return new_test_user(cls.env, login=login, groups=groups, company_id=cls.company.id,
                             company_ids=[(6, 0, cls.company.ids)])

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
