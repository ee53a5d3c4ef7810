"""What Chorus Pro answers, in Chorus Pro's domain: small frozen dataclasses built from its JSON.

This is the only module that reads Chorus Pro's JSON keys for the callers: the client's domain methods
return these objects and the Odoo models only read their attributes.

Dates and times: Chorus Pro answers in Paris time, with an offset (``2026-11-29T10:15:00.000+01:00``), without
one (``2026-11-29T10:15:00``, ``2026-11-29 10:15``) or as a bare date. One rule here: every moment is returned
as a **naive UTC datetime** (what Odoo stores), a value without offset being read as Paris time.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

PARIS = ZoneInfo('Europe/Paris')

# Chorus Pro's refusal of an invoice number this supplier already deposited (« La facture … a déjà été
# déposée par ce fournisseur »): proof that the earlier deposit exists, not a rejection.
_ALREADY_DEPOSITED = re.compile(r'd[ée]j[àa]\s+(?:[ée]t[ée]\s+)?d[ée]pos[ée]e', re.IGNORECASE)


def as_list(value):
    """Chorus sometimes answers one object where a list is expected."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    return list(value)


def parse_moment(value):
    """A Chorus Pro date or date-time as a naive UTC datetime (Paris time when no offset); None if absent."""
    if not value:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip().replace('Z', '+00:00')
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return moment.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)


def parse_day(value):
    """A Chorus Pro date (or the day of a date-time, as Paris reads it); None if absent or unreadable."""
    try:
        return date.fromisoformat(str(value).strip()[:10]) if value else None
    except ValueError:
        return None


def paris_today():
    """Today as Paris reads it: the day of Chorus Pro's dates (an expiry, a search period), whatever the server's
    time zone."""
    return datetime.now(PARIS).date()


def paris_time(moment):
    """A naive UTC datetime as the Paris wall-clock time Chorus Pro expects in search periods (naive)."""
    return moment.replace(tzinfo=timezone.utc).astimezone(PARIS).replace(tzinfo=None)


def _text(value):
    return str(value).strip() if value not in (None, '') else ''


@dataclass(frozen=True)
class InvoiceState:
    """A status of an invoice on Chorus Pro, when it was set and the comment that came with it."""

    status: str
    date: datetime = None
    comment: str = ''


def current_state(item):
    """The current status of a listed invoice or works piece, with its date and comment."""
    return InvoiceState(_text(item.get('statut')), parse_moment(item.get('dateHeureEtatCourant')),
                        _text(item.get('commentaireEtatCourant')))


@dataclass(frozen=True)
class SupplierInvoice:
    """An invoice Chorus Pro holds for this supplier (an item of factures/rechercher/fournisseur)."""

    cpp_id: str
    number: str
    flow_number: str
    state: InvoiceState

    @classmethod
    def from_json(cls, item):
        return cls(
            cpp_id=_text(item.get('identifiantFactureCPP')),
            number=_text(item.get('numeroFacture')),
            flow_number=_text(item.get('numeroFluxDepot')),
            state=current_state(item),
        )


@dataclass(frozen=True)
class WorksPiece:
    """A works piece Chorus Pro holds for this supplier (an item of facturesTravaux/rechercher): its status in the
    MOE / MOA circuit, its billing file (« dossier de facturation ») and its project manager."""

    cpp_id: str
    number: str
    frame: str
    state: InvoiceState
    billing_file: str = ''
    moe_name: str = ''
    previous_number: str = ''

    @classmethod
    def from_json(cls, item):
        return cls(
            cpp_id=_text(item.get('idFactureTravaux')),
            number=_text(item.get('numeroFactureTravaux')),
            frame=_text(item.get('cadreFacturation')),
            state=current_state(item),
            billing_file=_text(item.get('numeroDossierFacturation')),
            moe_name=_text(item.get('designationMoe')),
            previous_number=_text(item.get('numeroPiecePrecedente')),
        )


def history_from_json(answer):
    """The dated statuses of factures/consulter/historique, oldest first."""
    history = (answer or {}).get('historiquesDesStatuts') or {}
    entries = sorted(as_list(history.get('histoStatut')),
                     key=lambda e: (_text(e.get('histoStatutDatePassage')), e.get('histoStatutId') or 0))
    return [InvoiceState(_text(e.get('histoStatutCode')), parse_moment(e.get('histoStatutDatePassage')),
                         _text(e.get('histoStatutCommentaire'))) for e in entries]


@dataclass(frozen=True)
class DepositReceipt:
    """Chorus Pro's answer to a deposit: the flow number and when it was received."""

    flow_number: str
    date: datetime
    syntax: str

    @classmethod
    def from_json(cls, answer):
        return cls(_text(answer.get('numeroFluxDepot')), parse_moment(answer.get('dateDepot')),
                   _text(answer.get('syntaxeFlux')))


@dataclass(frozen=True)
class InvoiceRefusal:
    """One invoice of a flow that Chorus Pro refused, and why."""

    invoice_number: str
    reason: str

    @property
    def already_deposited(self):
        """Refused because this supplier already deposited that number: the first deposit exists."""
        return bool(_ALREADY_DEPOSITED.search(self.reason))


@dataclass(frozen=True)
class FlowReport:
    """transverses/consulterCRDetaille: where a flow stands and what Chorus Pro refused in it."""

    state: str
    date: datetime = None
    refusals: tuple = ()
    technical_errors: tuple = ()

    @classmethod
    def from_json(cls, answer):
        refusals = tuple(InvoiceRefusal(_text(e.get('numeroDP')), _text(e.get('libelleErreurDP')))
                         for e in as_list(answer.get('listeErreurDP')))
        technical = tuple(f"{_text(e.get('codeErreur'))} {_text(e.get('libelleErreur'))}".strip()
                          for e in as_list(answer.get('listeErreurTechnique')))
        return cls(_text(answer.get('etatCourantDepotFlux')), parse_moment(answer.get('dateHeureEtatCourantFlux')),
                   refusals, tuple(t for t in technical if t))

    def lines(self):
        """Every refusal and technical error, one line each, as Chorus Pro worded them."""
        return [f"{r.invoice_number or '?'}: {r.reason}" for r in self.refusals] + list(self.technical_errors)

    def reasons_for(self, invoice_number):
        return [r.reason for r in self.refusals if r.invoice_number == invoice_number]


@dataclass(frozen=True)
class Service:
    """A service (« service exécutant ») of a public structure."""

    chorus_id: str
    code: str
    name: str
    active: bool = True

    @classmethod
    def from_json(cls, item):
        code = _text(item.get('codeService'))
        return cls(_text(item.get('idService')), code, _text(item.get('libelleService')) or code,
                   bool(item.get('estActif', True)))


@dataclass(frozen=True)
class StructureRules:
    """What a public structure requires on the invoices it receives (structures/consulter ``parametres``)."""

    service_required: bool = False
    commitment_required: bool = False
    service_or_commitment: bool = False
    payment_not_reported: bool = False


@dataclass(frozen=True)
class Structure:
    """A structure on Chorus Pro (a public buyer, or the supplier itself)."""

    cpp_id: int
    name: str
    active: bool = True
    rules: StructureRules = field(default_factory=StructureRules)
    phone: str = ''
    phone_prefix: str = ''
    password_expiry: date = None

    @classmethod
    def from_json(cls, item, detail=None):
        detail = detail or {}
        params = detail.get('parametres') or {}
        general = detail.get('informationGenerales') or {}
        address = detail.get('adressePostaleDuSiege') or {}
        expiry = parse_day(general.get('dateExpirationMotPasseCompteTech'))
        return cls(
            cpp_id=int(item.get('idStructureCPP') or 0),
            name=_text(item.get('designationStructure')) or _text(general.get('raisonSocialeStructure')),
            active=_text(item.get('statut') or 'ACTIVE') not in ('INACTIVE', 'INACTIF'),
            rules=StructureRules(
                service_required=bool(params.get('codeServiceDoitEtreRenseigne')),
                commitment_required=bool(params.get('numeroEJDoitEtreRenseigne')),
                service_or_commitment=bool(params.get('gestionNumeroEJOuCodeService')),
                payment_not_reported=bool(params.get('statutMiseEnPaiementNestPasRemonte')),
            ),
            phone=_text(address.get('telephone')),
            phone_prefix=_text(address.get('indicatifTelephone')),
            password_expiry=expiry,
        )


def service_requires_commitment(detail):
    """structures/consulter/service: does this service require a commitment number?"""
    return bool(((detail or {}).get('parametres') or {}).get('numeroEngagement'))


@dataclass(frozen=True)
class Commitment:
    """A commitment (« engagement juridique ») a public buyer issued to the supplier (engagementsJuridiques)."""

    chorus_id: int
    number: str
    status: str
    untaxed: float = 0.0
    taxed: float = 0.0
    buyer_siret: str = ''
    buyer_name: str = ''
    service_code: str = ''
    notified: date = None

    @classmethod
    def from_json(cls, item):
        return cls(
            chorus_id=int(item.get('idEngagementJuridique') or 0),
            number=_text(item.get('numeroEngagementJuridique')),
            status=_text(item.get('libelleEtatCourantEJ')),
            untaxed=float(item.get('montantTotalHt') or 0.0),
            taxed=float(item.get('montantTotalTtc') or 0.0),
            buyer_siret=_text(item.get('identifiantStructureEmettrice')),
            buyer_name=_text(item.get('libelleStructureEmettrice') or item.get('structureEmettrice')),
            service_code=_text(item.get('codeServiceExecutant')),
            notified=parse_day(item.get('dateNotificationEJ')),
        )


@dataclass(frozen=True)
class InvoiceAction:
    """Chorus Pro's answer to an action on an invoice (factures/completer, factures/recycler)."""

    cpp_id: str
    number: str
    status: str
    date: datetime = None

    @classmethod
    def from_json(cls, answer, status=''):
        return cls(_text(answer.get('identifiantFactureCPP')), _text(answer.get('numeroFacture')),
                   _text(answer.get('statutFacture')) or status,
                   parse_moment(answer.get('dateTraitement') or answer.get('dateDepot')))
