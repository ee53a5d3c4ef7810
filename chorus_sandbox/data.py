"""Seed data of the sandbox: credentials, public buyers and their services, commitments.

The addon's demo data uses exactly these identifiers; keep both in step.
"""

CLIENT_ID = 'sandbox-client-id'
CLIENT_SECRET = 'sandbox-client-secret'
TECHNICAL_LOGIN = 'TECH_1_demo@cpro.fr'
TECHNICAL_PASSWORD = 'Sandbox-Password-1'
TOKEN_LIFETIME = 3600
PASSWORD_EXPIRY_DAYS = 200

APIS = ('factures', 'structures', 'transverses', 'utilisateurs', 'engagementsJuridiques', 'facturesTravaux')

SUPPLIER_ID = 25000001
SUPPLIER_SIRET = '85295410600013'
SUPPLIER_NAME = 'Bâtiments Durand & Fils'

MONTREUIL_ID = 26000101
HOSPITAL_ID = 26000102
LYCEE_ID = 26000103
MINISTRY_ID = 26000104
SYNDICATE_ID = 26000105
MOE_ID = 25000201  # a private architects' firm, project manager (maîtrise d'œuvre) of works contracts
MOE_SIRET = '51234567900017'
MOE_NAME = 'Atelier Duval Architectes'
MOE_DEADLINE_DAYS = 7  # the MOE has 7 days to process a monthly statement project (AIFE, « bonnes pratiques »)

# Technical ids are 8-digit values that fit a 32-bit integer, as on Chorus Pro (idStructureCPP 26000103,
# identifiantFactureCPP 27946194...). Services: 30000000 + structure number × 100 + rank (30010101...).
SERVICE_ID_BASE = 30000000
FIRST_INVOICE_ID = 27900001
FIRST_HISTORY_ID = 41000001
FIRST_FILE_ID = 52000001

# Size limits (AIFE): 10 MB per file (413 on a deposit, codeRetour 20003 for an attachment), 120 MB per request.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENT_BYTES = MAX_FILE_BYTES
MAX_REQUEST_BYTES = 120 * 1024 * 1024


def _structure(id_cpp, siret, name, public=True, active=True, service_required=False, commitment_required=False,
               commitment_or_service=False, no_payment_status=False, address=None, services=(),
               checks_commitments=False):
    street, zip_code, city = address or ('1 place de la Mairie', '75001', 'Paris')
    return {
        'idStructureCPP': id_cpp,
        'siret': siret,
        'name': name,
        'public': public,
        'active': active,
        'checks_commitments': checks_commitments,  # its commitment numbers are checked against Chorus Pro's
        'parametres': {
            'codeServiceDoitEtreRenseigne': service_required,
            'numeroEJDoitEtreRenseigne': commitment_required,
            'gestionNumeroEJOuCodeService': commitment_or_service,
            'statutMiseEnPaiementNestPasRemonte': no_payment_status,
        },
        'address': {'adresse': street, 'codePostal': zip_code, 'ville': city, 'pays': 'FR',
                    'indicatifTelephone': '+33', 'telephone': f'02 41 {id_cpp % 100:02d} 00 00'},
        'services': [
            {'idService': SERVICE_ID_BASE + id_cpp % 1000000 * 100 + index, 'codeService': code,
             'libelleService': label, 'estActif': active_svc, 'numeroEngagement': commitment}
            for index, (code, label, active_svc, commitment) in enumerate(services, start=1)
        ],
    }


def structures():
    """Return fresh structure records, keyed by idStructureCPP."""
    ministry_services = [('DAF_MARCHES', 'Bureau des marchés', True, False)] + [
        (f'SVC_{n:02d}', f'Service de gestion n° {n}', True, False) for n in range(1, 26)]
    records = [
        _structure(SUPPLIER_ID, SUPPLIER_SIRET, SUPPLIER_NAME, public=False,
                   address=('12 rue des Artisans', '49100', 'Angers')),
        _structure(MONTREUIL_ID, '21750001600019', 'Commune de Montreuil-sur-Loire', service_required=True,
                   address=('Place de la Mairie', '49460', 'Montreuil-sur-Loire'), services=[
                       ('SERVICES_TECHNIQUES', 'Services techniques', True, False),
                       ('ECOLES', 'Direction des écoles', True, True),
                       ('FACTURES_PUBLIQUES', 'Factures publiques', True, False),
                       ('ANCIEN_SERVICE', 'Ancien service voirie', False, False),
                   ]),
        _structure(HOSPITAL_ID, '26690123000018', 'Centre hospitalier de Valbonne', commitment_required=True,
                   address=('1 avenue de l\'Hôpital', '06560', 'Valbonne'),
                   services=[('ACHATS', 'Direction des achats', True, False)]),
        _structure(LYCEE_ID, '21130055300016', 'Lycée Jean Moulin',
                   address=('1 boulevard Jean Moulin', '13005', 'Marseille')),
        _structure(MINISTRY_ID, '11000201100010', "Ministère de l'Exemple — Direction des affaires financières",
                   service_required=True, commitment_required=True, no_payment_status=True, checks_commitments=True,
                   address=('139 rue de Bercy', '75012', 'Paris'), services=ministry_services),
        _structure(MOE_ID, MOE_SIRET, MOE_NAME, public=False, address=('8 quai de la Maine', '49000', 'Angers'),
                   services=[('MOE_CHANTIERS', 'Suivi des chantiers', True, False)]),
        _structure(SYNDICATE_ID, '20005478100014', 'Syndicat intercommunal dissous', active=False,
                   address=('2 rue de la Fontaine', '49000', 'Angers')),
    ]
    return {record['idStructureCPP']: record for record in records}


def commitments():
    """Return the known commitments (engagements juridiques), keyed by number.

    A commitment is issued by a public structure (``structure``, the « structure émettrice ») to a supplier (the
    « structure réceptrice »): the supplier searches its own commitments (engagementsJuridiques/rechercher).
    """
    def ej(id_ej, structure, libelle, untaxed, service=None, kind='BON_DE_COMMANDE', notified='2026-01-05'):
        return {'id': id_ej, 'structure': structure, 'supplier': SUPPLIER_ID, 'libelle': libelle, 'type': kind,
                'service': service, 'untaxed': untaxed, 'taxed': round(untaxed * 1.2, 2), 'notified': notified}
    return {
        'EJ-2026-0042': ej(60000042, HOSPITAL_ID, 'Fournitures de bâtiment 2026', 40000.0, 'ACHATS'),
        'EJ-2026-0043': ej(60000043, HOSPITAL_ID, 'Réfection des toitures', 104166.67, 'ACHATS', kind='MARCHE'),
        'EJ-MIN-7781': ej(60007781, MINISTRY_ID, 'Travaux de rénovation énergétique', 208333.33, 'DAF_MARCHES',
                          kind='MARCHE', notified='2025-11-20'),
    }
