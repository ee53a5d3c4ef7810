"""The accountant's path in a real browser, in French, against the local Chorus Pro sandbox.

The accountant's journey (static/tests/tours/chorus_pro_tour.js) and the answers to Chorus Pro's decisions
(chorus_pro_decisions_tour.js, helpers in tour_utils.js): tours run one after the other; the Python side moves the
sandbox on between them and checks what the browser did. The tours take the README's screenshots: into ``docs/`` when
the environment variable ``CHORUS_SCREENSHOTS=1`` asks for them (``CHORUS_SCREENSHOTS=1 make test``), otherwise into a
temporary folder, so that a test run leaves the repository as it was.

These tests fail, never skip, when Chrome (Debian's ``chromium``) or ``websocket-client`` is missing.
"""

import base64
import html
import importlib.util
import json
import logging
import os
import re
import tempfile
import unittest
from pathlib import Path
from urllib.parse import quote

from odoo import Command
from odoo.modules.module import get_module_path
from odoo.tests import new_test_user, tagged
from odoo.tests.common import ChromeBrowser, _find_executable

from odoo.addons.account.tests.common import AccountTestInvoicingCommon, AccountTestInvoicingHttpCommon

from ..chorus_client import clear_token_cache
from ..chorus_sandbox import SandboxServer
from ..chorus_sandbox import data as sandbox_data
from .common import PlaceholderPdfMixin

_logger = logging.getLogger(__name__)

MODULE = "l10n_fr_chorus_pro"
TRANSFER_GROUP = "l10n_fr_chorus_pro.group_l10n_fr_chorus_transfer"
# Read by the tours (document.cookie): what only Python knows (sandbox URL, invoice numbers, French labels).
CONFIG_COOKIE = "l10n_fr_chorus_pro_tour"
# A tour asks for a screenshot with console.log(MARKER + name) and waits for EVENT (detail = name).
SCREENSHOT_MARKER = "l10n_fr_chorus_pro:screenshot:"
SCREENSHOT_EVENT = "l10n_fr_chorus_pro:screenshot-taken"
SCREENSHOTS = ("chorus_pro_settings", "chorus_pro_checklist", "chorus_pro_partner", "chorus_pro_send_wizard",
               "chorus_pro_invoice", "chorus_pro_overview")
DECISION_SCREENSHOTS = ("chorus_pro_complete", "chorus_pro_recycle", "chorus_pro_rejected")
MONTREUIL_SIRET = "21750001600019"
LYCEE_SIRET = "21130055300016"
TOUR_TIMEOUT = 120


def require_browser():
    """Odoo skips browser tests when Chrome or websocket-client is missing: here that is a failure."""
    problems = []
    try:
        _find_executable()
    except unittest.SkipTest as exc:
        problems.append(str(exc))
    if importlib.util.find_spec("websocket") is None:
        problems.append("the websocket-client Python package is not installed")
    if problems:
        raise AssertionError(
            "Chrome could not be started for the Chorus Pro tours: %s. Install Debian's chromium "
            "(apt-get install chromium) and websocket-client (pip install websocket-client)." % "; ".join(problems)
        )


class ChorusTourCase(PlaceholderPdfMixin, AccountTestInvoicingHttpCommon):
    """French Odoo, a company connected to a sandbox of its own, the accountants; screenshots for the README.
    The tours themselves are in the test classes (this one and test_chorus_works_tour.py)."""

    browser_size = "1400x900"

    @classmethod
    @AccountTestInvoicingCommon.setup_country("fr")
    def setUpClass(cls):
        require_browser()
        super().setUpClass()
        cls.sandbox = SandboxServer(port=0).start()
        cls.addClassCleanup(cls.sandbox.stop)
        clear_token_cache()
        cls.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.retry_backoff", "0.01")
        cls.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.flow_report_delay", "0")

        # Odoo in French, as the users of this addon see it.
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"].sudo().search([("state", "=", "installed")])._update_translations(["fr_FR"])

        cls.company = cls.company_data["company"]
        cls.company.write({
            "name": "Bâtiments Durand",
            "siret": sandbox_data.SUPPLIER_SIRET,
            "street": "12 rue des Artisans",
            "zip": "37000",
            "city": "Tours",
        })
        cls.env["res.partner.bank"].create({
            "acc_number": "FR7630006000011234567890189",
            "partner_id": cls.company.partner_id.id,
            "company_id": cls.company.id,
        })
        cls.product = cls._create_product(name="Entretien des espaces verts", lst_price=1200.0)

        # The administrator is the invoicing test user (system administrator, accounting manager).
        cls.admin = cls.env.user
        cls.admin.write({
            "name": "Claire Martin",
            "lang": "fr_FR",
            "tz": "Europe/Paris",
            "groups_id": [Command.link(cls.env.ref("base.group_partner_manager").id)],
        })
        user_vals = {"lang": "fr_FR", "tz": "Europe/Paris", "company_id": cls.company.id,
                     "company_ids": [Command.set(cls.company.ids)]}
        cls.accountant = new_test_user(
            cls.env, login="comptable_chorus", name="Julien Moreau",
            groups=f"base.group_user,account.group_account_invoice,{TRANSFER_GROUP}", **user_vals)
        cls.accountant_no_transfer = new_test_user(
            cls.env, login="comptable_sans_chorus", name="Sophie Bernard",
            groups="base.group_user,account.group_account_invoice", **user_vals)

        address = {"is_company": True, "country_id": cls.env.ref("base.fr").id, "customer_rank": 1}
        # Not flagged yet: the administrator flags it in the tour.
        cls.montreuil = cls.env["res.partner"].create({
            "name": "Ville de Montreuil-sur-Loire", "siret": MONTREUIL_SIRET, "street": "Place de la Mairie",
            "zip": "49000", "city": "Montreuil-sur-Loire", **address,
        })
        cls.lycee = cls.env["res.partner"].create({
            "name": "Lycée Jean Moulin", "siret": LYCEE_SIRET, "street": "3 boulevard Jean Moulin",
            "zip": "13001", "city": "Marseille", **address,
        })
        cls.lycee.l10n_fr_chorus_client = True

        if os.environ.get("CHORUS_SCREENSHOTS") == "1":
            cls.docs_dir = Path(get_module_path(MODULE)) / "docs"
        else:
            screenshots = tempfile.TemporaryDirectory(prefix="chorus_pro_screenshots_")
            cls.addClassCleanup(screenshots.cleanup)
            cls.docs_dir = Path(screenshots.name)

    def setUp(self):
        super().setUp()
        self.sandbox.state.reset()
        clear_token_cache()
        self.screenshots_taken = set()
        self.patch(ChromeBrowser, "_handle_console", self._console_handler())

    # ------------------------------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------------------------------
    def _console_handler(self):
        """ChromeBrowser's console handler, plus the screenshot requests of the tours."""
        original = ChromeBrowser._handle_console
        test = self

        def handle_console(browser, type, args=None, stackTrace=None, **kw):  # CDP's own argument names
            first = (args or [{}])[0]
            if type == "log" and first.get("type") == "string" and first.get("value", "").startswith(
                    SCREENSHOT_MARKER):
                test._take_screenshot(browser, first["value"][len(SCREENSHOT_MARKER):])
            return original(browser, type, args=args, stackTrace=stackTrace, **kw)

        return handle_console

    def _take_screenshot(self, browser, request):
        """Capture the viewport into <docs_dir>/<name>.png, then tell the waiting tour step.

        ``request`` is ``name`` or ``name:HEIGHT`` (the viewport is that tall for this capture only). Runs in the
        browser's websocket thread: only non-blocking sends, chained by callbacks.
        """
        match = re.fullmatch(r"([a-z0-9_]+)(?::(\d{3,4}))?", request)
        name = match.group(1) if match else request
        width, height = (int(size) for size in self.browser_size.replace("x", ",").split(","))
        taller = int(match.group(2)) if match and match.group(2) else None

        def send(method, params, then):
            browser._websocket_send(method, params=params, with_future=True).add_done_callback(then)

        def resize(new_height, then):
            send("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": new_height, "deviceScaleFactor": 1, "mobile": False}, then)

        def notify(_future=None):
            event = f"new CustomEvent({json.dumps(SCREENSHOT_EVENT)}, {{detail: {json.dumps(name)}}})"
            browser._websocket_send("Runtime.evaluate", params={"expression": f"window.dispatchEvent({event})"})

        def saved(future):
            try:
                self.docs_dir.mkdir(exist_ok=True)
                (self.docs_dir / f"{name}.png").write_bytes(base64.b64decode(future.result()["data"]))
                self.screenshots_taken.add(name)
                _logger.info("Chorus Pro tour: screenshot %s saved in %s", name, self.docs_dir)
            except Exception:
                _logger.exception("Chorus Pro tour: screenshot %s failed", name)
            finally:
                if taller:
                    resize(height, notify)
                else:
                    notify()

        def capture(_future=None):
            send("Page.captureScreenshot", {"format": "png"}, saved)

        def settle_then_capture(_future):
            frames = "new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))"
            send("Runtime.evaluate", {"expression": frames, "awaitPromise": True}, capture)

        if not match:
            _logger.error("Chorus Pro tour: bad screenshot request %r", request)
            notify()
        elif taller:
            resize(taller, settle_then_capture)
        else:
            capture()

    def run_tour(self, tour, user, **config):
        """Run ``tour`` as ``user``; ``config`` reaches the tour as JSON in a cookie. Chrome missing = failure."""
        cookie = quote(json.dumps({"screenshots": True, **config}), safe="")
        try:
            self.start_tour("/odoo", tour, login=user.login, timeout=TOUR_TIMEOUT, cookies={CONFIG_COOKIE: cookie})
        except unittest.SkipTest as exc:
            self.fail(f"Chrome could not be started for the tour {tour}: {exc}")
        self.env.invalidate_all()

    def fr_selection(self, model, field):
        """The French labels of a selection field, as the tours read them."""
        records = self.env[model].with_context(lang="fr_FR")
        return dict(records._fields[field]._description_selection(records.env))

    def fr_action_name(self, xmlid):
        return self.env.ref(xmlid).with_context(lang="fr_FR").name

    def fr_view_button(self, name, model="account.move"):
        """The French label of a header button of ``model``'s form."""
        arch = self.env[model].with_user(self.accountant).with_context(lang="fr_FR").get_view(
            view_type="form")["arch"]
        found = re.search(rf'<button name="{name}"[^>]* string="([^"]+)"', arch)
        self.assertTrue(found, name)
        return html.unescape(found.group(1))

    def connect_to_sandbox(self):
        """The company connected to this class's sandbox, as the administrator's tour leaves it."""
        self.company.write({
            "l10n_fr_chorus_environment": "sandbox", "l10n_fr_chorus_sandbox_url": self.sandbox.url,
            "l10n_fr_chorus_client_id": sandbox_data.CLIENT_ID,
            "l10n_fr_chorus_client_secret": sandbox_data.CLIENT_SECRET,
            "l10n_fr_chorus_login": sandbox_data.TECHNICAL_LOGIN,
            "l10n_fr_chorus_password": sandbox_data.TECHNICAL_PASSWORD,
        })

    def make_invoice(self, partner, price=850.0, **vals):
        invoice = self.env["account.move"].create({
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_line_ids": [Command.create({"product_id": self.product.id, "price_unit": price})],
            **vals,
        })
        invoice.action_post()
        return invoice



@tagged("post_install", "-at_install")
class TestChorusTour(ChorusTourCase):
    def test_chorus_pro_journey(self):
        states = self.fr_selection("account.move", "l10n_fr_chorus_state")

        # 1. The administrator connects the company to the sandbox and checks a public client.
        self.run_tour("l10n_fr_chorus_pro_tour", self.admin, sandboxUrl=self.sandbox.url,
                      clientId=sandbox_data.CLIENT_ID, clientSecret=sandbox_data.CLIENT_SECRET,
                      login=sandbox_data.TECHNICAL_LOGIN, password=sandbox_data.TECHNICAL_PASSWORD,
                      structureName=sandbox_data.SUPPLIER_NAME)
        company = self.company
        self.assertEqual(company.l10n_fr_chorus_environment, "sandbox")
        self.assertEqual(company.l10n_fr_chorus_sandbox_url, self.sandbox.url)
        self.assertEqual(company.sudo().l10n_fr_chorus_login, sandbox_data.TECHNICAL_LOGIN)
        self.assertEqual(company.l10n_fr_chorus_structure_name, sandbox_data.SUPPLIER_NAME)
        self.assertTrue(self.montreuil.l10n_fr_chorus_client)
        self.assertEqual(self.montreuil.l10n_fr_chorus_structure_state, "active")
        self.assertIn("SERVICES_TECHNIQUES", self.montreuil.l10n_fr_chorus_service_ids.mapped("code"))

        # Two more invoices for the batch send: one ready, one the wizard must hold back (no service).
        self.lycee.action_l10n_fr_chorus_check()
        ready = self.make_invoice(self.lycee)
        blocked = self.make_invoice(self.montreuil)
        self.assertEqual((ready + blocked).mapped("l10n_fr_chorus_state"), ["to_send", "to_send"])

        # 2. The accountant creates, posts and sends an invoice, then sends the other two from the list.
        self.run_tour("l10n_fr_chorus_pro_tour_send", self.accountant, batch=[ready.name, blocked.name],
                      blocked=blocked.name, deposited=states["deposited"],
                      sendAction=self.fr_action_name("l10n_fr_chorus_pro.action_l10n_fr_chorus_send"))
        invoice = self.env["account.move"].search([
            ("partner_id", "=", self.montreuil.id), ("id", "!=", blocked.id), ("move_type", "=", "out_invoice"),
        ])
        self.assertEqual(len(invoice), 1, "the tour created one invoice")
        self.assertEqual(invoice.l10n_fr_chorus_service_id.code, "SERVICES_TECHNIQUES")
        self.assertEqual(invoice.l10n_fr_chorus_state, "deposited")
        self.assertEqual(ready.l10n_fr_chorus_state, "deposited")
        self.assertEqual(blocked.l10n_fr_chorus_state, "to_send", "held back by the wizard, not sent")
        self.assertEqual(self.sandbox.state.calls["factures/deposer/flux"], 2)

        # 3. Chorus Pro integrates the flows, and the buyer moves the invoices on.
        self.sandbox.state.advance(flows_to_final=True)
        self.sandbox.state.advance(steps=2)
        status = self.sandbox.state.find_invoice(invoice_number=invoice.name).status
        statuses = self.fr_selection("account.move", "l10n_fr_chorus_status")

        # 4. « Mettre à jour le statut » shows the new status, its history and the chatter line.
        self.run_tour("l10n_fr_chorus_pro_tour_status", self.accountant, invoice=invoice.name,
                      status=statuses[status], integrated=states["integrated"])
        self.assertEqual(invoice.l10n_fr_chorus_status, status)
        self.assertEqual(invoice.l10n_fr_chorus_state, "integrated")
        self.assertEqual(set(invoice.l10n_fr_chorus_history_ids.mapped("status")),
                         {"DEPOSEE", "MISE_A_DISPOSITION", "PRISE_EN_COMPTE_DESTINATAIRE"})
        tracked = invoice.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "l10n_fr_chorus_status")
        self.assertTrue(tracked, "the status change is in the chatter")

        # 5. The overview: a card per state, each opening its invoices.
        cards = {card.category: card for card in self.env["l10n_fr_chorus.overview"].search(
            [("company_id", "=", self.company.id)])}
        self.assertEqual((cards["in_progress"].invoice_count, cards["to_send"].invoice_count), (2, 1))
        categories = self.fr_selection("l10n_fr_chorus.overview", "category")
        self.run_tour("l10n_fr_chorus_pro_tour_overview", self.accountant, invoice=invoice.name,
                      inProgress=categories["in_progress"], inProgressCount=cards["in_progress"].invoice_count)

        self.assertEqual(self.screenshots_taken, set(SCREENSHOTS), f"screenshots expected in {self.docs_dir}")

    def test_accountant_outside_transfer_group(self):
        invoice = self.make_invoice(self.lycee)
        self.assertEqual(invoice.l10n_fr_chorus_state, "to_send")
        self.assertFalse(self.accountant_no_transfer.has_group(TRANSFER_GROUP))
        self.run_tour("l10n_fr_chorus_pro_tour_no_transfer_right", self.accountant_no_transfer, invoice=invoice.name,
                      sendAction=self.fr_action_name("l10n_fr_chorus_pro.action_l10n_fr_chorus_send"),
                      refreshAction=self.fr_action_name("l10n_fr_chorus_pro.action_l10n_fr_chorus_refresh_status"),
                      toSend=self.fr_selection("account.move", "l10n_fr_chorus_state")["to_send"])
        self.assertEqual(invoice.l10n_fr_chorus_state, "to_send")

    # ------------------------------------------------------------------------------------------
    # After a Chorus Pro decision (static/tests/tours/chorus_pro_decisions_tour.js)
    # ------------------------------------------------------------------------------------------
    def decided_invoice(self, partner, status, comment, **vals):
        """An invoice on Chorus Pro, given ``status`` by the buyer, seen by the scheduled update."""
        invoice = self.make_invoice(partner, invoice_user_id=self.accountant.id, **vals)
        sent, message = invoice.sudo()._l10n_fr_chorus_send()[invoice]
        self.assertTrue(sent, message)
        self.sandbox.state.advance(flows_to_final=True)
        self.env["account.move"].sudo()._cron_l10n_fr_chorus_sync()
        self.sandbox.state.set_invoice_status(status, invoice_number=invoice.name, comment=comment)
        self.env["account.move"].sudo()._cron_l10n_fr_chorus_sync()
        self.assertEqual(invoice.l10n_fr_chorus_status, status)
        return invoice

    def test_decisions_handled_from_odoo(self):
        self.connect_to_sandbox()
        self.montreuil.l10n_fr_chorus_client = True
        (self.montreuil | self.lycee).action_l10n_fr_chorus_check()
        services = self.montreuil.l10n_fr_chorus_service_ids
        technique = services.filtered(lambda s: s.code == "SERVICES_TECHNIQUES")
        ecoles = services.filtered(lambda s: s.code == "ECOLES")
        statuses = self.fr_selection("account.move", "l10n_fr_chorus_status")
        buttons = {name: self.fr_view_button(name) for name in (
            "action_l10n_fr_chorus_complete", "action_l10n_fr_chorus_recycle", "action_l10n_fr_chorus_replace")}
        calls = self.sandbox.state.calls

        # « Suspendue »: completed from Odoo with the invoice's delivery note and a comment
        suspended = self.decided_invoice(self.lycee, "SUSPENDUE", "Bon de livraison manquant")
        self.env["ir.attachment"].create({"name": "bon_de_livraison.pdf", "raw": b"%PDF-1.4 bon de livraison",
                                          "res_model": "account.move", "res_id": suspended.id})
        self.run_tour("l10n_fr_chorus_pro_tour_complete", self.accountant, invoice=suspended.name,
                      suspended=statuses["SUSPENDUE"], completed=statuses["COMPLETEE"],
                      buyerComment="Bon de livraison manquant", document="bon_de_livraison.pdf",
                      comment="Le bon de livraison signé est joint.",
                      completeLabel=buttons["action_l10n_fr_chorus_complete"])
        self.assertEqual((calls["transverses/ajouter/fichier"], calls["factures/completer"]), (1, 1))
        self.assertEqual(suspended.l10n_fr_chorus_status, "COMPLETEE")
        completed = self.sandbox.state.find_invoice(invoice_number=suspended.name)
        self.assertEqual(completed.status, "COMPLETEE")

        # « À recycler »: sent to the right service of the town hall, with the commitment number it requires
        to_recycle = self.decided_invoice(self.montreuil, "A_RECYCLER", "Mauvais service destinataire",
                                          l10n_fr_chorus_service_id=technique.id)
        self.run_tour("l10n_fr_chorus_pro_tour_recycle", self.accountant, invoice=to_recycle.name,
                      toRecycle=statuses["A_RECYCLER"], deposited=statuses["DEPOSEE"], serviceSearch="écoles",
                      serviceName=ecoles.display_name, commitment="BC-2026-117",
                      recycleLabel=buttons["action_l10n_fr_chorus_recycle"])
        self.assertEqual(calls["factures/recycler"], 1)
        self.assertEqual(to_recycle.l10n_fr_chorus_service_id, ecoles)
        recycled = self.sandbox.state.find_invoice(invoice_number=to_recycle.name)
        self.assertEqual((recycled.service["codeService"], recycled.status), ("ECOLES", "DEPOSEE"))

        # « Rejetée »: cancelled by a credit note that stays in Odoo, replaced by a new invoice ready to send
        rejected = self.decided_invoice(self.lycee, "REJETEE", "Facture en double de la commande")
        deposits = calls["factures/deposer/flux"]
        self.run_tour("l10n_fr_chorus_pro_tour_replace", self.accountant, invoice=rejected.name,
                      rejected=statuses["REJETEE"], replaceLabel=buttons["action_l10n_fr_chorus_replace"],
                      confirmText=self.fr_confirm("action_l10n_fr_chorus_replace"),
                      draft=self.fr_selection("account.move", "state")["draft"], buyer=self.lycee.name)
        self.assertEqual(rejected.payment_state, "reversed")
        refund = rejected.reversal_move_ids
        self.assertEqual(refund.l10n_fr_chorus_state, "not_concerned", "the credit note is not transferred")
        new = self.env["account.move"].search([("partner_id", "=", self.lycee.id), ("state", "=", "draft"),
                                               ("move_type", "=", "out_invoice")])
        self.assertEqual(len(new), 1, "one new invoice, ready to confirm and send")
        self.assertEqual(calls["factures/deposer/flux"], deposits, "nothing sent again")

        self.assertEqual(self.screenshots_taken, set(DECISION_SCREENSHOTS), f"screenshots in {self.docs_dir}")

    def fr_confirm(self, name):
        """The first words of the French confirmation of a header button (up to a comma or an apostrophe)."""
        arch = self.env["account.move"].with_user(self.accountant).with_context(lang="fr_FR").get_view(
            view_type="form")["arch"]
        found = re.search(rf'<button name="{name}"[^>]* confirm="([^"]+)"', arch)
        self.assertTrue(found, name)
        return re.split(r"[,'’(«]", html.unescape(found.group(1)))[0].strip()
