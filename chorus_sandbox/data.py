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


def _structure(id_cpp, siret, name, public=True, active=True, service_required=False, commitment_required=False,
               commitment_or_service=False, no_payment_status=False, address=None, services=()):
    street, zip_code, city = address or ('1 place de la Mairie', '75001', 'Paris')
    return {
        'idStructureCPP': id_cpp,
        'siret': siret,
        'name': name,
        'public': public,
        'active': active,
        'parametres': {
            'codeServiceDoitEtreRenseigne': service_required,
            'numeroEJDoitEtreRenseigne': commitment_required,
            'gestionNumeroEJOuCodeService': commitment_or_service,
            'statutMiseEnPaiementNestPasRemonte': no_payment_status,
        },
        'address': {'adresse': street, 'codePostal': zip_code, 'ville': city, 'pays': 'FR',
                    'indicatifTelephone': '+33', 'telephone': f'02 41 {id_cpp % 100:02d} 00 00'},
        'services': [
            {'idService': id_cpp * 100 + index, 'codeService': code, 'libelleService': label, 'estActif': active_svc,
             'numeroEngagement': commitment}
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
                   service_required=True, commitment_required=True, no_payment_status=True,
                   address=('139 rue de Bercy', '75012', 'Paris'), services=ministry_services),
        _structure(SYNDICATE_ID, '20005478100014', 'Syndicat intercommunal dissous', active=False,
                   address=('2 rue de la Fontaine', '49000', 'Angers')),
    ]
    return {record['idStructureCPP']: record for record in records}


def commitments():
    """Return the known commitment numbers (engagements juridiques), keyed by number."""
    return {
        'EJ-2026-0042': {'structure': HOSPITAL_ID, 'libelle': 'Fournitures de bâtiment 2026', 'montant': 48000.0},
        'EJ-2026-0043': {'structure': HOSPITAL_ID, 'libelle': 'Réfection des toitures', 'montant': 125000.0},
        'EJ-MIN-7781': {'structure': MINISTRY_ID, 'libelle': 'Travaux de rénovation énergétique', 'montant': 250000.0},
    }
