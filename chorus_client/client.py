"""Client of the Chorus Pro API: one method per Chorus Pro operation (Chorus Pro's JSON), then the domain methods
the Odoo models call (answers as the dataclasses of results.py)."""

import base64
import logging
from datetime import datetime

from .exceptions import ChorusInvalidAnswer
from .results import (
    Commitment,
    DepositReceipt,
    FlowReport,
    InvoiceAction,
    Service,
    Structure,
    SupplierInvoice,
    WorksPiece,
    as_list,
    history_from_json,
    paris_time,
    service_requires_commitment,
)
from .transport import ChorusTransport, _format_datetime

_logger = logging.getLogger(__name__)


class ChorusClient(ChorusTransport):
    """One Chorus Pro account. The operations return Chorus Pro's decoded JSON; the domain methods below them
    return dataclasses."""

    # ------------------------------------------------------------------ operations

    def health_check(self):
        """GET transverses/health-check; return the decoded answer."""
        return self._call('transverses', 'health-check', method='GET', envelope=False)

    def search_structures(self, siret):
        """Structures whose SIRET is ``siret``: ``listeStructures`` items (idStructureCPP, statut...)."""
        body = {'structure': {'identifiantStructure': siret, 'typeIdentifiantStructure': 'SIRET'}}
        answer = self._call('structures', 'rechercher', body, no_result=True)
        return as_list(answer.get('listeStructures')) if answer else []

    def get_structure(self, id_structure_cpp):
        """Whole answer of structures/consulter: informationGenerales, parametres..."""
        return self._call('structures', 'consulter', {'idStructureCPP': int(id_structure_cpp)})

    def search_services(self, id_structure_cpp, page_size=100):
        """Every service of a structure (all pages): ``listeServices`` items."""
        def body(page, size):
            return {
                'idStructure': int(id_structure_cpp),
                'parametresRechercherServicesStructure': {'pageResultatDemandee': page, 'nbResultatsParPage': size},
            }
        return list(self._pages('structures', 'rechercher/services', body, 'listeServices', page_size))

    def get_service(self, id_structure_cpp, id_service):
        """Whole answer of structures/consulter/service: informationsGenerales, parametres (numeroEngagement...)."""
        body = {'idStructure': int(id_structure_cpp), 'idService': int(id_service)}
        return self._call('structures', 'consulter/service', body)

    def search_commitments(self, numero=None, supplier_siret=None, page_size=100):
        """engagementsJuridiques/rechercher, all pages: the commitments (engagements juridiques) the supplier's
        structures *received* from public buyers (``listeEngagementJuridique`` items), optionally one number.

        AIFE: the « structure réceptrice » of a commitment is the supplier, the « structure émettrice » the buyer.
        """
        filters = {key: value for key, value in (('numeroEngagementJuridique', numero),
                                                 ('structureReceptriceEngagementJuridique', supplier_siret)) if value}

        def body(page, size):
            return dict(filters, parametresRecherche={'pageResultatDemandee': page, 'nbResultatsParPage': size,
                                                      'triSens': 'Descendant', 'triColonne': 'DateCreationEJ'})
        return list(self._pages('engagementsJuridiques', 'rechercher', body, 'listeEngagementJuridique', page_size))

    def deposit_flow(self, content, filename, syntax):
        """Deposit a flow (never retried); return the answer with ``numeroFluxDepot`` and ``dateDepot``."""
        body = {
            'fichierFlux': base64.b64encode(content).decode('ascii'),
            'nomFichier': filename,
            'syntaxeFlux': syntax,
            'avecSignature': False,
        }
        answer = self._call('factures', 'deposer/flux', body, read=False)
        if not answer.get('numeroFluxDepot'):
            raise ChorusInvalidAnswer('Chorus Pro factures/deposer/flux: answer without numeroFluxDepot',
                                      operation='factures/deposer/flux', status=200, deposit_unknown=True)
        _logger.info('Chorus Pro flow %s deposited (%s, %s bytes)', answer['numeroFluxDepot'], syntax, len(content))
        return answer

    def get_flow_report(self, numero_flux_depot):
        """Whole answer of transverses/consulterCRDetaille: etatCourantDepotFlux, listeErreurDP...

        ``listeErreurDP`` and ``listeErreurTechnique`` are always lists.
        """
        answer = self._call('transverses', 'consulterCRDetaille', {'numeroFluxDepot': numero_flux_depot})
        for key in ('listeErreurDP', 'listeErreurTechnique'):
            answer[key] = as_list(answer.get(key))
        return answer

    def add_file(self, content, filename, mime_type='application/octet-stream'):
        """transverses/ajouter/fichier (never retried): upload a document; the answer carries ``pieceJointeId``."""
        body = {
            'pieceJointeFichier': base64.b64encode(content).decode('ascii'),
            'pieceJointeNom': filename,
            'pieceJointeTypeMime': mime_type,
            'pieceJointeExtension': filename.rpartition('.')[2].lower() if '.' in filename else '',
        }
        return self._call('transverses', 'ajouter/fichier', body, read=False)

    def complete_invoice(self, id_facture_cpp, piece_ids=(), commentaire=''):
        """factures/completer (never retried): documents (ids from :meth:`add_file`) and a comment for a
        SUSPENDUE invoice, which becomes COMPLETEE."""
        body = {'identifiantFactureCPP': int(id_facture_cpp), 'commentaire': commentaire or None,
                'pieceJointeComplementaire': [{'pieceJointeComplementaireId': int(piece)} for piece in piece_ids]}
        return self._call('factures', 'completer', {k: v for k, v in body.items() if v}, read=False)

    def recycle_invoice(self, id_facture_cpp, code_service=None, numero_engagement=None, commentaire=''):
        """factures/recycler (never retried): new service and/or commitment number for an A_RECYCLER invoice,
        which is then DEPOSEE again."""
        body = {'identifiantFactureCPP': int(id_facture_cpp)}
        if code_service is not None:
            body['destinataire'] = {'codeServiceExecutant': code_service}
        if numero_engagement is not None:
            body['reference'] = {'numeroBonCommande': numero_engagement}
        if commentaire:
            body['commentaire'] = commentaire
        return self._call('factures', 'recycler', body, read=False)

    @staticmethod
    def _invoice_filters(numero_flux_depot, numero_facture, statuts, date_from, date_to):
        filters = {
            'numeroFluxDepot': numero_flux_depot,
            'numeroFacture': numero_facture,
            'statutCourant': list(statuts) if statuts else None,
            'periodeDateHeureEtatCourantDu': _format_datetime(date_from),
            'periodeDateHeureEtatCourantAu': _format_datetime(date_to, end_of_day=True),
        }
        return {key: value for key, value in filters.items() if value}

    def search_supplier_invoices_page(self, page=1, page_size=100, numero_flux_depot=None, numero_facture=None,
                                      statuts=None, date_from=None, date_to=None):
        """One page of factures/rechercher/fournisseur: ``(listeFactures items, parametresRetour)``."""
        body = self._invoice_filters(numero_flux_depot, numero_facture, statuts, date_from, date_to)
        body['rechercheFactureParFournisseur'] = {
            'pageResultatDemandee': page, 'nbResultatsParPage': page_size,
            'triColonne': 'DateDepot', 'triSens': 'Ascendant',
        }
        answer = self._call('factures', 'rechercher/fournisseur', body, no_result=True)
        if answer is None:
            return [], {}
        return as_list(answer.get('listeFactures')), answer.get('parametresRetour') or {}

    def search_supplier_invoices(self, numero_flux_depot=None, numero_facture=None, statuts=None, date_from=None,
                                 date_to=None, page_size=100):
        """Iterate over the supplier's invoices matching the filters, page after page (bounded memory).

        ``date_from``/``date_to`` filter on the date of the current status; a ``date`` bound covers the whole day.
        """
        filters = self._invoice_filters(numero_flux_depot, numero_facture, statuts, date_from, date_to)

        def body(page, size):
            return dict(filters, rechercheFactureParFournisseur={
                'pageResultatDemandee': page, 'nbResultatsParPage': size,
                'triColonne': 'DateDepot', 'triSens': 'Ascendant',
            })
        return self._pages('factures', 'rechercher/fournisseur', body, 'listeFactures', page_size)

    def get_invoice(self, id_facture_cpp):
        """Whole answer of factures/consulter/fournisseur (the invoice is under ``facture``)."""
        return self._call('factures', 'consulter/fournisseur', {'identifiantFactureCPP': int(id_facture_cpp)})

    def get_invoice_history(self, id_facture_cpp):
        """Whole answer of factures/consulter/historique: statutCourantCode, historiquesDesStatuts.histoStatut...

        ``historiquesDesStatuts.histoStatut`` is always a list.
        """
        answer = self._call('factures', 'consulter/historique', {'idFacture': int(id_facture_cpp)})
        history = answer.get('historiquesDesStatuts') or {}
        answer['historiquesDesStatuts'] = dict(history, histoStatut=as_list(history.get('histoStatut')))
        return answer

    def search_works_invoices(self, date_from=None, page_size=100, date_to=None):
        """Iterate over the supplier's works invoices (facturesTravaux/rechercher), page after page."""
        filters = {'roleUtilisateur': 'FOURNISSEUR'}
        if date_from:
            filters['periodeDateHeureEtatCourantDu'] = _format_datetime(date_from)
        if date_to:
            filters['periodeDateHeureEtatCourantAu'] = _format_datetime(date_to)

        def body(page, size):
            return dict(filters, rechercheFactureTravaux={'pageResultatDemandee': page, 'nbResultatsParPage': size})
        return self._pages('facturesTravaux', 'rechercher', body, 'listeFacturesTravaux', page_size)

    # ------------------------------------------------------------------ in Chorus Pro's domain
    # What the Odoo models call: answers as the dataclasses of results.py, dates as naive UTC datetimes.

    def deposit(self, content, filename, syntax):
        """Deposit one flow (never retried): a :class:`DepositReceipt`."""
        return DepositReceipt.from_json(self.deposit_flow(content, filename, syntax))

    def flow_report(self, flow_number):
        """Where a deposited flow stands: a :class:`FlowReport`."""
        return FlowReport.from_json(self.get_flow_report(flow_number))

    def find_invoices(self, flow_number=None, invoice_number=None, changed_from=None, changed_to=None):
        """The supplier's invoices (:class:`SupplierInvoice`), page after page; ``changed_from``/``changed_to``
        bound the date of the current status (naive UTC datetimes, sent to Chorus Pro in Paris time)."""
        items = self.search_supplier_invoices(
            numero_flux_depot=flow_number, numero_facture=invoice_number,
            date_from=paris_time(changed_from) if isinstance(changed_from, datetime) else changed_from,
            date_to=paris_time(changed_to) if isinstance(changed_to, datetime) else changed_to,
        )
        return (SupplierInvoice.from_json(item) for item in items)

    def find_works_pieces(self, changed_from=None, changed_to=None):
        """The supplier's works pieces (:class:`WorksPiece`) whose status changed in the period (naive UTC)."""
        items = self.search_works_invoices(
            date_from=paris_time(changed_from) if isinstance(changed_from, datetime) else changed_from,
            date_to=paris_time(changed_to) if isinstance(changed_to, datetime) else changed_to)
        return (WorksPiece.from_json(item) for item in items)

    def invoice_history(self, cpp_id):
        """Every dated status of an invoice, oldest first (:class:`InvoiceState`)."""
        return history_from_json(self.get_invoice_history(int(cpp_id)))

    def find_structure(self, siret):
        """The structure of a SIRET with its rules (:class:`Structure`), or None when Chorus Pro has none."""
        found = [item for item in self.search_structures(siret) if item.get('idStructureCPP')]
        if not found:
            return None
        return Structure.from_json(found[0], self.get_structure(found[0]['idStructureCPP']))

    def structure_services(self, structure_cpp_id):
        """Every service of a structure (:class:`Service`)."""
        return [Service.from_json(item) for item in self.search_services(structure_cpp_id)]

    def commitments(self, number=None):
        """The supplier's commitments (:class:`Commitment`), or the one numbered ``number`` (empty if unknown)."""
        return [Commitment.from_json(item) for item in self.search_commitments(numero=number)]

    def upload(self, content, filename, mime_type='application/octet-stream'):
        """Upload a supporting document for :meth:`complete`: its Chorus Pro id (int)."""
        answer = self.add_file(content, filename, mime_type)
        if not answer.get('pieceJointeId'):
            raise ChorusInvalidAnswer('Chorus Pro transverses/ajouter/fichier: answer without pieceJointeId',
                                      operation='transverses/ajouter/fichier', status=200)
        return int(answer['pieceJointeId'])

    def complete(self, cpp_id, file_ids=(), comment=''):
        """Complete a suspended invoice: an :class:`InvoiceAction` (status COMPLETEE)."""
        return InvoiceAction.from_json(self.complete_invoice(cpp_id, file_ids, comment), 'COMPLETEE')

    def recycle(self, cpp_id, service_code=None, commitment=None, comment=''):
        """Recycle an invoice (new service, commitment number): an :class:`InvoiceAction` (DEPOSEE again)."""
        return InvoiceAction.from_json(self.recycle_invoice(cpp_id, service_code, commitment, comment))

    def service_requires_commitment(self, structure_cpp_id, service_id):
        """Does this service require a commitment number (« engagement juridique »)?"""
        return service_requires_commitment(self.get_service(structure_cpp_id, service_id))
