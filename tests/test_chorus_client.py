"""The Chorus Pro client against the sandbox, over real sockets on 127.0.0.1 (no database needed)."""

import base64
import logging
import socket
import threading
import time
from datetime import date, datetime, timedelta

from ..chorus_client import (
    ENVIRONMENTS,
    FINAL_STATUSES,
    INVOICE_STATUSES,
    SYNTAX_UBL,
    ChorusAccessDenied,
    ChorusAuthError,
    ChorusBusinessError,
    ChorusClient,
    ChorusError,
    ChorusInvalidAnswer,
    ChorusTransientError,
    clear_token_cache,
    paris_today,
)
from ..chorus_client.results import as_list as _as_list
from ..chorus_sandbox import CLIENT_ID, CLIENT_SECRET, TECHNICAL_LOGIN, TECHNICAL_PASSWORD, SandboxServer
from ..chorus_sandbox.data import MOE_SIRET
from ..chorus_sandbox.samples import tar_gz, ubl_invoice

try:
    # The unittest variant Odoo's test runner requires; it needs no database.
    from odoo.tests.case import TestCase
except ImportError:  # running without Odoo
    from unittest import TestCase

LYCEE_SIRET = '21130055300016'


class SandboxTestCase(TestCase):
    """One sandbox per class; each test starts from the seed data, with no cached token."""

    # Odoo's test loader only runs classes carrying these tags (odoo.tests.BaseCase's metaclass sets them). Not using
    # BaseCase keeps these tests free of a database and of its patching of requests (timeouts raised to 10 s).
    test_tags = {'standard', 'at_install'}
    test_sequence = 0

    @property
    def test_module(self):
        return type(self).__module__.rpartition('.tests.')[0].rpartition('.')[2]

    @property
    def test_class(self):
        return type(self).__name__

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = SandboxServer().start()
        cls.addClassCleanup(cls.sandbox.stop)

    def setUp(self):
        super().setUp()
        self.state = self.sandbox.state
        self.state.reset()
        clear_token_cache()
        self.client = self.make_client()

    def make_client(self, **overrides):
        params = {
            'token_url': self.sandbox.token_url, 'api_url': self.sandbox.api_url, 'client_id': CLIENT_ID,
            'client_secret': CLIENT_SECRET, 'login': TECHNICAL_LOGIN, 'password': TECHNICAL_PASSWORD,
            'timeout': 2, 'retries': 2, 'backoff': 0.01,
        }
        params.update(overrides)
        client = ChorusClient(**params)
        self.addCleanup(client.close)
        return client

    def deposit_and_integrate(self, *invoices):
        """Deposit UBL invoices in one flow, process it; return the flow number."""
        if len(invoices) == 1:
            content, name = invoices[0], 'facture.xml'
        else:
            content, name = tar_gz({f'f{i}.xml': inv for i, inv in enumerate(invoices)}), 'flux.tar.gz'
        number = self.client.deposit_flow(content, name, SYNTAX_UBL)['numeroFluxDepot']
        self.state.advance(flows_to_final=True)
        return number


class TestClientOperations(SandboxTestCase):

    def test_environments(self):
        self.assertEqual(set(ENVIRONMENTS), {'qualification', 'production'})
        self.assertTrue(ENVIRONMENTS['production']['api_url'].startswith('https://'))

    def test_health_check(self):
        # not Chorus Pro's envelope: {body, statusCodeValue, statusCode}
        self.assertEqual(self.client.health_check()['statusCodeValue'], 200)

    def test_structures(self):
        found = self.client.search_structures('21750001600019')
        self.assertEqual([(s['idStructureCPP'], s['statut']) for s in found], [(26000101, 'ACTIVE')])
        self.assertEqual(self.client.search_structures('20005478100014')[0]['statut'], 'INACTIVE')
        structure = self.client.get_structure(26000101)
        self.assertTrue(structure['parametres']['codeServiceDoitEtreRenseigne'])
        self.assertFalse(structure['parametres']['numeroEJDoitEtreRenseigne'])
        self.assertNotIn('dateExpirationMotPasseCompteTech', structure['informationGenerales'])
        supplier = self.client.get_structure(25000001)['informationGenerales']
        expiry = datetime.fromisoformat(supplier['dateExpirationMotPasseCompteTech'])
        self.assertAlmostEqual((expiry.date() - date.today()).days, 200, delta=1)

    def test_no_result(self):
        self.assertEqual(self.client.search_structures('99999999999999'), [])
        self.assertEqual(self.client.search_commitments('EJ-INCONNU'), [])
        self.assertEqual(list(self.client.search_supplier_invoices(numero_facture='NOPE')), [])
        self.assertEqual(list(self.client.search_works_invoices()), [])  # codeRetour 20007
        self.assertEqual(self.client.search_services(26000103), [])  # codeRetour 0, empty list

    def test_single_object_is_a_list(self):
        self.assertEqual(_as_list({'a': 1}), [{'a': 1}])
        self.assertEqual(_as_list(None), [])
        self.assertEqual(_as_list([{'a': 1}]), [{'a': 1}])

    def test_services_all_pages(self):
        services = self.client.search_services(26000104, page_size=10)
        self.assertEqual(len(services), 26)
        self.assertEqual(len({s['codeService'] for s in services}), 26)
        self.assertEqual(self.client.stats['operations']['structures/rechercher/services'], 3)
        montreuil = {s['codeService']: s for s in self.client.search_services(26000101)}
        self.assertFalse(montreuil['ANCIEN_SERVICE']['estActif'])
        ecoles = self.client.get_service(26000101, montreuil['ECOLES']['idService'])
        self.assertTrue(ecoles['parametres']['numeroEngagement'])
        self.assertEqual(ecoles['informationsGenerales']['codeService'], 'ECOLES')

    def test_commitments(self):
        # AIFE: the supplier searches the commitments it received (« structure réceptrice »), from any buyer
        found = self.client.search_commitments('EJ-2026-0042')
        self.assertEqual([c['numeroEngagementJuridique'] for c in found], ['EJ-2026-0042'])
        self.assertEqual(self.client.search_commitments(supplier_siret='11000201100010'), [])
        self.assertEqual(len(self.client.search_commitments(supplier_siret='85295410600013', page_size=2)), 3)
        [commitment] = self.client.commitments('EJ-MIN-7781')
        self.assertEqual((commitment.number, commitment.status, commitment.taxed, commitment.buyer_siret,
                          commitment.service_code), ('EJ-MIN-7781', 'COMMANDE', 250000.0, '11000201100010',
                                                     'DAF_MARCHES'))
        self.assertLess(commitment.chorus_id, 2 ** 31)

    def test_deposit_and_follow(self):
        answer = self.client.deposit_flow(ubl_invoice('F-001', LYCEE_SIRET), 'F-001.xml', SYNTAX_UBL)
        number = answer['numeroFluxDepot']
        self.assertRegex(number, r'^CPP\d{22}$')
        self.assertEqual(answer['syntaxeFlux'], SYNTAX_UBL)
        datetime.fromisoformat(answer['dateDepot'])
        self.assertEqual(self.client.get_flow_report(number)['etatCourantDepotFlux'], 'IN_RECU')
        self.assertEqual(list(self.client.search_supplier_invoices(numero_flux_depot=number)), [])
        self.state.advance(steps=4)
        report = self.client.get_flow_report(number)
        self.assertEqual(report['etatCourantDepotFlux'], 'IN_INTEGRE')
        self.assertEqual(report['listeErreurDP'], [])
        [invoice] = self.client.search_supplier_invoices(numero_flux_depot=number)
        self.assertEqual((invoice['numeroFacture'], invoice['statut'], invoice['montantTTC']),
                         ('F-001', 'DEPOSEE', 1200))
        detail = self.client.get_invoice(invoice['identifiantFactureCPP'])['facture']
        self.assertEqual(detail['destinataire']['codeDestinataire'], LYCEE_SIRET)
        self.state.advance(steps=2)
        history = self.client.get_invoice_history(invoice['identifiantFactureCPP'])
        self.assertEqual(history['statutCourantCode'], 'PRISE_EN_COMPTE_DESTINATAIRE')
        codes = [h['histoStatutCode'] for h in history['historiquesDesStatuts']['histoStatut']]
        self.assertEqual(codes, ['PRISE_EN_COMPTE_DESTINATAIRE', 'MISE_A_DISPOSITION', 'DEPOSEE'])

    def test_invoice_filters(self):
        self.deposit_and_integrate(ubl_invoice('F-A', LYCEE_SIRET), ubl_invoice('F-B', LYCEE_SIRET))
        self.state.set_invoice_status('SUSPENDUE', invoice_number='F-B', comment='Il manque le bon de livraison')
        [suspended] = self.client.search_supplier_invoices(statuts=['SUSPENDUE'])
        self.assertEqual(suspended['numeroFacture'], 'F-B')
        self.assertEqual(suspended['commentaireEtatCourant'], 'Il manque le bon de livraison')
        self.assertEqual(len(list(self.client.search_supplier_invoices(date_from=paris_today()))), 2)
        tomorrow = datetime.now() + timedelta(days=1)
        self.assertEqual(list(self.client.search_supplier_invoices(date_from=tomorrow)), [])
        self.assertEqual(len(list(self.client.search_supplier_invoices(date_to=paris_today()))), 2)
        sent = self.state.last_requests['factures/rechercher/fournisseur']
        self.assertEqual(sent['periodeDateHeureEtatCourantAu'], f'{paris_today():%Y-%m-%d}T23:59:59')

    def test_works_invoices(self):
        self.deposit_and_integrate(ubl_invoice('DM-01', LYCEE_SIRET, billing_frame='A4', moe=MOE_SIRET),
                                   ubl_invoice('F-02', LYCEE_SIRET))
        works = list(self.client.search_works_invoices())
        self.assertEqual([(w['numeroFactureTravaux'], w['cadreFacturation']) for w in works],
                         [('DM-01', 'A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR')])
        [piece] = self.client.find_works_pieces(changed_from=datetime.now() - timedelta(hours=1))
        self.assertEqual((piece.number, piece.frame, piece.state.status), (
            'DM-01', 'A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR', 'DEPOSEE'))
        self.assertTrue(piece.billing_file.startswith('DF-'))
        self.assertEqual(piece.moe_name, 'Atelier Duval Architectes')

    def test_supplier_invoices_stream_all_pages(self):
        self.state.seed_invoices(2500)
        invoices = self.client.search_supplier_invoices(page_size=100)
        first = next(invoices)
        self.assertEqual(self.client.stats['operations']['factures/rechercher/fournisseur'], 1)
        ids = {first['identifiantFactureCPP']} | {inv['identifiantFactureCPP'] for inv in invoices}
        self.assertEqual(len(ids), 2500)
        self.assertEqual(self.client.stats['operations']['factures/rechercher/fournisseur'], 25)
        page, info = self.client.search_supplier_invoices_page(page=3, page_size=10)
        self.assertEqual(len(page), 10)
        self.assertEqual(info, {'pageCourante': 3, 'pages': 250, 'nbResultatsParPage': 10, 'total': 2500})

    def test_statuses(self):
        self.assertEqual(len(INVOICE_STATUSES), 56)
        self.assertLessEqual(FINAL_STATUSES, {code for code, _label in INVOICE_STATUSES})


class TestClientErrors(SandboxTestCase):

    def test_bad_client_secret(self):
        client = self.make_client(client_secret='wrong')
        with self.assertRaises(ChorusAuthError) as caught:
            client.search_structures(LYCEE_SIRET)
        self.assertEqual((caught.exception.credential, caught.exception.status), ('piste', 400))
        self.assertNotIn('wrong', str(caught.exception))

    def test_changed_secret_does_not_reuse_a_token(self):
        self.client.health_check()
        with self.assertRaises(ChorusAuthError):
            self.make_client(client_secret='wrong').health_check()

    def test_bad_password(self):
        client = self.make_client(password='wrong')
        with self.assertRaises(ChorusAuthError) as caught:
            client.get_structure(26000101)
        self.assertEqual((caught.exception.credential, caught.exception.status), ('account', 401))
        # One renewal of the token, then the account is blamed.
        self.assertEqual(self.state.calls['structures/consulter'], 2)
        self.assertEqual(self.state.calls['token'], 2)

    def test_unsubscribed_api(self):
        self.state.set_subscriptions(['structures', 'transverses'])
        self.client.get_structure(26000101)
        with self.assertRaises(ChorusAccessDenied) as caught:
            self.client.get_invoice(1)
        self.assertEqual((caught.exception.api, caught.exception.status), ('factures', 403))
        self.assertIn('factures', str(caught.exception))

    def test_business_errors(self):
        with self.assertRaises(ChorusBusinessError) as caught:  # HTTP 200, codeRetour != 0
            self.client.get_structure(99999999)
        self.assertEqual((caught.exception.code, caught.exception.status), (20002, 200))
        with self.assertRaises(ChorusBusinessError) as caught:  # HTTP 400 with codeRetour
            self.client.deposit_flow(b'<x/>', 'x.xml', 'IN_DP_NOT_A_SYNTAX')
        self.assertEqual((caught.exception.code, caught.exception.status), (20001, 400))
        self.assertIn('IN_DP_NOT_A_SYNTAX', caught.exception.label)
        self.assertFalse(caught.exception.deposit_unknown)

    def test_transient_errors_are_retried_for_reads(self):
        client = self.make_client(retries=3)
        for fault in ('429', '500', '503'):
            self.state.add_fault('structures/rechercher', fault)
        self.assertEqual(len(client.search_structures(LYCEE_SIRET)), 1)
        self.assertEqual(self.state.calls['structures/rechercher'], 4)
        self.assertEqual(client.stats['retries'], 3)
        self.assertEqual(client.stats['operations']['structures/rechercher'], 4)

    def test_retries_exhausted(self):
        self.state.add_fault('*', '503', count=10)
        with self.assertRaises(ChorusTransientError) as caught:
            self.client.get_structure(26000101)
        self.assertEqual(caught.exception.status, 503)
        self.assertTrue(caught.exception.retryable)
        self.assertEqual(self.state.calls['structures/consulter'], 3)

    def test_timeout(self):
        client = self.make_client(timeout=0.3, retries=0)
        self.state.add_fault('consulter', 'timeout', delay=0.8)
        with self.assertRaises(ChorusTransientError) as caught:
            client.get_structure(26000101)
        self.assertIn('timeout', str(caught.exception))
        self.assertFalse(caught.exception.deposit_unknown)
        retrying = self.make_client(timeout=0.3, retries=1)
        self.state.add_fault('consulter', 'timeout', delay=0.8)
        self.assertEqual(retrying.get_structure(26000101)['codeRetour'], 0)

    def test_malformed_json(self):
        self.state.add_fault('structures/consulter', 'malformed_json')
        with self.assertRaises(ChorusInvalidAnswer):
            self.client.get_structure(26000101)
        self.state.add_fault('token', 'malformed_json')
        clear_token_cache()
        with self.assertRaises(ChorusInvalidAnswer):
            self.client.get_structure(26000101)

    def test_token_endpoint_transient_errors_are_retried(self):
        self.state.add_fault('token', '503')
        self.state.add_fault('token', 'timeout', delay=0.5)
        client = self.make_client(timeout=0.3, retries=2)
        self.assertEqual(client.health_check()['statusCode'], 'OK')
        self.assertEqual(self.state.calls['token'], 3)

    def test_deposit_never_retried(self):
        self.state.add_fault('deposer/flux', '503')
        with self.assertRaises(ChorusTransientError) as caught:
            self.client.deposit_flow(ubl_invoice('F-1', LYCEE_SIRET), 'f.xml', SYNTAX_UBL)
        self.assertTrue(caught.exception.deposit_unknown)
        self.assertEqual(self.state.calls['factures/deposer/flux'], 1)
        self.assertEqual(self.state.flows, {})
        self.state.add_fault('deposer/flux', '429')
        with self.assertRaises(ChorusTransientError) as caught:
            self.client.deposit_flow(ubl_invoice('F-1', LYCEE_SIRET), 'f.xml', SYNTAX_UBL)
        self.assertFalse(caught.exception.deposit_unknown)  # a rate limit refuses the request before any work

    def test_deposit_connection_dropped_after_record(self):
        self.state.add_fault('factures/deposer/flux', 'drop_after_record')
        with self.assertRaises(ChorusTransientError) as caught:
            self.client.deposit_flow(ubl_invoice('F-1', LYCEE_SIRET), 'f.xml', SYNTAX_UBL)
        self.assertTrue(caught.exception.deposit_unknown)
        self.assertIsNone(caught.exception.status)  # no HTTP answer at all
        self.assertEqual(self.state.calls['factures/deposer/flux'], 1)
        self.assertEqual(len(self.state.flows), 1)

    def test_deposit_timeout_is_unknown_outcome(self):
        client = self.make_client(timeout=0.3)
        self.state.add_fault('deposer/flux', 'timeout', delay=0.6)
        with self.assertRaises(ChorusTransientError) as caught:
            client.deposit_flow(ubl_invoice('F-1', LYCEE_SIRET), 'f.xml', SYNTAX_UBL)
        self.assertTrue(caught.exception.deposit_unknown)
        deadline = time.monotonic() + 3
        while not self.state.flows and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(len(self.state.flows), 1)

    def test_connection_refused(self):
        with socket.socket() as probe:
            probe.bind(('127.0.0.1', 0))
            port = probe.getsockname()[1]
        client = self.make_client(token_url=self.sandbox.token_url, api_url=f'http://127.0.0.1:{port}', retries=0)
        with self.assertRaises(ChorusTransientError) as caught:
            client.deposit_flow(b'<x/>', 'x.xml', SYNTAX_UBL)
        self.assertFalse(caught.exception.deposit_unknown)  # never sent


class TestClientToken(SandboxTestCase):

    def test_token_shared_across_clients(self):
        other = self.make_client()
        for _i in range(3):
            self.client.search_structures(LYCEE_SIRET)
            other.get_structure(26000103)
        self.assertEqual(self.state.calls['token'], 1)
        self.assertEqual(self.client.stats['token_calls'] + other.stats['token_calls'], 1)

    def test_token_fetched_once_by_concurrent_threads(self):
        clients = [self.make_client() for _i in range(8)]
        errors = []

        def work(client):
            try:
                client.health_check()
            except ChorusError as exc:
                errors.append(exc)
        threads = [threading.Thread(target=work, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        self.assertEqual(self.state.calls['token'], 1)
        self.assertEqual(self.state.calls['transverses/health-check'], 8)

    def test_token_renewed_before_expiry(self):
        self.state.set_credentials(token_lifetime=2)  # the client keeps a margin of half the lifetime
        self.client.health_check()
        self.client.health_check()
        self.assertEqual(self.state.calls['token'], 1)
        time.sleep(1.1)
        self.client.health_check()
        self.assertEqual(self.state.calls['token'], 2)
        self.assertEqual(self.state.calls['transverses/health-check'], 3)  # no 401 on the way

    def test_token_renewed_after_401(self):
        self.client.health_check()
        self.state.revoke_tokens()
        self.assertEqual(self.client.get_structure(26000101)['codeRetour'], 0)
        self.assertEqual(self.state.calls['token'], 2)
        self.assertEqual(self.state.calls['structures/consulter'], 2)
        self.state.add_fault('structures/consulter', '401')
        self.assertEqual(self.client.get_structure(26000101)['codeRetour'], 0)
        self.assertEqual(self.state.calls['token'], 3)


class TestClientSecrets(SandboxTestCase):

    def test_no_secret_in_logs_errors_or_repr(self):
        records = []
        handler = logging.Handler(level=logging.DEBUG)
        handler.emit = records.append
        root = logging.getLogger()
        self.addCleanup(setattr, root, 'handlers', root.handlers)
        self.addCleanup(root.setLevel, root.level)
        root.handlers = [handler]  # capture everything, print nothing
        root.setLevel(logging.DEBUG)
        errors = []
        tokens = set()

        def attempt(call, *args):
            try:
                call(*args)
            except ChorusError as exc:
                errors.append(exc)
            tokens.update(self.state.tokens)

        client = self.client
        attempt(client.health_check)
        attempt(client.deposit_flow, ubl_invoice('F-1', LYCEE_SIRET), 'f.xml', SYNTAX_UBL)
        self.state.add_fault('structures/consulter', '500', count=5)
        attempt(client.get_structure, 26000101)
        self.state.add_fault('deposer/flux', 'drop_after_record')
        attempt(client.deposit_flow, ubl_invoice('F-2', LYCEE_SIRET), 'f.xml', SYNTAX_UBL)
        attempt(self.make_client(password='Wrong-Password-9').health_check)
        attempt(self.make_client(client_secret='wrong-secret-value').health_check)
        self.assertGreaterEqual(len(errors), 4)
        self.assertTrue(tokens)
        secrets = {CLIENT_SECRET, TECHNICAL_PASSWORD, 'Wrong-Password-9', 'wrong-secret-value', *tokens,
                   base64.b64encode(f'{TECHNICAL_LOGIN}:{TECHNICAL_PASSWORD}'.encode()).decode()}
        texts = [record.getMessage() for record in records]
        texts += [str(exc) for exc in errors] + [repr(exc) for exc in errors] + [repr(client)]
        self.assertTrue(any('urllib3' in record.name for record in records))  # urllib3's own logs were captured
        for text in texts:
            for secret in secrets:
                self.assertNotIn(secret, text)
