"""The Chorus Pro operations of the sandbox: request body (dict) in, Swagger-shaped answer (dict) out.

Transverses, Structures and EngagementJuridique here; Factures and FacturesTravaux in invoices.py; the supplier's
actions on an invoice (completer, recycler, ajouter/fichier) in actions.py. Helpers in answers.py.
"""

from . import actions, data, invoices
from .answers import OK, compact, integer, invalid, iso, no_result, page_request, paginate, structure_or_fail, unknown

# ---------------------------------------------------------------------- transverses

# AIFE's published consulterCRDetaille sample: the interface code of a flow deposited through the API, and the name
# Chorus Pro generates for it (the deposited name is not echoed). Other syntaxes' codes are not published.
INTERFACE_CODE = 'FSO1110A'
PROCESSING_STATES = {'IN_RECU', 'IN_TRAITE_SE_CPP', 'IN_EN_ATTENTE_TRAITEMENT_CPP', 'IN_EN_COURS_TRAITEMENT_CPP'}


def health_check(state, body):
    """Not Chorus Pro's envelope: a Spring ``ResponseEntity`` as AIFE's gateway answers it."""
    return {'body': 'OK', 'statusCodeValue': 200, 'statusCode': 'OK'}


def flow_report(state, body):
    number = body.get('numeroFluxDepot')
    if not number:
        raise invalid('Le paramètre numeroFluxDepot est obligatoire.')
    flow = state.flows.get(number)
    if flow is None:
        raise unknown(f'Le flux {number}')
    processed = flow.state not in PROCESSING_STATES  # errors are listed once the flow is processed
    return dict(OK, numeroFluxDepot=flow.number, codeInterfaceDepotFlux=INTERFACE_CODE,
                nomFichier=f'{INTERFACE_CODE}_CPP001_{flow.number}',
                dateDepotFlux=iso(flow.deposited_at), dateHeureEtatCourantFlux=iso(flow.state_at),
                etatCourantDepotFlux=flow.state, listeErreurDP=list(flow.dp_errors) if processed else [],
                listeErreurTechnique=list(flow.technical_errors) if processed else [])


# ---------------------------------------------------------------------- structures

def search_structures(state, body):
    criteria = body.get('structure') or {}
    identifier = criteria.get('identifiantStructure')
    name = (criteria.get('raisonSocialeStructure') or criteria.get('libelleStructure') or '').lower()
    status = criteria.get('statutStructure')
    kind = criteria.get('typeStructure')
    if criteria.get('typeIdentifiantStructure') not in (None, 'SIRET'):
        raise no_result()
    found = [
        s for s in state.structures.values()
        if (not identifier or s['siret'] == identifier)
        and (not name or name in s['name'].lower())
        and (not status or s['active'] == (status == 'ACTIF'))
        and (not kind or s['public'] == (kind == 'PUBLIQUE'))
        and not (body.get('restreindreStructuresPrivees') and not s['public'])
    ]
    if not found:
        raise no_result()
    items, page_info = paginate(found, *page_request(body.get('parametres')))
    return dict(OK, parametresRetour=page_info, listeStructures=[{
        'idStructureCPP': s['idStructureCPP'], 'identifiantStructure': s['siret'],
        'typeIdentifiantStructure': 'SIRET', 'designationStructure': s['name'],
        'statut': 'ACTIVE' if s['active'] else 'INACTIVE',
    } for s in items])


def get_structure(state, body):
    structure = structure_or_fail(state, integer(body, 'idStructureCPP'))
    info = {
        'idStructureCPP': structure['idStructureCPP'],
        'identifiantStructure': structure['siret'],
        'typeIdentifiantStructure': 'SIRET',
        'libelleStructure': structure['name'],
        'raisonSocialeStructure': structure['name'],
        'structurePriveePublique': 'PUBLIQUE' if structure['public'] else 'PRIVEE',
        'emailStructure': f"contact-{structure['idStructureCPP']}@example.fr",
        'estValideurDeleguee': False,
    }
    if structure['idStructureCPP'] == data.SUPPLIER_ID:
        info['dateExpirationMotPasseCompteTech'] = iso(state.password_expiry)
    parametres = dict(structure['parametres'], connexionEDI=False, estMoaUniquement=False, estValideurDelegue=False,
                      getaMoa=False, nonDiffusibleInsee=False, recevoirDonneesViaEDI=False)
    return dict(OK, informationGenerales=info, parametres=parametres, adressePostaleDuSiege=dict(structure['address']))


def search_services(state, body):
    structure = structure_or_fail(state, integer(body, 'idStructure'))
    items, page_info = paginate(structure['services'], *page_request(body.get('parametresRechercherServicesStructure')))
    return dict(OK, parametresRetour=page_info, listeServices=[{
        'idService': svc['idService'], 'codeService': svc['codeService'], 'libelleService': svc['libelleService'],
        'estActif': svc['estActif'],
    } for svc in items])


def get_service(state, body):
    structure = structure_or_fail(state, integer(body, 'idStructure'))
    id_service = integer(body, 'idService')
    service = next((svc for svc in structure['services'] if svc['idService'] == id_service), None)
    if service is None:
        raise unknown(f'Le service {id_service}')
    return dict(
        OK,
        informationsGenerales={'codeService': service['codeService'], 'nomService': service['libelleService'],
                               'descriptionService': service['libelleService']},
        parametres={'numeroEngagement': service['numeroEngagement'],
                    'miseEnPaiement': not structure['parametres']['statutMiseEnPaiementNestPasRemonte'],
                    'dateCreation': '2020-01-01T00:00:00.000+01:00',
                    'dateDebutValidite': '2020-01-01T00:00:00.000+01:00'},
        adressePostale=dict(structure['address']),
    )


# ---------------------------------------------------------------------- engagementsJuridiques

def search_commitments(state, body):
    """engagementsJuridiques/rechercher as AIFE documents it: the commitments the user's structures *received*.

    A commitment is issued by a public structure (« émettrice ») to a supplier (« réceptrice »). The filters are
    optional: ``numeroEngagementJuridique``, ``structureReceptriceEngagementJuridique`` (the supplier's SIRET),
    ``structureEmettriceEngagementJuridique`` (the buyer's SIRET, a sandbox extension),
    ``etatCourantEngagementJuridique``, ``montantTTCMin``/``montantTTCMax``; pages in ``parametresRecherche``.
    """
    receiver = str(body.get('structureReceptriceEngagementJuridique') or '')
    issuer = str(body.get('structureEmettriceEngagementJuridique') or '')
    number = body.get('numeroEngagementJuridique')
    status = body.get('etatCourantEngagementJuridique')
    low, high = body.get('montantTTCMin'), body.get('montantTTCMax')
    found = []
    for num, ej in sorted(state.commitments.items()):
        issuing, receiving = state.structures[ej['structure']], state.structures[ej['supplier']]
        if (receiving['siret'] in state.account_suppliers and (not receiver or receiver == receiving['siret'])
                and (not issuer or issuer == issuing['siret']) and (not number or number == num)
                and (not status or status == 'COMMANDE')
                and (low is None or ej['taxed'] >= float(low)) and (high is None or ej['taxed'] <= float(high))):
            found.append((num, ej, issuing, receiving))
    if not found:
        raise no_result()
    items, page_info = paginate(found, *page_request(body.get('parametresRecherche')))
    return dict(OK, parametresRetour=page_info, listeEngagementJuridique=[compact({
        'idEngagementJuridique': ej['id'],
        'numeroEngagementJuridique': num,
        'libelleTypeEngagementJuridique': ej['type'],
        'dateNotificationEJ': iso_day_text(ej['notified']),
        'libelleEtatCourantEJ': 'COMMANDE',
        'montantTotalHt': ej['untaxed'],
        'montantTotalTtc': ej['taxed'],
        'deviseEngagement': 'EUR',
        'structureReceptrice': receiving['name'],
        'identifiantStructureReceptrice': receiving['siret'],
        'libelleStructureReceptrice': receiving['name'],
        'structureEmettrice': issuing['name'],
        'identifiantStructureEmettrice': issuing['siret'],
        'libelleStructureEmettrice': issuing['name'],
        'codeServiceExecutant': ej['service'],
        'libelleServiceExecutant': next((svc['libelleService'] for svc in issuing['services']
                                         if svc['codeService'] == ej['service']), None),
    }) for num, ej, issuing, receiving in items])


def iso_day_text(day):
    return f'{day}T00:00:00.000+01:00'


OPERATIONS = {
    ('transverses', 'health-check'): ('GET', health_check),
    ('transverses', 'consulterCRDetaille'): ('POST', flow_report),
    ('structures', 'rechercher'): ('POST', search_structures),
    ('structures', 'consulter'): ('POST', get_structure),
    ('structures', 'rechercher/services'): ('POST', search_services),
    ('structures', 'consulter/service'): ('POST', get_service),
    ('engagementsJuridiques', 'rechercher'): ('POST', search_commitments),
    ('factures', 'deposer/flux'): ('POST', invoices.deposit_flow),
    ('factures', 'rechercher/fournisseur'): ('POST', invoices.search_supplier_invoices),
    ('factures', 'consulter/fournisseur'): ('POST', invoices.get_invoice),
    ('factures', 'consulter/historique'): ('POST', invoices.get_invoice_history),
    ('factures', 'completer'): ('POST', actions.complete_invoice),
    ('factures', 'recycler'): ('POST', actions.recycle_invoice),
    ('transverses', 'ajouter/fichier'): ('POST', actions.add_file),
    ('facturesTravaux', 'rechercher'): ('POST', invoices.search_works_invoices),
}
