"""The addon installs with and without demo data, its demo data makes sense, and it uninstalls cleanly."""

import os
import shutil
import subprocess
import sys
import uuid
from contextlib import closing

from stdnum.fr import siret

import odoo
from odoo.tests import BaseCase, TransactionCase, get_db_name, tagged
from odoo.tools import SQL, config

MODULE = "l10n_fr_chorus_pro"

UNINSTALL_SCRIPT = """
import sys
import odoo
from odoo.tools import config
config.parse_config(['-c', sys.argv[1], '-d', sys.argv[2], '--no-http'])
from odoo.modules.registry import Registry
with Registry(sys.argv[2]).cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    env['ir.module.module'].search([('name', '=', sys.argv[3])]).button_immediate_uninstall()
"""


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    def test_demo_company_is_french_with_a_valid_siret(self):
        company = self.env.ref("base.demo_company_fr")
        self.assertEqual(company.name, "Bâtiments Durand & Fils")
        self.assertEqual(company.country_id.code, "FR")
        self.assertTrue(siret.is_valid(company.siret), company.siret)
        self.assertTrue(company.chart_template, "the demo company has a chart of accounts")

    def test_demo_has_a_works_contract_and_a_contract_outside_chorus_pro(self):
        works = self.env.ref(f"{MODULE}.contract_gymnase")
        self.assertTrue(works.is_works)
        self.assertEqual(works.moe_id.siret, "51234567900017", "the sandbox's project manager")
        first = self.env.ref(f"{MODULE}.invoice_gymnase_situation_1")
        second = self.env.ref(f"{MODULE}.invoice_gymnase_situation_2")
        self.assertEqual((first.state, first.l10n_fr_chorus_transfer), ("draft", True))
        first.action_post()
        self.assertEqual(first.l10n_fr_chorus_state, "to_send", "confirmed, it is to send to Chorus Pro")
        self.assertEqual(second.state, "draft")
        for piece in first | second:
            self.assertEqual((piece.l10n_fr_chorus_works_piece, piece.l10n_fr_chorus_moe_id),
                             ("monthly", works.moe_id))
        self.assertEqual(self.env["l10n_fr_chorus.works.check"]._errors(first), [],
                         "the works rules hold (the buyer is checked on Chorus Pro once `make run` is up)")
        outside = self.env.ref(f"{MODULE}.invoice_entretien_hopital")
        self.assertEqual((outside.state, outside.l10n_fr_chorus_state), ("posted", "not_concerned"))

    def test_demo_has_public_clients_with_valid_sirets(self):
        clients = self.env["res.partner"].browse(
            self.env["ir.model.data"]
            .search([("module", "=", MODULE), ("model", "=", "res.partner")])
            .mapped("res_id")
        ).filtered("is_company")
        self.assertGreaterEqual(len(clients), 2)
        for client in clients:
            self.assertTrue(siret.is_valid(client.siret), f"{client.name}: {client.siret}")


@tagged("post_install", "-at_install", "chorus_install")
class TestInstallUninstall(BaseCase):
    """Runs Odoo in a separate process on a database of its own: without demo data, then uninstalls."""

    def _odoo(self, *args, script=None):
        odoo_bin = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin")
        cmd = [sys.executable, "-c", script, *args] if script else [sys.executable, odoo_bin, *args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("ODOO_TEST")}
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env, check=False)
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        self.assertNotIn(" ERROR ", proc.stderr, proc.stderr[-3000:])
        return proc

    def _query(self, db, sql):
        conn = odoo.sql_db.db_connect(db)
        with conn.cursor() as cr:
            cr.execute(sql)
            return cr.fetchall()

    def test_install_without_demo_then_uninstall(self):
        db = f"{get_db_name()}_nodemo_{uuid.uuid4().hex[:8]}"  # named after the test database: same prefix
        rc = config.rcfile
        try:
            self._odoo("-c", rc, "-d", db, "-i", MODULE, "--without-demo=all", "--stop-after-init",
                       "--no-http", "--log-level=warn")
            self.assertEqual(self._query(db, f"SELECT state FROM ir_module_module WHERE name = '{MODULE}'"),
                             [("installed",)])
            demo_partners = self._query(
                db, f"SELECT name FROM ir_model_data WHERE module = '{MODULE}' AND model = 'res.partner'")
            self.assertEqual(demo_partners, [], "no demo data without demo")

            self._odoo(rc, db, MODULE, script=UNINSTALL_SCRIPT)
            self.assertEqual(self._query(db, f"SELECT state FROM ir_module_module WHERE name = '{MODULE}'"),
                             [("uninstalled",)])
            self.assertEqual(self._query(db, f"SELECT count(*) FROM ir_model_data WHERE module = '{MODULE}'"),
                             [(0,)], "every record of the addon is gone")
            self.assertEqual(self._query(
                db, "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'l10n_fr_chorus%%'"),
                [], "every table of the addon is dropped")
        finally:
            self._drop(db)

    def _drop(self, db):
        """Odoo's ``exp_drop`` drops only the databases it lists, and when Odoo runs with ``-d`` (as the tests do)
        it lists that database alone: it would leave this one behind at every run."""
        odoo.sql_db.close_db(db)
        with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
            cr._cnx.autocommit = True
            cr.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [db])
            cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(db)))
        shutil.rmtree(config.filestore(db), ignore_errors=True)
