"""The Chorus Pro sandbox: deposits and their checks, time moving on, HTTP behaviour, Swagger conformance."""

import base64
import contextlib
import io
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from ..chorus_client import SYNTAX_CII, SYNTAX_FACTURX, SYNTAX_UBL
from ..chorus_sandbox import CLIENT_ID, CLIENT_SECRET, TECHNICAL_LOGIN, TECHNICAL_PASSWORD, parse_flow
from ..chorus_sandbox.__main__ import main as sandbox_cli
from ..chorus_sandbox.samples import cii_invoice, tar_gz, ubl_invoice
from .test_chorus_client import SandboxTestCase

try:
    from pypdf import PdfWriter
except ImportError:
    from PyPDF2 import PdfWriter

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / 'chorus_sandbox' / 'specs'
MONTREUIL, HOSPITAL, LYCEE, MINISTRY, SYNDICATE = (
    '21750001600019', '26690123000018', '21130055300016', '11000201100010', '20005478100014')


def facturx_pdf(xml=None):
    """A one-page PDF carrying ``xml`` as its embedded factur-x.xml (no attachment without ``xml``)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if xml is not None:
        writer.add_attachment('factur-x.xml', xml)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


class TestDeposits(SandboxTestCase):

    def deposit(self, content, name='facture.xml', syntax=SYNTAX_UBL, to_final=True):
        number = self.client.deposit_flow(content, name, syntax)['numeroFluxDepot']
        if to_final:
            self.state.advance(flows_to_final=True)
        return number, self.client.get_flow_report(number)

    def invoices(self, flow_number):
        return list(self.client.search_supplier_invoices(numero_flux_depot=flow_number))

    def test_ubl_flow_moves_one_state_per_step(self):
        xml = ubl_invoice('F-UBL-1', MONTREUIL, service_code='ECOLES', commitment='EJ-ECOLE-12', market='M-2026-7')
        number, report = self.deposit(xml, to_final=False)
        states = [report['etatCourantDepotFlux']]
        for _step in range(4):
            self.state.advance()
            states.append(self.client.get_flow_report(number)['etatCourantDepotFlux'])
        self.assertEqual(states, ['IN_RECU', 'IN_TRAITE_SE_CPP', 'IN_EN_ATTENTE_TRAITEMENT_CPP',
                                  'IN_EN_COURS_TRAITEMENT_CPP', 'IN_INTEGRE'])
        [invoice] = self.invoices(number)
        self.assertEqual(
            {key: invoice[key] for key in ('numeroFacture', 'statut', 'codeDestinataire', 'codeServiceExecutant',
                                           'numeroBonCommande', 'numeroMarche', 'montantHT', 'typeFacture')},
            {'numeroFacture': 'F-UBL-1', 'statut': 'DEPOSEE', 'codeDestinataire': MONTREUIL,
             'codeServiceExecutant': 'ECOLES', 'numeroBonCommande': 'EJ-ECOLE-12', 'numeroMarche': 'M-2026-7',
             'montantHT': 1000.0, 'typeFacture': 'FACTURE'})
        self.assertIsInstance(invoice['identifiantFactureCPP'], int)

    def test_cii_flow(self):
        xml = cii_invoice('F-CII-1', HOSPITAL, commitment='EJ-2026-0042', billing_frame='A9', credit_note=True)
        number, report = self.deposit(xml, syntax=SYNTAX_CII)
        self.assertEqual(report['etatCourantDepotFlux'], 'IN_INTEGRE')
        [invoice] = self.invoices(number)
        self.assertEqual((invoice['typeFacture'], invoice['numeroBonCommande']), ('AVOIR', 'EJ-2026-0042'))
        detail = self.client.get_invoice(invoice['identifiantFactureCPP'])['facture']
        self.assertEqual(detail['cadreDeFacturation']['codeCadreFacturation'], 'A9_FACTURE_SOUSTRAITANT')

    def test_facturx_pdf_flow(self):
        pdf = facturx_pdf(cii_invoice('F-FX-1', LYCEE))
        number, report = self.deposit(pdf, name='F-FX-1.pdf', syntax=SYNTAX_FACTURX)
        self.assertEqual(report['etatCourantDepotFlux'], 'IN_INTEGRE')
        self.assertEqual([inv['numeroFacture'] for inv in self.invoices(number)], ['F-FX-1'])

    def test_tar_gz_flow_partly_integrated(self):
        flow = tar_gz({
            'a.xml': ubl_invoice('F-T-1', LYCEE),
            'b.xml': ubl_invoice('F-T-2', MONTREUIL),  # no service code: refused
            'c.xml': ubl_invoice('F-T-3', HOSPITAL, commitment='EJ-2026-0043'),
        })
        number, report = self.deposit(flow, name='flux.tar.gz')
        self.assertEqual(report['etatCourantDepotFlux'], 'IN_INTEGRE_PARTIEL')
        [error] = report['listeErreurDP']
        self.assertEqual((error['numeroDP'], error['identifiantDestinataire'], error['identifiantFournisseur']),
                         ('F-T-2', MONTREUIL, '85295410600013'))
        self.assertIn('code service', error['libelleErreurDP'])
        self.assertEqual(sorted(inv['numeroFacture'] for inv in self.invoices(number)), ['F-T-1', 'F-T-3'])

    def test_rejections(self):
        cases = {
            'unknown buyer': (ubl_invoice('R-1', '12345678900011'), "n'est pas référencé dans notre système"),
            'inactive buyer': (ubl_invoice('R-2', SYNDICATE), 'inactive'),
            'missing service code': (ubl_invoice('R-3', MONTREUIL), 'code service est obligatoire'),
            'unknown service': (ubl_invoice('R-4', MONTREUIL, service_code='NOPE'), "NOPE n'existe pas"),
            'inactive service': (ubl_invoice('R-5', MONTREUIL, service_code='ANCIEN_SERVICE'), 'inactif'),
            'public invoices service': (ubl_invoice('R-6', MONTREUIL, service_code='FACTURES_PUBLIQUES'),
                                        'FACTURES_PUBLIQUES'),
            'commitment required by the buyer': (ubl_invoice('R-7', HOSPITAL), 'engagement juridique'),
            'commitment required by the service': (ubl_invoice('R-8', MONTREUIL, service_code='ECOLES'),
                                                   'engagement juridique'),
            'commitment too long': (ubl_invoice('R-9', HOSPITAL, commitment='E' * 51), '50 caractères'),
            'ministry without commitment': (ubl_invoice('R-10', MINISTRY, service_code='DAF_MARCHES'),
                                            'engagement juridique'),
        }
        for case, (xml, message) in cases.items():
            with self.subTest(case):
                number, report = self.deposit(xml)
                self.assertEqual(report['etatCourantDepotFlux'], 'IN_REJETE')
                [error] = report['listeErreurDP']
                self.assertIn(message, error['libelleErreurDP'])
                self.assertEqual(self.invoices(number), [])

    def test_accepted_buyers(self):
        cases = {
            'nothing required': ubl_invoice('A-1', LYCEE),
            'commitment': ubl_invoice('A-2', HOSPITAL, commitment='EJ-2026-0042'),
            'service code': ubl_invoice('A-3', MONTREUIL, service_code='SERVICES_TECHNIQUES'),
            'both': ubl_invoice('A-4', MINISTRY, service_code='SVC_25', commitment='EJ-MIN-7781'),
        }
        for case, xml in cases.items():
            with self.subTest(case):
                self.assertEqual(self.deposit(xml)[1]['etatCourantDepotFlux'], 'IN_INTEGRE')

    def test_duplicate_number(self):
        self.assertEqual(self.deposit(ubl_invoice('D-1', LYCEE))[1]['etatCourantDepotFlux'], 'IN_INTEGRE')
        _number, report = self.deposit(ubl_invoice('D-1', LYCEE))
        self.assertEqual(report['etatCourantDepotFlux'], 'IN_REJETE')
        self.assertIn('déjà été déposée', report['listeErreurDP'][0]['libelleErreurDP'])
        _number, report = self.deposit(tar_gz({'a.xml': ubl_invoice('D-2', LYCEE),
                                                'b.xml': ubl_invoice('D-2', LYCEE)}), name='flux.tar.gz')
        self.assertEqual(report['etatCourantDepotFlux'], 'IN_INTEGRE_PARTIEL')

    def test_unreadable_flows(self):
        cases = {
            'not XML': (b'not an invoice', 'f.xml', SYNTAX_UBL),
            'CII declared as UBL': (cii_invoice('X-1', LYCEE), 'f.xml', SYNTAX_UBL),
            'XML declared as Factur-X': (cii_invoice('X-2', LYCEE), 'f.pdf', SYNTAX_FACTURX),
            'PDF without XML': (facturx_pdf(), 'f.pdf', SYNTAX_FACTURX),
            'broken archive': (b'\x1f\x8b\x08broken', 'f.tar.gz', SYNTAX_UBL),
        }
        for case, (content, name, syntax) in cases.items():
            with self.subTest(case):
                _number, report = self.deposit(content, name=name, syntax=syntax)
                self.assertEqual(report['etatCourantDepotFlux'], 'IN_REJETE')
                self.assertEqual(report['listeErreurDP'], [])
                self.assertEqual(len(report['listeErreurTechnique']), 1)
                self.assertTrue(report['listeErreurTechnique'][0]['libelleErreur'])

    def test_odoo_style_ubl_party_identifiers(self):
        xml = ubl_invoice('O-1', LYCEE).replace(
            b'<cac:PartyIdentification><cbc:ID schemeID="0009">',
            b'<cac:PartyLegalEntity><cbc:CompanyID>FR12345678901</cbc:CompanyID></cac:PartyLegalEntity>'
            b'<cac:PartyIdentification><cbc:ID schemeName="1">')
        [parsed] = parse_flow(xml, 'o.xml', SYNTAX_UBL)
        self.assertEqual(parsed.buyer_siret, LYCEE)

    def test_invoice_reaches_payment(self):
        number, _report = self.deposit(ubl_invoice('P-1', LYCEE))
        self.state.advance(steps=10)
        [invoice] = self.invoices(number)
        self.assertEqual(invoice['statut'], 'MISE_EN_PAIEMENT')
        history = self.client.get_invoice_history(invoice['identifiantFactureCPP'])['historiquesDesStatuts']
        self.assertEqual([h['histoStatutCode'] for h in reversed(history['histoStatut'])], [
            'DEPOSEE', 'MISE_A_DISPOSITION', 'PRISE_EN_COMPTE_DESTINATAIRE', 'SERVICE_FAIT', 'MANDATEE',
            'MISE_A_DISPOSITION_COMPTABLE', 'COMPTABILISEE', 'MISE_EN_PAIEMENT'])

    def test_buyer_not_reporting_payment_stops_at_comptabilisee(self):
        number, _report = self.deposit(ubl_invoice('P-2', MINISTRY, service_code='DAF_MARCHES',
                                                   commitment='EJ-MIN-7781'))
        self.state.advance(steps=10)
        self.assertEqual(self.invoices(number)[0]['statut'], 'COMPTABILISEE')

    def test_suspended_then_completed(self):
        number, _report = self.deposit(ubl_invoice('S-1', LYCEE))
        self.state.set_invoice_status('SUSPENDUE', invoice_number='S-1', comment='Pièce justificative manquante')
        self.state.advance(steps=3)
        [invoice] = self.invoices(number)
        self.assertEqual((invoice['statut'], invoice['commentaireEtatCourant']),
                         ('SUSPENDUE', 'Pièce justificative manquante'))
        history = self.client.get_invoice_history(invoice['identifiantFactureCPP'])['historiquesDesStatuts']
        self.assertEqual(history['histoStatut'][0]['histoStatutCommentaire'], 'Pièce justificative manquante')
        self.state.set_invoice_status('COMPLETEE', invoice_id=invoice['identifiantFactureCPP'])
        self.state.advance()
        self.assertEqual(self.invoices(number)[0]['statut'], 'PRISE_EN_COMPTE_DESTINATAIRE')
        with self.assertRaises(ValueError):
            self.state.set_invoice_status('NOT_A_STATUS', invoice_number='S-1')

    def test_flow_incident(self):
        number, _report = self.deposit(ubl_invoice('I-1', LYCEE), to_final=False)
        self.state.set_flow_state(number, 'IN_INCIDENTE')
        self.state.advance(steps=5)
        self.assertEqual(self.client.get_flow_report(number)['etatCourantDepotFlux'], 'IN_INCIDENTE')
        self.assertEqual(self.invoices(number), [])

    def test_seed_invoices(self):
        result = self.state.seed_invoices(30, status='MANDATEE')
        invoices = list(self.client.search_supplier_invoices(numero_flux_depot=result['flow'], statuts=['MANDATEE']))
        self.assertEqual(len(invoices), 30)
        self.assertEqual(self.client.get_flow_report(result['flow'])['etatCourantDepotFlux'], 'IN_INTEGRE')


class TestHttp(SandboxTestCase):

    def post(self, path, body=None, token=True, account=None, **kwargs):
        headers = kwargs.pop('headers', {})
        if token:
            headers['Authorization'] = 'Bearer ' + (token if isinstance(token, str) else self.token())
        credentials = account or f'{TECHNICAL_LOGIN}:{TECHNICAL_PASSWORD}'
        headers.setdefault('cpro-account', base64.b64encode(credentials.encode()).decode())
        if body is not None:
            kwargs['json'] = body
        return requests.post(self.sandbox.url + path, headers=headers, timeout=5, **kwargs)

    def token(self):
        answer = requests.post(self.sandbox.token_url, timeout=5, data={
            'grant_type': 'client_credentials', 'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET,
            'scope': 'openid'})
        answer.raise_for_status()
        return answer.json()['access_token']

    def test_token_endpoint(self):
        answer = requests.post(self.sandbox.token_url, timeout=5, data={
            'grant_type': 'client_credentials', 'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET,
            'scope': 'openid'}).json()
        self.assertEqual((answer['token_type'], answer['expires_in'], answer['scope']), ('Bearer', 3600, 'openid'))
        refused = requests.post(self.sandbox.token_url, timeout=5, data={
            'grant_type': 'client_credentials', 'client_id': CLIENT_ID, 'client_secret': 'nope'})
        self.assertEqual((refused.status_code, refused.json()['error']), (400, 'invalid_client'))
        self.assertEqual(requests.get(self.sandbox.token_url, timeout=5).status_code, 405)

    def test_bearer_required_and_expires(self):
        self.assertEqual(self.post('/cpro/structures/v1/consulter', {}, token=False).status_code, 401)
        self.assertEqual(self.post('/cpro/structures/v1/consulter', {}, token='forged').status_code, 401)
        self.state.set_credentials(token_lifetime=1)
        token = self.token()
        self.assertEqual(self.post('/cpro/structures/v1/consulter', {'idStructureCPP': 26000101},
                                   token=token).status_code, 200)
        time.sleep(1.1)
        self.assertEqual(self.post('/cpro/structures/v1/consulter', {'idStructureCPP': 26000101},
                                   token=token).status_code, 401)

    def test_wrong_technical_account(self):
        answer = self.post('/cpro/structures/v1/consulter', {'idStructureCPP': 26000101},
                           account=f'{TECHNICAL_LOGIN}:wrong')
        self.assertEqual(answer.status_code, 401)
        self.assertEqual(answer.headers['WWW-Authenticate'],
                         'Bearer realm="PISTE",error="Unauthorized",error_description="login or password incorrects"')
        self.assertEqual(self.post('/cpro/structures/v1/consulter', {}, headers={'cpro-account': '%%%'}).status_code,
                         401)

    def test_unsubscribed_api_is_403_with_empty_body(self):
        self.state.set_subscriptions(['structures'])
        answer = self.post('/cpro/factures/v1/consulter/fournisseur', {'identifiantFactureCPP': 1})
        self.assertEqual((answer.status_code, answer.content), (403, b''))

    def test_json_required(self):
        path = '/cpro/structures/v1/consulter'
        self.assertEqual(self.post(path, data='idStructureCPP=1',
                                   headers={'Content-Type': 'text/plain'}).status_code, 415)
        # a malformed JSON body is a bad request (400), not an unsupported media type
        self.assertEqual(self.post(path, data='{not json', headers={'Content-Type': 'application/json'}).status_code,
                         400)
        self.assertEqual(self.post(path, data='[1]', headers={'Content-Type': 'application/json'}).status_code, 400)

    def test_unknown_operation_and_method(self):
        self.assertEqual(self.post('/cpro/factures/v1/inventer', {}).status_code, 404)
        self.assertEqual(self.post('/cpro/transverses/v1/health-check', {}).status_code, 405)
        self.assertEqual(requests.get(self.sandbox.url + '/nowhere', timeout=5).status_code, 404)

    def test_invalid_parameters_are_400_with_code(self):
        answer = self.post('/cpro/factures/v1/deposer/flux', {'fichierFlux': '***', 'nomFichier': 'f.xml',
                                                              'syntaxeFlux': SYNTAX_UBL})
        self.assertEqual((answer.status_code, answer.json()['codeRetour']), (400, 20001))
        answer = self.post('/cpro/structures/v1/consulter', {'idStructureCPP': 'abc'})
        self.assertEqual((answer.status_code, answer.json()['codeRetour']), (400, 20001))
        answer = self.post('/cpro/structures/v1/rechercher/services', {'idStructure': 26000104})
        self.assertEqual(answer.json()['parametresRetour'],  # default page size: 10
                         {'pageCourante': 1, 'pages': 3, 'nbResultatsParPage': 10, 'total': 26})

    def test_faults_over_http(self):
        self.state.add_fault('health-check', 'malformed_json')
        answer = requests.get(self.sandbox.url + '/cpro/transverses/v1/health-check', timeout=5,
                              headers={'Authorization': 'Bearer ' + self.token(),
                                       'cpro-account': base64.b64encode(
                                           f'{TECHNICAL_LOGIN}:{TECHNICAL_PASSWORD}'.encode()).decode()})
        self.assertEqual(answer.status_code, 200)
        with self.assertRaises(ValueError):
            answer.json()
        self.state.add_fault('*', 'drop_after_record')
        with self.assertRaises(requests.ConnectionError):
            self.post('/cpro/structures/v1/consulter', {'idStructureCPP': 26000101})
        self.assertEqual(self.post('/cpro/structures/v1/consulter', {'idStructureCPP': 26000101}).status_code, 200)
        with self.assertRaises(ValueError):
            self.state.add_fault('token', 'explode')

    def test_control_endpoints(self):
        url = self.sandbox.url + '/_sandbox/'
        self.client.deposit_flow(ubl_invoice('C-1', LYCEE), 'c.xml', SYNTAX_UBL)
        answer = requests.post(url + 'advance', json={'flows_to_final': True}, timeout=5).json()
        self.assertEqual(answer, {'flows_moved': 1, 'invoices_moved': 0})
        answer = requests.post(url + 'set_invoice_status', timeout=5, json={
            'status': 'A_RECYCLER', 'invoice_number': 'C-1', 'comment': 'Mauvais service'}).json()
        self.assertEqual(answer['status'], 'A_RECYCLER')
        requests.post(url + 'faults', json={'operation': 'token', 'fault': '503', 'count': 2}, timeout=5)
        requests.post(url + 'subscriptions', json={'apis': ['factures']}, timeout=5)
        requests.post(url + 'credentials', json={'token_lifetime': 60}, timeout=5)
        summary = requests.get(url + 'state', timeout=5).json()
        self.assertEqual(summary['invoices_by_status'], {'A_RECYCLER': 1})
        self.assertEqual(summary['flows'][0]['etat'], 'IN_INTEGRE')
        self.assertEqual(summary['faults'][0]['count'], 2)
        self.assertEqual((summary['subscriptions'], summary['token_lifetime']), (['factures'], 60))
        self.assertNotIn(TECHNICAL_PASSWORD, json.dumps(summary))
        self.assertEqual(requests.post(url + 'advance', json={'bogus': 1}, timeout=5).status_code, 400)
        self.assertEqual(requests.post(url + 'subscriptions', json={'apis': ['nope']}, timeout=5).status_code, 400)
        self.assertEqual(requests.post(url + 'nothing', json={}, timeout=5).status_code, 404)
        requests.post(url + 'reset', timeout=5)
        self.assertEqual(requests.get(url + 'state', timeout=5).json()['flows'], [])

    def test_command_line_controls(self):
        self.client.deposit_flow(ubl_invoice('L-1', LYCEE), 'l.xml', SYNTAX_UBL)
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            self.assertEqual(sandbox_cli(['advance', '--url', self.sandbox.url, '--flows-to-final']), 0)
            self.assertEqual(sandbox_cli(['set-invoice-status', '--url', self.sandbox.url, '--invoice-number', 'L-1',
                                          '--status', 'SUSPENDUE', '--comment', 'RIB manquant']), 0)
            self.assertEqual(sandbox_cli(['fault', '--url', self.sandbox.url, '--operation', 'deposer/flux',
                                          '--fault', '500']), 0)
        self.assertEqual(self.state.find_invoice(invoice_number='L-1').comment, 'RIB manquant')
        self.assertEqual(self.state.faults[0]['fault'], '500')
        with contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(sandbox_cli(['set-invoice-status', '--url', self.sandbox.url, '--invoice-number',
                                          'NOPE', '--status', 'SUSPENDUE']), 1)

    def test_runs_as_a_program(self):
        with socket.socket() as probe:
            probe.bind(('127.0.0.1', 0))
            port = probe.getsockname()[1]
        process = subprocess.Popen([sys.executable, '-m', 'chorus_sandbox', '--port', str(port), '--quiet'], cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(process.wait, 5)
        self.addCleanup(process.kill)
        deadline = time.monotonic() + 10
        while True:
            try:
                state = requests.get(f'http://127.0.0.1:{port}/_sandbox/state', timeout=1).json()
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    self.fail(f'the sandbox did not start: {process.stderr.read().decode()}')
                time.sleep(0.1)
        self.assertEqual(state['client_id'], CLIENT_ID)

