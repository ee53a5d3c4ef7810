"""The supplier's actions on a deposited invoice (Factures Swagger ``/v1/completer``, ``/v1/recycler``) and the
upload of the documents they carry (``transverses/v1/ajouter/fichier``, no Swagger: fields from AIFE's API
appendix)."""

import base64
import binascii

from .answers import OK, integer, invalid, invoice_or_fail, iso
from .records import now


def add_file(state, body):
    """Keep a file (base64 ``pieceJointeFichier``) for a later ``completer``; answer its ``pieceJointeId``."""
    for key in ('pieceJointeFichier', 'pieceJointeNom'):
        if not body.get(key):
            raise invalid(f'Le paramètre {key} est obligatoire.')
    try:
        content = base64.b64decode(body['pieceJointeFichier'], validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise invalid("Le fichier n'est pas encodé en base64.") from None
    name = str(body['pieceJointeNom'])
    extension = str(body.get('pieceJointeExtension') or name.rpartition('.')[2]).lower()
    file_id = state.add_file(name, content, body.get('pieceJointeTypeMime') or '', extension)
    return dict(OK, pieceJointeId=file_id)


def complete_invoice(state, body):
    """factures/completer: documents (ids from ajouter/fichier) and a comment for a SUSPENDUE invoice."""
    invoice = invoice_or_fail(state, integer(body, 'identifiantFactureCPP'))
    pieces = body.get('pieceJointeComplementaire') or []
    if not isinstance(pieces, list):
        raise invalid('Le paramètre pieceJointeComplementaire doit être une liste.')
    file_ids = [integer(piece if isinstance(piece, dict) else {}, 'pieceJointeComplementaireId') for piece in pieces]
    state.complete(invoice, file_ids, str(body.get('commentaire') or ''))
    return dict(OK, identifiantFactureCPP=invoice.id, numeroFacture=invoice.parsed.number, dateTraitement=iso(now()))


def recycle_invoice(state, body):
    """factures/recycler: a new service (``destinataire.codeServiceExecutant``) and/or commitment number
    (``reference.numeroBonCommande``) for an A_RECYCLER invoice, which is then DEPOSEE again."""
    invoice = invoice_or_fail(state, integer(body, 'identifiantFactureCPP'))
    recipient = body.get('destinataire') or {}
    reference = body.get('reference') or {}
    if not isinstance(recipient, dict) or not isinstance(reference, dict):
        raise invalid('Les paramètres destinataire et reference doivent être des objets.')
    buyer = state.structures[invoice.buyer_id]
    if recipient.get('codeDestinataire') and recipient['codeDestinataire'] != buyer['siret']:
        raise invalid('Le recyclage ne change pas de structure destinataire : déposez une nouvelle facture.')
    state.recycle(invoice, recipient.get('codeServiceExecutant'), reference.get('numeroBonCommande'),
                  str(body.get('commentaire') or ''))
    return dict(OK, identifiantFactureCPP=invoice.id, numeroFacture=invoice.parsed.number,
                statutFacture=invoice.status, dateDepot=iso(invoice.deposited_at))
