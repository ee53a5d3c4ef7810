"""Exactly once on committed data, as in production: real commits, a rollback by Odoo, a worker killed mid-deposit.

These tests work on the demo company of the test database through their own cursors (like the scheduled actions)
and delete what they created at the end.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from unittest.mock import patch

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged

from ..chorus_client import clear_token_cache
from ..chorus_sandbox import SandboxServer

CHILD = """
import sys
import odoo
from odoo.modules.registry import Registry
odoo.tools.config.parse_config(['-c', sys.argv[1], '-d', sys.argv[2], '--log-level=warn'])
registry = Registry(sys.argv[2])
with registry.cursor() as cr:
    odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})['account.move']._cron_l10n_fr_chorus_send()
"""


@tagged("post_install", "-at_install")
class TestCommittedExactlyOnce(BaseCase):
    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        # the addon commits as it does in production (Odoo's test mode forbids it)
        patcher = patch.object(self.registry["account.move.send"], "_can_commit", lambda _self: True)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.sandbox = SandboxServer(port=0).start()
        self.addCleanup(self.sandbox.stop)
        clear_token_cache()
        with self.cursor() as env:
            company = env.ref("base.demo_company_fr", raise_if_not_found=False)
            self.assertTrue(company, "the test database has the demo data")
            self.company_id = company.id
            self.saved = company.read(["l10n_fr_chorus_sandbox_url", "l10n_fr_chorus_environment",
                                       "l10n_fr_chorus_start_date", "l10n_fr_chorus_format"])[0]
            company.write({"l10n_fr_chorus_sandbox_url": self.sandbox.url, "l10n_fr_chorus_environment": "sandbox",
                           "l10n_fr_chorus_start_date": "2020-01-01", "l10n_fr_chorus_format": "ubl"})
            env.ref("l10n_fr_chorus_pro.partner_lycee_jean_moulin").with_company(company).action_l10n_fr_chorus_check()
        self.ids = []
        self.addCleanup(self.clean)

    @contextmanager
    def cursor(self):
        """A cursor of our own on the registry, committed at the end like a scheduled action's."""
        with self.registry.cursor() as cr:
            # the test runner holds the registry lock: hand the registry over instead of looking it up
            cr.transaction = api.Transaction(self.registry)
            context = {"allowed_company_ids": [self.company_id]} if hasattr(self, "company_id") else {}
            yield api.Environment(cr, SUPERUSER_ID, context)

    def make_invoices(self, count=1):
        with self.cursor() as env:
            buyer = env.ref("l10n_fr_chorus_pro.partner_lycee_jean_moulin")
            product = env["product.product"].create({"name": "Travaux de peinture", "list_price": 500})
            invoices = env["account.move"].create([{
                "move_type": "out_invoice",
                "company_id": self.company_id,
                "partner_id": buyer.id,
                "invoice_date": "2026-11-02",
                "partner_bank_id": env.ref("base.demo_bank_fr").id,
                "invoice_line_ids": [Command.create({"product_id": product.id, "price_unit": 500.0})],
            } for _i in range(count)])
            invoices.action_post()
            self.ids += invoices.ids
            return invoices.mapped("name")

    def clean(self):
        with self.registry.cursor() as cr:
            cr.transaction = api.Transaction(self.registry)
            if self.ids:
                cr.execute("""DELETE FROM l10n_fr_chorus_flow WHERE id IN (
                                  SELECT flow_id FROM l10n_fr_chorus_flow_move_rel WHERE move_id = ANY(%s))""",
                           [self.ids])
                cr.execute("DELETE FROM account_move WHERE id = ANY(%s)", [self.ids])
            env = api.Environment(cr, SUPERUSER_ID, {})
            saved = {k: v for k, v in self.saved.items() if k != "id"}
            env["res.company"].browse(self.company_id).write(saved)

    def deposited(self):
        return Counter(p.number for flow in self.sandbox.state.flows.values() for p in flow.parsed)

    def states(self):
        with self.cursor() as env:
            return env["account.move"].browse(self.ids).mapped("l10n_fr_chorus_state")

    def cron(self, method):
        with self.cursor() as env:
            getattr(env["account.move"], method)()

    # ------------------------------------------------------------------ Odoo rolls back Send & Print
    def test_send_and_print_without_answer_then_rolled_back_is_never_sent_twice(self):
        [name] = self.make_invoices()
        self.sandbox.state.add_fault("factures/deposer/flux", "drop_after_record")
        with self.assertRaises(UserError), self.cursor() as env:
            # Odoo raises the error it was told about: the request's transaction is rolled back
            env["account.move.send"]._generate_and_send_invoices(env["account.move"].browse(self.ids),
                                                               sending_methods={"chorus_pro"})
        self.assertEqual(self.states(), ["sending"], "the unanswered deposit survived the rollback")
        self.cron("_cron_l10n_fr_chorus_send")
        self.sandbox.state.advance(flows_to_final=True)
        self.cron("_cron_l10n_fr_chorus_sync")
        self.cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(self.deposited()[name], 1)
        self.assertEqual(self.states(), ["integrated"])

    # ------------------------------------------------------------------ a worker killed mid-deposit
    def run_child_until_deposit(self, fault, delay=120):
        self.sandbox.state.add_fault("factures/deposer/flux", fault, delay=delay)
        child = subprocess.Popen([sys.executable, "-c", CHILD, odoo.tools.config.rcfile, get_db_name()],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: child.poll() is None and child.kill())
        deadline = time.monotonic() + 120
        while self.sandbox.state.calls["factures/deposer/flux"] == 0 and time.monotonic() < deadline:
            self.assertIsNone(child.poll(), "the child worker died before depositing")
            time.sleep(0.2)
        time.sleep(0.5)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)

    def test_worker_killed_after_chorus_pro_recorded_the_deposit(self):
        [name] = self.make_invoices()
        self.run_child_until_deposit("hang_after_record")
        self.assertEqual(self.deposited()[name], 1, "Chorus Pro has it")
        self.assertEqual(self.states(), ["sending"], "the intent was committed before the request")
        self.cron("_cron_l10n_fr_chorus_send")  # Chorus Pro has not integrated it yet: nothing is sent again
        self.assertEqual(self.deposited()[name], 1)
        self.sandbox.state.advance(flows_to_final=True)
        self.cron("_cron_l10n_fr_chorus_sync")
        self.assertEqual(self.states(), ["integrated"])
        self.cron("_cron_l10n_fr_chorus_send")
        self.assertEqual(self.deposited()[name], 1)

    def test_worker_killed_before_the_answer(self):
        [name] = self.make_invoices()
        self.run_child_until_deposit("timeout", delay=5)  # Chorus Pro records it once its slow answer is over
        self.assertEqual(self.states(), ["sending"])
        for _wait in range(150):
            if self.deposited()[name]:
                break
            time.sleep(0.1)
        self.sandbox.state.advance(flows_to_final=True)
        self.cron("_cron_l10n_fr_chorus_send")
        self.cron("_cron_l10n_fr_chorus_sync")
        self.assertEqual(self.states(), ["integrated"])
        self.assertEqual(self.deposited()[name], 1)

    # ------------------------------------------------------------------ history written by two at once
    def test_manual_refresh_during_a_sync_never_fails(self):
        names = self.make_invoices(3)
        self.cron("_cron_l10n_fr_chorus_send")
        self.sandbox.state.advance(flows_to_final=True)
        self.sandbox.state.advance(steps=3)
        errors = []

        def refresh():
            try:
                with self.cursor() as env:
                    env["account.move"].browse(self.ids).action_l10n_fr_chorus_refresh_status()
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=refresh) for _i in range(3)]
        threads.append(threading.Thread(target=self.cron, args=("_cron_l10n_fr_chorus_sync",)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertEqual(errors, [], "a refresh during a sync waits for nothing and fails on nothing")
        self.refresh_alone()
        with self.cursor() as env:
            for move in env["account.move"].browse(self.ids):
                lines = [(h.status, h.date) for h in move.l10n_fr_chorus_history_ids]
                self.assertEqual(len(lines), len(set(lines)), "each status once per date")
                self.assertGreaterEqual(len(lines), 2, "the history is complete")
        self.assertEqual(sorted(self.deposited()), sorted(names))

    def refresh_alone(self):
        with self.cursor() as env:
            env["account.move"].browse(self.ids).action_l10n_fr_chorus_refresh_status()
