"""Business rules Chorus Pro applies to each invoice of a flow once the deposit succeeded: the one table.

Each rule has an id, AIFE's French wording (the ``libelleErreurDP`` or the status comment the supplier reads), the
function that applies it, how the refusal comes out, and whether it is on by default. Tests that need a lenient
platform switch rules off with ``SandboxState.set_rules(disabled=[...])`` (``POST /_sandbox/rules``).

How a refusal comes out (``outcome``):

- ``FLOW`` — the invoice is not created: a ``listeErreurDP`` entry of the flow report, the flow ends
  ``IN_REJETE`` (nothing created) or ``IN_INTEGRE_PARTIEL`` (others created);
- ``A_RECYCLER`` / ``REJETEE`` — the invoice is created (``DEPOSEE``), then at the next step of time takes that
  status with the wording as its comment (the buyer's side refused it).

A rule's function takes a :class:`Case` and returns the values of its wording's placeholders when the invoice
breaks it (a dict, possibly empty), None when it passes. Rules are applied in the table's order; a ``stop`` rule
that fails hides the following ones (nothing else can be checked without a known supplier or buyer).
"""

import re
from dataclasses import dataclass, field

try:  # inside Odoo, the addon's packages
    from ..chorus_client import codes
except ImportError:  # `python -m chorus_sandbox` from the repository
    from chorus_client import codes

FLOW, RECYCLE, REJECT = 'FLOW', 'A_RECYCLER', 'REJETEE'
MAX_NUMBER_LENGTH = 20
MAX_COMMITMENT_LENGTH = 50
RESERVED_SERVICE = 'FACTURES_PUBLIQUES'
_CURRENCY = re.compile(r'^[A-Z]{3}$')


@dataclass
class Case:
    """One invoice of a flow, with what the platform knows around it."""

    parsed: object  # parsing.ParsedInvoice
    buyer: dict  # structure record, or None
    service: dict  # service record of the buyer, or None
    known: set  # (supplier SIRET, number) already held
    suppliers: set  # SIRETs of the structures the technical account may deposit for
    commitments: dict  # number -> commitment record
    pieces: dict = field(default_factory=dict)  # (supplier SIRET, number) -> billing frame of the invoices held
    structures: dict = field(default_factory=dict)  # SIRET -> structure record (the project managers among them)


@dataclass(frozen=True)
class Rule:
    id: str
    outcome: str
    wording: str
    check: object
    stop: bool = False
    default: bool = True


# ---------------------------------------------------------------------- the checks

def supplier_referenced(case):
    siret = case.parsed.supplier_siret
    return None if siret and siret in case.suppliers else {'supplier': siret or '(non renseigné)'}


def buyer_referenced(case):
    return None if case.buyer is not None else {'buyer': case.parsed.buyer_siret or '(non renseigné)'}


def buyer_active(case):
    return None if case.buyer['active'] else {}


def service_known(case):
    code = case.parsed.service_code
    return {'service': code} if code and case.service is None else None


def service_not_reserved(case):
    return {} if case.parsed.service_code == RESERVED_SERVICE else None


def service_active(case):
    return {'service': case.service['codeService']} if case.service and not case.service['estActif'] else None


def service_given(case):
    rules = case.buyer['parametres']
    return {} if rules['codeServiceDoitEtreRenseigne'] and not case.parsed.service_code else None


def commitment_given(case):
    required = (case.buyer['parametres']['numeroEJDoitEtreRenseigne']
                or bool(case.service and case.service['numeroEngagement']))
    return {} if required and not case.parsed.commitment else None


def service_or_commitment_given(case):
    rules = case.buyer['parametres']
    parsed = case.parsed
    return {} if rules['gestionNumeroEJOuCodeService'] and not (parsed.service_code or parsed.commitment) else None


def commitment_length(case):
    return {} if len(case.parsed.commitment) > MAX_COMMITMENT_LENGTH else None


def number_length(case):
    return {} if len(case.parsed.number) > MAX_NUMBER_LENGTH else None


def number_new(case):
    return {} if (case.parsed.supplier_siret, case.parsed.number) in case.known else None


def payment_means_given(case):
    return {} if case.parsed.kind == 'FACTURE' and not case.parsed.payment_means else None


def currency_valid(case):
    return None if _CURRENCY.match(case.parsed.currency or '') else {'currency': case.parsed.currency or '(vide)'}


def amounts_consistent(case):
    parsed = case.parsed
    if min(parsed.total_untaxed, parsed.total_taxed, parsed.amount_due) < 0:
        return {'detail': 'un montant est négatif'}
    if parsed.total_taxed + 0.005 < parsed.total_untaxed:
        return {'detail': 'le montant TTC est inférieur au montant HT'}
    if parsed.amount_due > parsed.total_taxed + 0.005:
        return {'detail': 'le montant à payer dépasse le montant TTC'}
    return None


def credit_note_origin(case):
    return {} if case.parsed.kind == 'AVOIR' and not case.parsed.origin_number else None


def commitment_exists(case):
    number = case.parsed.commitment
    if not number or not case.buyer.get('checks_commitments'):
        return None
    commitment = case.commitments.get(number)
    return None if commitment and commitment['structure'] == case.buyer['idStructureCPP'] else {}


def frame_of(case):
    from .records import billing_frame_code  # noqa: PLC0415  (records imports parsing, which this module must not)
    return billing_frame_code(case.parsed.billing_frame)


def moe_given(case):
    frame = frame_of(case)
    return {'frame': frame.split('_', 1)[0]} if frame in codes.WORKS_MOE_FRAMES and not case.parsed.moe_siret \
        else None


def moe_referenced(case):
    siret = case.parsed.moe_siret
    return {'moe': siret} if siret and siret not in case.structures else None


def previous_piece_known(case):
    frame = frame_of(case)
    expected = codes.WORKS_PREVIOUS_FRAMES.get(frame)
    if not expected:
        return None
    previous = case.parsed.origin_number
    if case.pieces.get((case.parsed.supplier_siret, previous)) in expected:
        return None
    return {'frame': frame.split('_', 1)[0], 'previous': previous or '(non renseignée)',
            'expected': ', '.join(sorted(code.split('_', 1)[0] for code in expected))}


# ---------------------------------------------------------------------- the table

RULES = (
    Rule('FOURNISSEUR_NON_REFERENCE', FLOW,
         "L'identifiant fournisseur de la demande de paiement ({supplier}) n'est pas référencé dans notre système.",
         supplier_referenced, stop=True),
    Rule('DESTINATAIRE_NON_REFERENCE', FLOW,
         "L'identifiant destinataire de la demande de paiement ({buyer}) n'est pas référencé dans notre système.",
         buyer_referenced, stop=True),
    Rule('DESTINATAIRE_INACTIF', FLOW,
         "La structure destinataire {buyer} est inactive : elle ne peut pas recevoir de demande de paiement.",
         buyer_active, stop=True),
    Rule('SERVICE_INCONNU', FLOW,
         "Le code service {service} n'existe pas pour la structure destinataire {buyer}.", service_known),
    Rule('SERVICE_RESERVE', FLOW,
         "Le service FACTURES_PUBLIQUES est réservé aux factures entre entités publiques.", service_not_reserved),
    Rule('SERVICE_INACTIF', FLOW,
         "Le service {service} de la structure destinataire {buyer} est inactif.", service_active),
    Rule('SERVICE_OBLIGATOIRE', FLOW,
         "Le code service est obligatoire pour la structure destinataire {buyer}.", service_given),
    Rule('EJ_OBLIGATOIRE', FLOW,
         "Le numéro d'engagement juridique est obligatoire pour la structure destinataire {buyer}.",
         commitment_given),
    Rule('EJ_OU_SERVICE_OBLIGATOIRE', FLOW,
         "Le code service ou le numéro d'engagement doit être renseigné pour la structure destinataire {buyer}.",
         service_or_commitment_given),
    Rule('EJ_TROP_LONG', FLOW,
         f"Le numéro d'engagement juridique dépasse {MAX_COMMITMENT_LENGTH} caractères.", commitment_length),
    Rule('NUMERO_FACTURE_TROP_LONG', FLOW,
         f"Le numéro de la facture {{number}} dépasse {MAX_NUMBER_LENGTH} caractères.", number_length),
    Rule('FACTURE_DEJA_DEPOSEE', FLOW,
         "La facture {number} a déjà été déposée par ce fournisseur.", number_new),
    Rule('MOYEN_PAIEMENT_ABSENT', FLOW,
         "Le code du moyen de paiement (BT-81) est absent de la facture {number}.", payment_means_given),
    Rule('DEVISE_INVALIDE', FLOW,
         "La devise {currency} de la facture {number} n'est pas un code ISO 4217.", currency_valid),
    Rule('MONTANTS_INCOHERENTS', FLOW,
         "Les montants de la facture {number} sont incohérents : {detail}.", amounts_consistent),
    # Works pieces. ASSUMED wordings (the rules are AIFE's: a statement project goes to the MOE, a closing piece
    # follows the piece before it; the texts are ours).
    Rule('MOE_OBLIGATOIRE', FLOW,
         "Le cadre de facturation {frame} impose d'identifier la maîtrise d'œuvre de la demande de paiement "
         "{number}.", moe_given),
    Rule('MOE_NON_REFERENCEE', FLOW,
         "La maîtrise d'œuvre {moe} de la demande de paiement {number} n'est pas référencée dans notre système.",
         moe_referenced),
    Rule('PIECE_PRECEDENTE_INTROUVABLE', FLOW,
         "La pièce précédente {previous} de la demande de paiement {number} est introuvable : une pièce de cadre "
         "{frame} suit une pièce de cadre {expected} du même fournisseur.", previous_piece_known),
    Rule('AVOIR_SANS_FACTURE_ORIGINE', REJECT,
         "L'avoir {number} ne référence pas la facture qu'il rectifie (BT-25) : émettez un avoir référençant la "
         "facture d'origine.", credit_note_origin, default=False),
    Rule('EJ_INCONNU', RECYCLE,
         "Le numéro d'engagement juridique {commitment} n'existe pas pour la structure destinataire {buyer} : "
         "recyclez la facture avec un numéro d'engagement valide.", commitment_exists),
)
RULE_IDS = tuple(rule.id for rule in RULES)
# Checks that read the buyer's record: skipped when the buyer is unknown and its rule is switched off.
NEEDS_BUYER = {buyer_active, service_given, commitment_given, service_or_commitment_given, commitment_exists}


def default_rules():
    """Ids of the rules on by default."""
    return {rule.id for rule in RULES if rule.default}


def check_invoice(case, enabled):
    """Apply the enabled rules to one invoice: ``(flow refusals, later outcome)``.

    Flow refusals are the wordings the flow report lists; the later outcome is None or ``(status, comment)`` the
    created invoice takes at the next step.
    """
    parsed = case.parsed
    values = {'supplier': parsed.supplier_siret, 'buyer': parsed.buyer_siret, 'number': parsed.number,
              'service': parsed.service_code, 'commitment': parsed.commitment, 'currency': parsed.currency}
    refusals, later = [], None
    for rule in RULES:
        if rule.id not in enabled or (case.buyer is None and rule.check in NEEDS_BUYER):
            continue
        broken = rule.check(case)
        if broken is None:
            continue
        wording = rule.wording.format(**dict(values, **broken))
        if rule.outcome == FLOW:
            refusals.append(wording)
        elif later is None:
            later = (rule.outcome, wording)
        if rule.stop:
            break
    return refusals, later
