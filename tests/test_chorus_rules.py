"""Chorus Pro's business rules after a deposit (chorus_sandbox/rules.py): one case per rule, as the platform reports
it, then through the addon — the invoice ends in a clear state carrying Chorus Pro's reason."""

import requests

from odoo.tests import tagged

from ..chorus_client import SYNTAX_UBL
from ..chorus_sandbox.rules import RULES
from ..chorus_sandbox.samples import tar_gz, ubl_invoice
from .common import ChorusInvoiceCase
from .test_chorus_client import SandboxTestCase

MONTREUIL, HOSPITAL, LYCEE, MINISTRY, SYNDICATE = (
    '21750001600019', '26690123000018', '21130055300016', '11000201100010', '20005478100014')

# rule id -> (the invoice that breaks it, words of the wording Chorus Pro reports)
CASES = {
    'FOURNISSEUR_NON_REFERENCE': (lambda n: ubl_invoice(n, LYCEE, supplier_siret='00000000000000'),
                                  "L'identifiant fournisseur de la demande de paiement (00000000000000) n'est pas "
                                  "référencé dans notre système."),
    'DESTINATAIRE_NON_REFERENCE': (lambda n: ubl_invoice(n, '12345678900011'),
                                   "(12345678900011) n'est pas référencé dans notre système"),
    'DESTINATAIRE_INACTIF': (lambda n: ubl_invoice(n, SYNDICATE),
                             f'La structure destinataire {SYNDICATE} est inactive'),
    'SERVICE_INCONNU': (lambda n: ubl_invoice(n, MONTREUIL, service_code='NOPE'), "Le code service NOPE n'existe pas"),
    'SERVICE_RESERVE': (lambda n: ubl_invoice(n, MONTREUIL, service_code='FACTURES_PUBLIQUES'),
                        'réservé aux factures entre entités publiques'),
    'SERVICE_INACTIF': (lambda n: ubl_invoice(n, MONTREUIL, service_code='ANCIEN_SERVICE'),
                        'Le service ANCIEN_SERVICE de la structure destinataire'),
    'SERVICE_OBLIGATOIRE': (lambda n: ubl_invoice(n, MONTREUIL), 'Le code service est obligatoire'),
    'EJ_OBLIGATOIRE': (lambda n: ubl_invoice(n, HOSPITAL), "Le numéro d'engagement juridique est obligatoire"),
    'EJ_OU_SERVICE_OBLIGATOIRE': (lambda n: ubl_invoice(n, LYCEE), 'Le code service ou le numéro d'),
    'EJ_TROP_LONG': (lambda n: ubl_invoice(n, HOSPITAL, commitment='E' * 51), 'dépasse 50 caractères'),
    'NUMERO_FACTURE_TROP_LONG': (lambda n: ubl_invoice(n + '-' + 'X' * 20, LYCEE), 'dépasse 20 caractères'),
    'FACTURE_DEJA_DEPOSEE': (lambda n: ubl_invoice('DUP-1', LYCEE), 'La facture DUP-1 a déjà été déposée'),
    'MOYEN_PAIEMENT_ABSENT': (lambda n: ubl_invoice(n, LYCEE, payment_means=''), 'moyen de paiement (BT-81)'),
    'DEVISE_INVALIDE': (lambda n: ubl_invoice(n, LYCEE, currency='euro'), "La devise euro"),
    'MONTANTS_INCOHERENTS': (lambda n: ubl_invoice(n, LYCEE, untaxed='1000.00', taxed='900.00'),
                             'le montant TTC est inférieur au montant HT'),
    'AVOIR_SANS_FACTURE_ORIGINE': (lambda n: ubl_invoice(n, LYCEE, credit_note=True),
                                   'ne référence pas la facture qu'),
    'EJ_INCONNU': (lambda n: ubl_invoice(n, MINISTRY, service_code='DAF_MARCHES', commitment='EJ-NOPE'),
                   "Le numéro d'engagement juridique EJ-NOPE n'existe pas"),
    'MOE_OBLIGATOIRE': (lambda n: ubl_invoice(n, LYCEE, billing_frame='A4'),
                        "Le cadre de facturation A4 impose d'identifier la maîtrise d'œuvre"),
    'MOE_NON_REFERENCEE': (lambda n: ubl_invoice(n, LYCEE, billing_frame='A4', moe='12345678200010'),
                           "La maîtrise d'œuvre 12345678200010 de la demande de paiement"),
    'PIECE_PRECEDENTE_INTROUVABLE': (lambda n: ubl_invoice(n, LYCEE, billing_frame='A8', origin='DM-NOPE'),
                                     'La pièce précédente DM-NOPE de la demande de paiement'),
}
# The status a works piece takes at the first step (it goes to the MOE, or to the MOA for a closing piece).
FIRST_STEP = {'MOE_OBLIGATOIRE': 'MISE_A_DISPOSITION_MOE', 'MOE_NON_REFERENCEE': 'MISE_A_DISPOSITION_MOE',
              'PIECE_PRECEDENTE_INTROUVABLE': 'TRANSMISE_MOA'}


class TestBusinessRules(SandboxTestCase):
    """Each rule of the table refuses as Chorus Pro reports it, and its switch makes the platform lenient."""

    def deposit(self, content):
        number = self.client.deposit_flow(content, 'f.xml', SYNTAX_UBL)['numeroFluxDepot']
        self.state.advance(flows_to_final=True)
        return number

    def outcome(self, rule, number):
        """What the supplier reads of a refusal: the flow report's line, or the invoice's later status."""
        report = self.client.get_flow_report(number)
        invoices = list(self.client.search_supplier_invoices(numero_flux_depot=number))
        if rule.outcome == 'FLOW':
            self.assertEqual(report['etatCourantDepotFlux'], 'IN_REJETE')
            self.assertEqual(invoices, [])
            [error] = report['listeErreurDP']
            return error['libelleErreurDP']
        self.assertEqual(report['etatCourantDepotFlux'], 'IN_INTEGRE')
        self.state.advance()
        [invoice] = self.client.search_supplier_invoices(numero_flux_depot=number)
        self.assertEqual(invoice['statut'], rule.outcome)
        return invoice['commentaireEtatCourant']

    def test_every_rule_has_a_case(self):
        self.assertEqual(set(CASES), {rule.id for rule in RULES})

    def test_each_rule_refuses_as_chorus_pro_reports_it(self):
        for index, rule in enumerate(RULES):
            make, wording = CASES[rule.id]
            with self.subTest(rule.id):
                self.state.reset()
                self.state.set_rules(enabled=[rule.id])  # the ones off by default too
                if rule.id == 'EJ_OU_SERVICE_OBLIGATOIRE':
                    self.state.structures[26000103]['parametres']['gestionNumeroEJOuCodeService'] = True
                if rule.id == 'FACTURE_DEJA_DEPOSEE':
                    self.deposit(ubl_invoice('DUP-1', LYCEE))
                self.assertIn(wording, self.outcome(rule, self.deposit(make(f'R-{index}'))))

    def test_each_rule_can_be_switched_off(self):
        for index, rule in enumerate(RULES):
            if rule.stop and rule.id != 'DESTINATAIRE_INACTIF':
                continue  # an unknown supplier or buyer cannot be integrated, whatever the switches
            make, _wording = CASES[rule.id]
            with self.subTest(rule.id):
                self.state.reset()
                self.state.set_rules(disabled=[rule.id])
                if rule.id == 'EJ_OU_SERVICE_OBLIGATOIRE':
                    self.state.structures[26000103]['parametres']['gestionNumeroEJOuCodeService'] = True
                if rule.id == 'FACTURE_DEJA_DEPOSEE':
                    self.deposit(ubl_invoice('DUP-1', LYCEE))
                number = self.deposit(make(f'L-{index}'))
                self.assertEqual(self.client.get_flow_report(number)['etatCourantDepotFlux'], 'IN_INTEGRE')
                self.state.advance()
                [invoice] = self.client.search_supplier_invoices(numero_flux_depot=number)
                self.assertEqual(invoice['statut'], FIRST_STEP.get(rule.id, 'MISE_A_DISPOSITION'))

    def test_partly_integrated_flow_lists_each_refusal(self):
        flow = tar_gz({'a.xml': ubl_invoice('P-1', LYCEE), 'b.xml': ubl_invoice('P-2', LYCEE, payment_means=''),
                       'c.xml': ubl_invoice('P-3', LYCEE, supplier_siret='00000000000000')})
        number = self.client.deposit_flow(flow, 'f.tar.gz', SYNTAX_UBL)['numeroFluxDepot']
        self.state.advance(flows_to_final=True)
        report = self.client.flow_report(number)
        self.assertEqual(report.state, 'IN_INTEGRE_PARTIEL')
        self.assertEqual([(r.invoice_number, r.already_deposited) for r in report.refusals],
                         [('P-2', False), ('P-3', False)])

    def test_control_endpoint_and_unknown_rule(self):
        answer = requests.post(self.sandbox.url + '/_sandbox/rules', json={'disabled': ['EJ_INCONNU']},
                               timeout=5).json()
        self.assertIn('EJ_INCONNU', answer['disabled'])
        self.assertEqual(requests.post(self.sandbox.url + '/_sandbox/rules', json={'disabled': ['NOPE']},
                                       timeout=5).status_code, 400)
        self.assertEqual(self.state.set_rules(reset=True)['disabled'], ['AVOIR_SANS_FACTURE_ORIGINE'])


@tagged("post_install", "-at_install")
class TestBusinessRulesThroughTheAddon(ChorusInvoiceCase):
    """A refusal after the deposit ends the invoice in a clear state, with Chorus Pro's reason to act on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ministry = cls.make_checked_buyer("Ministère de l'Exemple", MINISTRY)
        cls.daf = cls.ministry.l10n_fr_chorus_service_ids.filtered(lambda s: s.code == "DAF_MARCHES")

    def sync(self, steps=0):
        self.sandbox.state.advance(flows_to_final=True)
        if steps:
            self.sandbox.state.advance(steps=steps)
        self.run_cron("_cron_l10n_fr_chorus_sync")

    def assertRefused(self, invoice, wording, fix=None):
        self.assertEqual(invoice.l10n_fr_chorus_state, "rejected")
        self.assertIn(wording, invoice.l10n_fr_chorus_rejection)
        if fix:  # what to fix, and where
            self.assertIn("What to fix:", invoice.l10n_fr_chorus_rejection)
            self.assertIn(fix, invoice.l10n_fr_chorus_rejection)
        self.assertTrue(invoice.activity_ids.filtered(lambda a: a.summary == "Chorus Pro refused the invoice"))

    def test_supplier_not_referenced(self):
        self.sandbox.state.account_suppliers = set()  # the technical account may not deposit for this SIRET
        invoice = self.make_invoice(self.lycee)
        invoice._l10n_fr_chorus_send()
        self.sync()
        self.assertRefused(invoice, "L'identifiant fournisseur de la demande de paiement (85295410600013) n'est pas "
                                    "référencé dans notre système.", fix="the company's SIRET")

    def test_buyer_made_inactive_after_the_check(self):
        invoice = self.make_invoice(self.lycee)
        self.sandbox.state.structures[26000103]['active'] = False
        invoice._l10n_fr_chorus_send()
        self.sync()
        self.assertRefused(invoice, "La structure destinataire 21130055300016 est inactive", fix="the client's SIRET")

    def test_rules_changed_after_the_check(self):
        rules = self.sandbox.state.structures[26000103]['parametres']
        for key, wording in (("codeServiceDoitEtreRenseigne", "Le code service est obligatoire"),
                             ("numeroEJDoitEtreRenseigne", "Le numéro d'engagement juridique est obligatoire"),
                             ("gestionNumeroEJOuCodeService", "Le code service ou le numéro d'engagement")):
            with self.subTest(key):
                self.sandbox.state.reset()
                self.sandbox.state.structures[26000103]['parametres'][key] = True
                invoice = self.make_invoice(self.lycee)
                invoice._l10n_fr_chorus_send()
                self.sync()
                self.assertRefused(invoice, wording, fix="on the invoice's Chorus Pro tab")
        self.assertTrue(rules)

    def test_service_made_inactive_after_the_check(self):
        invoice = self.make_invoice(self.montreuil, l10n_fr_chorus_service_id=self.service_technique.id)
        for service in self.sandbox.state.structures[26000101]['services']:
            service['estActif'] = False
        invoice._l10n_fr_chorus_send()
        self.sync()
        self.assertRefused(invoice, "Le service SERVICES_TECHNIQUES de la structure destinataire",
                           fix="the buyer's service")

    def test_unknown_commitment_comes_back_to_recycle(self):
        invoice = self.make_invoice(self.ministry, l10n_fr_chorus_service_id=self.daf.id,
                                    purchase_order_reference="EJ-INCONNU-1")
        invoice._l10n_fr_chorus_send()
        self.sync(steps=1)
        self.assertEqual(invoice.l10n_fr_chorus_status, "A_RECYCLER")
        self.assertIn("EJ-INCONNU-1 n'existe pas", invoice.l10n_fr_chorus_status_comment)
        self.assertTrue(invoice.activity_ids.filtered(lambda a: "recycle" in (a.note or "")))

    def test_lenient_platform_integrates_it(self):
        self.sandbox.state.set_rules(disabled=["EJ_INCONNU"])
        invoice = self.make_invoice(self.ministry, l10n_fr_chorus_service_id=self.daf.id,
                                    purchase_order_reference="EJ-INCONNU-2")
        invoice._l10n_fr_chorus_send()
        self.sync(steps=1)
        self.assertEqual(invoice.l10n_fr_chorus_status, "MISE_A_DISPOSITION")

    def test_what_the_addon_checks_before_depositing(self):
        """Number over 20 characters, no payment means: never deposited, the invoice says what to fix."""
        long_number = self.make_invoice(self.lycee)
        long_number.name = "FACTURE-CLIENT-PUBLIC/2026/00001"
        no_bank = self.make_invoice(self.lycee, partner_bank_id=False)
        errors = self.env["l10n_fr_chorus.invoice.check"]
        self.assertIn("Chorus Pro takes 20 at most", " ".join(errors._errors(long_number)))
        self.assertIn("Chorus Pro needs the payment means", " ".join(errors._errors(no_bank)))
        (long_number | no_bank)._l10n_fr_chorus_send()
        self.assertEqual(self.sandbox_flows(), [])
