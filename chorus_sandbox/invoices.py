"""The sandbox's Factures and FacturesTravaux operations: request body (dict) in, Swagger-shaped answer out."""

import base64
import binascii

from . import data
from .answers import (
    DEPOSIT_SYNTAXES,
    MODE_DEPOT,
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
)
from .state import SandboxError, codes

# consulter/fournisseur's enum of codeCadreFacturation lacks three frames the search filter has: such an invoice's
# detail carries no frame code rather than a value outside the Swagger.
FRAMES_MISSING_FROM_DETAIL = {'A3_MEMOIRE_JUSTICE', 'A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT',
                              'A21_DEMANDE_REMBOURSEMENT_TIC'}

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
    if len(content) > data.MAX_FILE_BYTES:
        raise SandboxError(413, 'Le fichier dépasse la taille maximale autorisée (10 Mo).', http_status=413)
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
        'cadreDeFacturation': compact({'codeCadreFacturation': invoice.billing_frame if invoice.billing_frame
                                       not in FRAMES_MISSING_FROM_DETAIL else None, **moe_detail(state, invoice)}),
        'piecePrecedente': compact(previous_detail(state, invoice)),
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

def moe_detail(state, invoice):
    moe = state.structures.get(invoice.moe_id) if invoice.moe_id else None
    if not moe:
        return {}
    service = next((svc for svc in moe['services'] if svc['codeService'] == invoice.parsed.moe_service), {})
    return {'idMoe': moe['idStructureCPP'], 'typeIdentifiantMoe': 'SIRET', 'identifiantMoe': moe['siret'],
            'raisonSocialeMoe': moe['name'], 'designationMoe': moe['name'], 'idServiceMoe': service.get('idService'),
            'codeServiceMoe': service.get('codeService'), 'nomServiceMoe': service.get('libelleService')}


def previous_detail(state, invoice):
    previous = state.invoices.get(invoice.previous_id) if invoice.previous_id else None
    if not previous:
        return {}
    return {'idPiecePrecedente': previous.id, 'numeroPiecePrecedente': previous.parsed.number,
            'cadreFacturationPiecePrecedente': previous.billing_frame}


class WorksSearch:
    """Works invoices (works billing frames), optionally since the date of their current status."""

    reverse = False

    def __init__(self, body):
        self.state_from = moment(body, 'periodeDateHeureEtatCourantDu')
        self.state_to = moment(body, 'periodeDateHeureEtatCourantAu')
        self.key = ['works', self.state_from, self.state_to]

    @staticmethod
    def sort_key(invoice):
        return invoice.deposited_at, invoice.id

    def match(self, invoice):
        return (invoice.billing_frame in codes.WORKS_BILLING_FRAMES
                and (not self.state_from or invoice.status_at >= self.state_from)
                and (not self.state_to or invoice.status_at <= self.state_to))


def search_works_invoices(state, body):
    ids = state.search_invoices(WorksSearch(body))
    if not ids:
        raise no_result(20007, 'GFT_MSG_01.075')
    page_ids, page_info = paginate(ids, *page_request(body.get('rechercheFactureTravaux')))
    invoices = [state.invoices[i] for i in page_ids]
    # ASSUMED (no Swagger of FacturesTravaux): the fields of a listed piece. numeroDossierFacturation and the MOE's
    # designation are named as in the Factures Swagger (RechercherDemandePaiement, CadreDeFacturationOutput).
    return dict(OK, parametresRetour=page_info, listeFacturesTravaux=[compact({
        'idFactureTravaux': inv.id, 'numeroFactureTravaux': inv.parsed.number,
        'cadreFacturation': inv.billing_frame, 'statut': inv.status,
        'idDestinataire': inv.buyer_id, 'designationDestinataire': state.structures[inv.buyer_id]['name'],
        'montantHT': inv.parsed.total_untaxed, 'montantTTC': inv.parsed.total_taxed, 'devise': inv.parsed.currency,
        'dateDepot': iso(inv.deposited_at), 'dateHeureEtatCourant': iso(inv.status_at),
        'commentaireEtatCourant': inv.comment, 'numeroFluxDepot': inv.flow_number,
        'numeroDossierFacturation': inv.billing_file,
        'designationMoe': moe_detail(state, inv).get('designationMoe'),
        'numeroPiecePrecedente': previous_detail(state, inv).get('numeroPiecePrecedente'),
    }) for inv in invoices])


# (api, operation) -> (HTTP method, handler)
