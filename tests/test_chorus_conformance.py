"""Every answer of the sandbox, error answers included, fits AIFE's Swagger model of its operation (where AIFE
publishes one; AIFE's published samples otherwise), and its technical ids fit 32 bits."""

import base64
import json
from datetime import datetime
from pathlib import Path

import requests

from ..chorus_client import BILLING_FRAMES, INVOICE_STATUSES, SYNTAX_UBL
from ..chorus_sandbox import TECHNICAL_LOGIN, TECHNICAL_PASSWORD
from ..chorus_sandbox.operations import OPERATIONS
from ..chorus_sandbox.samples import tar_gz, ubl_invoice
from .test_chorus_client import SandboxTestCase

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / 'chorus_sandbox' / 'specs'
MONTREUIL, LYCEE, MINISTRY = '21750001600019', '21130055300016', '11000201100010'
ID_KEYS = {'idStructureCPP', 'idService', 'identifiantFactureCPP', 'idFacture', 'idDestinataire', 'idFournisseur',
           'idServiceExecutant', 'idEngagementJuridique', 'pieceJointeId', 'idFactureTravaux', 'histoStatutId'}


class Swagger:
    """An AIFE Swagger 2.0 file: models of requests and answers, and a recursive checker of JSON values."""

    def __init__(self, filename):
        self.doc = json.loads((SPECS / filename).read_text(encoding='utf-8'))

    def response(self, path):
        return self.doc['paths'][path]['post']['responses']['200']['schema']

    def request(self, path):
        parameters = self.doc['paths'][path]['post']['parameters']
        return next(p['schema'] for p in parameters if p['in'] == 'body')

    def resolve(self, schema):
        while '$ref' in schema:
            schema = self.doc['definitions'][schema['$ref'].rsplit('/', 1)[1]]
        return schema

    def problems(self, value, schema, where='$'):
        """Every way ``value`` departs from ``schema``: unknown field, wrong JSON type, bad enum or date."""
        schema = self.resolve(schema)
        kind = schema.get('type', 'object' if 'properties' in schema else None)
        checks = {
            'object': lambda v: isinstance(v, dict), 'array': lambda v: isinstance(v, list),
            'string': lambda v: isinstance(v, str), 'boolean': lambda v: isinstance(v, bool),
            'integer': lambda v: isinstance(v, int) and not isinstance(v, bool),
            'number': lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        }
        if kind not in checks:
            return [f'{where}: the model has no type']
        if not checks[kind](value):
            return [f'{where}: {type(value).__name__} instead of {kind}']
        found = []
        if kind == 'object':
            properties = schema.get('properties', {})
            found += [f'{where}.{key}: required, missing' for key in schema.get('required', []) if key not in value]
            for key, item in value.items():
                if key not in properties:
                    found.append(f'{where}.{key}: not in the model')
                else:
                    found += self.problems(item, properties[key], f'{where}.{key}')
        elif kind == 'array':
            for index, item in enumerate(value):
                found += self.problems(item, schema['items'], f'{where}[{index}]')
        elif kind == 'string':
            if 'enum' in schema and value not in schema['enum']:
                found.append(f'{where}: {value!r} not in the enum')
            if schema.get('format') == 'date-time':
                try:
                    datetime.fromisoformat(value)
                except ValueError:
                    found.append(f'{where}: {value!r} is not a date-time')
        return found


class TestSwaggerConformance(SandboxTestCase):
    """Every answer of the Factures and Structures operations the sandbox serves fits AIFE's Swagger models."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.factures = Swagger('chorus-pro-factures.swagger.json')
        cls.structures = Swagger('chorus-pro-structures.swagger.json')

    def assertFits(self, swagger, path, answer):
        self.assertEqual(swagger.problems(answer, swagger.response(path)), [], path)

    def test_code_lists_match_the_swagger(self):
        definitions = self.factures.doc['definitions']
        self.assertEqual([code for code, _label in INVOICE_STATUSES],
                         definitions['FactureCppEmise']['properties']['statutFacture']['enum'])
        self.assertEqual([code for code, _label in BILLING_FRAMES],
                         definitions['RechercherFactureParFournisseurParam']['properties']['cadreFacturation']['enum'])

    def test_structures_answers(self):
        client, api = self.client, self.structures
        self.assertFits(api, '/v1/rechercher', client._call('structures', 'rechercher', {
            'structure': {'identifiantStructure': MONTREUIL, 'typeIdentifiantStructure': 'SIRET'}}))
        for id_cpp in (25000001, 26000101, 26000104, 26000105):
            self.assertFits(api, '/v1/consulter', client.get_structure(id_cpp))
        answer = client._call('structures', 'rechercher/services', {
            'idStructure': 26000104, 'parametresRechercherServicesStructure': {'pageResultatDemandee': 2}})
        self.assertFits(api, '/v1/rechercher/services', answer)
        self.assertFits(api, '/v1/rechercher/services', client._call('structures', 'rechercher/services', {
            'idStructure': 26000103}))
        for service in client.search_services(26000101):
            self.assertFits(api, '/v1/consulter/service', client.get_service(26000101, service['idService']))
        for path in ('/v1/rechercher', '/v1/consulter', '/v1/rechercher/services', '/v1/consulter/service'):
            self.assertEqual(api.problems(self.state.last_requests['structures' + path[3:]], api.request(path)), [],
                             f'request {path}')

    def test_factures_answers(self):
        client, api = self.client, self.factures
        deposit = client.deposit_flow(tar_gz({
            'a.xml': ubl_invoice('W-1', MONTREUIL, service_code='ECOLES', commitment='EJ-9', market='M-1'),
            'b.xml': ubl_invoice('W-2', LYCEE, credit_note=True),
            'c.xml': ubl_invoice('W-3', MONTREUIL),
        }), 'flux.tar.gz', SYNTAX_UBL)
        self.assertFits(api, '/v1/deposer/flux', deposit)
        self.state.advance(flows_to_final=True)
        self.state.advance(steps=2)
        self.state.set_invoice_status('SUSPENDUE', invoice_number='W-1', comment='Bon de commande manquant')
        answer = client._call('factures', 'rechercher/fournisseur', {
            'numeroFluxDepot': deposit['numeroFluxDepot'],
            'rechercheFactureParFournisseur': {'pageResultatDemandee': 1, 'nbResultatsParPage': 1}})
        self.assertEqual(answer['parametresRetour']['pages'], 2)
        self.assertFits(api, '/v1/rechercher/fournisseur', answer)
        invoices = list(client.search_supplier_invoices(numero_flux_depot=deposit['numeroFluxDepot']))
        self.assertEqual(len(invoices), 2)
        for invoice in invoices:
            self.assertFits(api, '/v1/rechercher/fournisseur', {'codeRetour': 0, 'libelle': '',
                                                                'listeFactures': [invoice]})
            self.assertFits(api, '/v1/consulter/fournisseur', client.get_invoice(invoice['identifiantFactureCPP']))
            self.assertFits(api, '/v1/consulter/historique',
                            client.get_invoice_history(invoice['identifiantFactureCPP']))
        for path in ('/v1/deposer/flux', '/v1/rechercher/fournisseur', '/v1/consulter/fournisseur',
                     '/v1/consulter/historique'):
            self.assertEqual(api.problems(self.state.last_requests['factures' + path[3:]], api.request(path)), [],
                             f'request {path}')

    def test_checker_catches_departures(self):
        model = self.structures.response('/v1/rechercher')
        self.assertEqual(self.structures.problems({'codeRetour': 0, 'libelle': 'x'}, model), [])
        problems = self.structures.problems({'codeRetour': '0', 'extra': 1, 'listeStructures': [
            {'idStructureCPP': True, 'statut': 'ACTIF'}]}, model)
        self.assertEqual(sorted(problems), sorted([
            '$.codeRetour: str instead of integer', '$.libelle: required, missing', '$.extra: not in the model',
            '$.listeStructures[0].idStructureCPP: bool instead of integer',
            "$.listeStructures[0].statut: 'ACTIF' not in the enum"]))


class TestEveryOperation(SandboxTestCase):
    """Walks every operation of the sandbox (OPERATIONS), success and errors, over HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.specs = {'factures': Swagger('chorus-pro-factures.swagger.json'),
                     'structures': Swagger('chorus-pro-structures.swagger.json')}

    def call(self, api, operation, body=None):
        method = OPERATIONS[(api, operation)][0]
        headers = {'Authorization': 'Bearer ' + self.client._token(), 'cpro-account': base64.b64encode(
            f'{TECHNICAL_LOGIN}:{TECHNICAL_PASSWORD}'.encode()).decode()}
        url = f'{self.sandbox.url}/cpro/{api}/v1/{operation}'
        if method == 'GET':
            answer = requests.get(url, headers=headers, timeout=10)
        else:
            answer = requests.post(url, json=body or {}, headers=headers, timeout=10)
        self.seen.add((api, operation))
        return answer.status_code, answer.json()

    def check(self, api, operation, body=None, status=200):
        code, answer = self.call(api, operation, body)
        self.assertEqual(code, status, (api, operation, answer))
        swagger = self.specs.get(api)
        if swagger and f'/v1/{operation}' in swagger.doc['paths']:
            self.assertEqual(swagger.problems(answer, swagger.response(f'/v1/{operation}')), [], (api, operation))
        elif (api, operation) == ('transverses', 'health-check'):
            self.assertEqual(set(answer), {'body', 'statusCodeValue', 'statusCode'})
        else:  # no Swagger: Chorus Pro's envelope, as in AIFE's published samples
            self.assertIsInstance(answer.get('codeRetour'), int)
            self.assertIsInstance(answer.get('libelle'), str)
        self.assertIdsFit(answer)
        return answer

    def assertIdsFit(self, value, where='$'):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ID_KEYS and item is not None:
                    self.assertLess(int(item), 2 ** 31, f'{where}.{key}')
                    self.assertEqual(len(str(item)), 8, f'{where}.{key}: {item}')
                self.assertIdsFit(item, f'{where}.{key}')
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.assertIdsFit(item, f'{where}[{index}]')

    def test_every_operation_and_its_errors(self):
        self.seen = set()
        check = self.check
        check('transverses', 'health-check')
        deposit = check('factures', 'deposer/flux', {
            'fichierFlux': base64.b64encode(tar_gz({'a.xml': ubl_invoice('E-1', LYCEE),
                                                    'b.xml': ubl_invoice('E-2', MONTREUIL)})).decode(),
            'nomFichier': 'f.tar.gz', 'syntaxeFlux': SYNTAX_UBL})
        check('factures', 'deposer/flux', {'nomFichier': 'f.xml'}, status=400)
        report = check('transverses', 'consulterCRDetaille', {'numeroFluxDepot': deposit['numeroFluxDepot']})
        self.assertEqual((report['listeErreurDP'], report['codeInterfaceDepotFlux']), ([], 'FSO1110A'))
        self.state.advance(flows_to_final=True)
        report = check('transverses', 'consulterCRDetaille', {'numeroFluxDepot': deposit['numeroFluxDepot']})
        self.assertEqual(report['nomFichier'], f"FSO1110A_CPP001_{deposit['numeroFluxDepot']}")
        self.assertEqual(len(report['listeErreurDP']), 1)
        check('transverses', 'consulterCRDetaille', {'numeroFluxDepot': 'CPP0'})
        check('transverses', 'consulterCRDetaille', {}, status=400)
        check('structures', 'rechercher', {'structure': {'identifiantStructure': MINISTRY}})
        check('structures', 'rechercher', {'structure': {'identifiantStructure': '99999999999999'}})
        check('structures', 'consulter', {'idStructureCPP': 26000104})
        check('structures', 'consulter', {'idStructureCPP': 'x'}, status=400)
        services = check('structures', 'rechercher/services', {'idStructure': 26000104})
        check('structures', 'consulter/service', {'idStructure': 26000104,
                                                   'idService': services['listeServices'][0]['idService']})
        check('structures', 'consulter/service', {'idStructure': 26000104, 'idService': 1})
        commitments = check('engagementsJuridiques', 'rechercher', {})
        self.assertEqual({'idEngagementJuridique', 'numeroEngagementJuridique', 'libelleEtatCourantEJ',
                          'montantTotalHt', 'montantTotalTtc', 'structureReceptrice', 'structureEmettrice'}
                         - set(commitments['listeEngagementJuridique'][0]), set())
        check('engagementsJuridiques', 'rechercher', {'numeroEngagementJuridique': 'NOPE'})
        [invoice] = check('factures', 'rechercher/fournisseur', {
            'numeroFluxDepot': deposit['numeroFluxDepot']})['listeFactures']
        check('factures', 'rechercher/fournisseur', {'numeroFacture': 'NOPE'})
        check('factures', 'rechercher/fournisseur', {'periodeDateHeureEtatCourantDu': 'hier'}, status=400)
        cpp_id = invoice['identifiantFactureCPP']
        check('factures', 'consulter/fournisseur', {'identifiantFactureCPP': cpp_id})
        check('factures', 'consulter/fournisseur', {'identifiantFactureCPP': 1})
        check('factures', 'consulter/historique', {'idFacture': cpp_id})
        check('factures', 'consulter/historique', {}, status=400)
        check('facturesTravaux', 'rechercher', {})
        # the supplier's actions, refused then accepted
        check('factures', 'completer', {'identifiantFactureCPP': cpp_id, 'commentaire': 'BL'})  # not SUSPENDUE
        self.state.set_invoice_status('SUSPENDUE', invoice_id=cpp_id)
        piece = check('transverses', 'ajouter/fichier', {
            'pieceJointeFichier': base64.b64encode(b'%PDF-1.4').decode(), 'pieceJointeNom': 'bl.pdf',
            'pieceJointeTypeMime': 'application/pdf', 'pieceJointeExtension': 'pdf'})['pieceJointeId']
        check('transverses', 'ajouter/fichier', {'pieceJointeNom': 'bl.pdf'}, status=400)
        check('factures', 'completer', {'identifiantFactureCPP': cpp_id, 'commentaire': 'Bon de livraison',
                                        'pieceJointeComplementaire': [{'pieceJointeComplementaireId': piece}]})
        check('factures', 'recycler', {'identifiantFactureCPP': cpp_id})  # not A_RECYCLER
        self.state.set_invoice_status('A_RECYCLER', invoice_id=cpp_id)
        answer = check('factures', 'recycler', {'identifiantFactureCPP': cpp_id,
                                                'reference': {'numeroBonCommande': 'EJ-12'}})
        self.assertEqual(answer['statutFacture'], 'DEPOSEE')
        self.assertEqual(self.seen, set(OPERATIONS))
