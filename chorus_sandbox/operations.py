"""The Chorus Pro operations of the sandbox: request body (dict) in, Swagger-shaped answer (dict) out.

Return codes the sandbox invents where AIFE publishes none: 20001 (invalid parameter, HTTP 400) and 20002
(unknown object, HTTP 200). 20000 (``TRA_MSG_00.015``) and 20007 (works invoices) mean "no result".
"""

import base64
import binascii

from . import data
from .protocol import (
    OK,
    compact,
    integer,
    invalid,
    invoice_or_fail,
    iso,
    iso_day,
    moment,
    no_result,
    page_request,
    paginate,
    structure_or_fail,
    unknown,
)
from .records import codes

DEPOSIT_SYNTAXES = (
    'IN_DP_E1_UBL_INVOICE', 'IN_DP_E1_CII', 'IN_DP_E1_PES_FACTURE', 'IN_DP_E1_XCBL', 'IN_DP_E2_UBL_INVOICE_MIN',
    'IN_DP_E2_CII_MIN', 'IN_DP_E2_PES_FACTURE_MIN', 'IN_DP_E2_CPP_FACTURE_MIN', 'IN_DP_PDFARCHIVE_UBL_INVOICE_MUG',
    'IN_DP_PDFARCHIVE_CII_MUG', 'IN_DP_E1_CII_16B', 'IN_DP_E2_CII_MIN_16B', 'IN_DP_E2_CII_FACTURX',
)
MODE_DEPOT = 'EDI'


# ---------------------------------------------------------------------- transverses

def health_check(state, body):
    return dict(OK)


def flow_report(state, body):
    number = body.get('numeroFluxDepot')
    if not number:
        raise invalid('Le paramètre numeroFluxDepot est obligatoire.')
    flow = state.flows.get(number)
    if flow is None:
        raise unknown(f'Le flux {number}')
    return dict(OK, numeroFluxDepot=flow.number, codeInterfaceDepotFlux=flow.syntax, nomFichier=flow.filename,
                dateDepotFlux=iso(flow.deposited_at), dateHeureEtatCourantFlux=iso(flow.state_at),
                etatCourantDepotFlux=flow.state, listeErreurDP=list(flow.dp_errors),
                listeErreurTechnique=list(flow.technical_errors))


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
    receiver = str(body.get('structureReceptriceEngagementJuridique') or '')
    structure = state.find_structure(id_cpp=int(receiver)) if receiver.isdigit() and len(receiver) < 14 else None
    structure = structure or state.find_structure(siret=receiver)
    if structure is None:
        raise no_result()
    number = body.get('numeroEngagementJuridique')
    found = [(num, ej) for num, ej in state.commitments.items()
             if ej['structure'] == structure['idStructureCPP'] and (not number or num == number)]
    if not found:
        raise no_result()
    return dict(OK, listeEngagementJuridique=[{
        'numeroEngagementJuridique': num, 'libelleEngagementJuridique': ej['libelle'],
        'montantEngagementJuridique': ej['montant'], 'etatCourantEngagementJuridique': 'COMMANDE',
        'structureReceptriceEngagementJuridique': structure['siret'],
    } for num, ej in found])


# ---------------------------------------------------------------------- factures

def deposit_flow(state, body):
    for key in ('fichierFlux', 'nomFichier', 'syntaxeFlux'):
        if not body.get(key):
            raise invalid(f'Le paramètre {key} est obligatoire.')
    if body['syntaxeFlux'] not in DEPOSIT_SYNTAXES:
        raise invalid(f"La syntaxe {body['syntaxeFlux']} n'existe pas.")
    try:
        content = base64.b64decode(body['fichierFlux'], validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise invalid("Le fichier n'est pas encodé en base64.") from None
    flow = state.deposit(content, body['nomFichier'], body['syntaxeFlux'])
    return dict(OK, numeroFluxDepot=flow.number, dateDepot=iso(flow.deposited_at), syntaxeFlux=flow.syntax)


class InvoiceSearch:
    """The filters of factures/rechercher/fournisseur, in the form :meth:`SandboxState.search_invoices` takes."""

    def __init__(self, body):
        statuses = body.get('statutCourant') or []
        self.statuses = set(statuses if isinstance(statuses, list) else [statuses])
        self.flow = body.get('numeroFluxDepot')
        self.number = body.get('numeroFacture')
        self.kind = body.get('typeFacture')
        self.state_from = moment(body, 'periodeDateHeureEtatCourantDu')
        self.state_to = moment(body, 'periodeDateHeureEtatCourantAu')
        buyers = body.get('listeDestinataire') or []
        self.buyers = {d.get('idDestinataire') for d in buyers if isinstance(d, dict) and d.get('idDestinataire')}
        params = body.get('rechercheFactureParFournisseur') or {}
        self.reverse = params.get('triSens') == 'Descendant'
        self.key = [sorted(self.statuses), self.flow, self.number, self.kind, self.state_from, self.state_to,
                    sorted(self.buyers), self.reverse]

    @staticmethod
    def sort_key(invoice):
        return invoice.deposited_at, invoice.id

    def match(self, invoice):
        return ((not self.statuses or invoice.status in self.statuses)
                and (not self.flow or invoice.flow_number == self.flow)
                and (not self.number or invoice.parsed.number == self.number)
                and (not self.kind or invoice.parsed.kind == self.kind)
                and (not self.state_from or invoice.status_at >= self.state_from)
                and (not self.state_to or invoice.status_at <= self.state_to)
                and (not self.buyers or invoice.buyer_id in self.buyers))


def invoice_summary(state, invoice):
    parsed, buyer, service = invoice.parsed, state.structures[invoice.buyer_id], invoice.service or {}
    return compact({
        'identifiantFactureCPP': invoice.id,
        'typeDemandePaiement': 'FACTURE',
        'codeFournisseur': parsed.supplier_siret,
        'typeIdentifiantFournisseur': 'SIRET',
        'designationFournisseur': parsed.supplier_name or data.SUPPLIER_NAME,
        'idDestinataire': buyer['idStructureCPP'],
        'codeDestinataire': buyer['siret'],
        'designationDestinataire': buyer['name'],
        'idServiceExecutant': service.get('idService'),
        'codeServiceExecutant': service.get('codeService'),
        'nomServiceExecutant': service.get('libelleService'),
        'typeFacture': parsed.kind,
        'numeroFacture': parsed.number,
        'dateFacture': iso_day(parsed.issue_date),
        'dateDepot': iso(invoice.deposited_at),
        'montantHT': parsed.total_untaxed,
        'montantTTC': parsed.total_taxed,
        'montantAPayer': parsed.amount_due,
        'devise': parsed.currency,
        'statut': invoice.status,
        'numeroMarche': parsed.market,
        'numeroBonCommande': parsed.commitment,
        'numeroFluxDepot': invoice.flow_number,
        'modeDepot': MODE_DEPOT,
        'dateHeureEtatCourant': iso(invoice.status_at),
        'commentaireEtatCourant': invoice.comment,
        'rejetTraite': False,
    })


def search_supplier_invoices(state, body):
    ids = state.search_invoices(InvoiceSearch(body))
    if not ids:
        raise no_result()
    page_ids, page_info = paginate(ids, *page_request(body.get('rechercheFactureParFournisseur')))
    return dict(OK, parametresRetour=page_info,
                listeFactures=[invoice_summary(state, state.invoices[i]) for i in page_ids])


def get_invoice(state, body):
    invoice = invoice_or_fail(state, integer(body, 'identifiantFactureCPP'))
    parsed, buyer, service = invoice.parsed, state.structures[invoice.buyer_id], invoice.service or {}
    supplier = state.find_structure(siret=parsed.supplier_siret) or {}
    facture = {
        'identifiantFactureCPP': invoice.id,
        'numeroFacture': parsed.number,
        'statutFacture': invoice.status,
        'modeDepot': MODE_DEPOT,
        'rejetTraite': False,
        'commentaire': invoice.comment or None,
        'destinataire': compact({
            'idDestinataire': buyer['idStructureCPP'], 'codeDestinataire': buyer['siret'],
            'libelleDestinataire': buyer['name'], 'designationDestinataire': buyer['name'],
            'idServiceExecutant': service.get('idService'), 'codeServiceExecutant': service.get('codeService'),
            'libelleServiceExecutant': service.get('libelleService'),
            'miseEnPaiementDestinataire': not buyer['parametres']['statutMiseEnPaiementNestPasRemonte'],
            'adresseDestinataireDetail': buyer['address']['adresse'],
            'adresseDestinataireCodePostal': buyer['address']['codePostal'],
            'adresseDestinataireVille': buyer['address']['ville'],
            'adresseDestinataireCodePays': buyer['address']['pays'],
        }),
        'fournisseur': compact({
            'idFournisseur': supplier.get('idStructureCPP'), 'typeIdentifiantFournisseur': 'SIRET',
            'codeFournisseur': parsed.supplier_siret, 'raisonSocialeFournisseur': parsed.supplier_name,
            'designationFournisseur': parsed.supplier_name,
        }),
        'cadreDeFacturation': {'codeCadreFacturation': invoice.billing_frame},
        'references': compact({
            'dateFacture': iso_day(parsed.issue_date), 'dateDepot': iso(invoice.deposited_at),
            'codeDeviseFacture': parsed.currency, 'typeFacture': parsed.kind, 'numeroMarche': parsed.market,
            'numeroBonCommande': parsed.commitment, 'typeTva': 'TVA_SUR_DEBIT', 'modePaiement': 'VIREMENT',
        }),
        'montantTotal': {
            'montantHtTotal': parsed.total_untaxed,
            'montantTVA': round(parsed.total_taxed - parsed.total_untaxed, 2),
            'montantTtcTotal': parsed.total_taxed,
            'montantAPayer': parsed.amount_due,
        },
    }
    return dict(OK, facture=compact(facture))


def get_invoice_history(state, body):
    invoice = invoice_or_fail(state, integer(body, 'idFacture'))
    entries = [compact({'histoStatutId': entry_id, 'histoStatutCode': code, 'histoStatutDatePassage': iso(stamp),
                        'histoStatutCommentaire': comment})
               for entry_id, code, stamp, comment in reversed(invoice.history)]
    return dict(OK, idFacture=invoice.id, numeroFacture=invoice.parsed.number, modeDepot=MODE_DEPOT,
                statutCourantCode=invoice.status, historiquesDesStatuts={
                    'histoStatut': entries, 'pageCouranteHistoStatut': 1, 'pagesHistoStatut': 1,
                    'nbResultatsParPageHistoStatut': len(entries), 'totalHistoStatut': len(entries)})


# ---------------------------------------------------------------------- facturesTravaux

class WorksSearch:
    """Works invoices (works billing frames), optionally since the date of their current status."""

    reverse = False

    def __init__(self, body):
        self.state_from = moment(body, 'periodeDateHeureEtatCourantDu')
        self.key = ['works', self.state_from]

    @staticmethod
    def sort_key(invoice):
        return invoice.deposited_at, invoice.id

    def match(self, invoice):
        return (invoice.billing_frame in codes.WORKS_BILLING_FRAMES
                and (not self.state_from or invoice.status_at >= self.state_from))


def search_works_invoices(state, body):
    ids = state.search_invoices(WorksSearch(body))
    if not ids:
        raise no_result(20007, 'GFT_MSG_01.075')
    page_ids, page_info = paginate(ids, *page_request(body.get('rechercheFactureTravaux')))
    invoices = [state.invoices[i] for i in page_ids]
    return dict(OK, parametresRetour=page_info, listeFacturesTravaux=[{
        'idFactureTravaux': inv.id, 'numeroFactureTravaux': inv.parsed.number,
        'cadreFacturation': inv.billing_frame, 'statut': inv.status,
        'idDestinataire': inv.buyer_id, 'designationDestinataire': state.structures[inv.buyer_id]['name'],
        'montantHT': inv.parsed.total_untaxed, 'montantTTC': inv.parsed.total_taxed, 'devise': inv.parsed.currency,
        'dateDepot': iso(inv.deposited_at), 'dateHeureEtatCourant': iso(inv.status_at),
    } for inv in invoices])


# (api, operation) -> (HTTP method, handler)
OPERATIONS = {
    ('transverses', 'health-check'): ('GET', health_check),
    ('transverses', 'consulterCRDetaille'): ('POST', flow_report),
    ('structures', 'rechercher'): ('POST', search_structures),
    ('structures', 'consulter'): ('POST', get_structure),
    ('structures', 'rechercher/services'): ('POST', search_services),
    ('structures', 'consulter/service'): ('POST', get_service),
    ('engagementsJuridiques', 'rechercher'): ('POST', search_commitments),
    ('factures', 'deposer/flux'): ('POST', deposit_flow),
    ('factures', 'rechercher/fournisseur'): ('POST', search_supplier_invoices),
    ('factures', 'consulter/fournisseur'): ('POST', get_invoice),
    ('factures', 'consulter/historique'): ('POST', get_invoice_history),
    ('facturesTravaux', 'rechercher'): ('POST', search_works_invoices),
}
