"""The sandbox's records and clock: flows, invoices, business errors, Paris time."""

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from .parsing import ParsedInvoice

try:  # inside Odoo, the addon's packages
    from ..chorus_client import codes
except ImportError:  # `python -m chorus_sandbox` from the repository
    from chorus_client import codes

# Chorus Pro lives in Paris time: its answers carry the Paris offset and it reads times without one as Paris time.
PARIS = ZoneInfo('Europe/Paris')


FLOW_STEPS = ['IN_RECU', 'IN_TRAITE_SE_CPP', 'IN_EN_ATTENTE_TRAITEMENT_CPP', 'IN_EN_COURS_TRAITEMENT_CPP']
INVOICE_PATH = ['DEPOSEE', 'MISE_A_DISPOSITION', 'PRISE_EN_COMPTE_DESTINATAIRE', 'SERVICE_FAIT', 'MANDATEE',
                'MISE_A_DISPOSITION_COMPTABLE', 'COMPTABILISEE', 'MISE_EN_PAIEMENT']
NEXT_STATUS = dict(itertools.pairwise(INVOICE_PATH))
NEXT_STATUS.update({'EN_COURS_ACHEMINEMENT': 'MISE_A_DISPOSITION', 'COMPLETEE': 'PRISE_EN_COMPTE_DESTINATAIRE'})
STATUS_CODES = {code for code, _label in codes.INVOICE_STATUSES}
FLOW_STATE_CODES = {code for code, _label in codes.FLOW_STATES}


def now():
    """Current time, aware, in Paris time (as Chorus Pro answers)."""
    return datetime.now(PARIS)


def billing_frame_code(value):
    """Map BT-23 (``A1``, ``A9``... or the full code) to a ``cadreFacturation`` code; A1 by default."""
    value = (value or '').strip().upper()
    for code, _label in codes.BILLING_FRAMES:
        if value == code or value == code.split('_', 1)[0]:
            return code
    return 'A1_FACTURE_FOURNISSEUR'


class SandboxError(Exception):
    """A Chorus Pro business error, answered as ``{codeRetour, libelle}``."""

    def __init__(self, code, label, http_status=200):
        super().__init__(label)
        self.code = code
        self.label = label
        self.http_status = http_status


@dataclass
class Flow:
    """A deposited flow."""

    number: str
    deposited_at: datetime
    syntax: str
    filename: str
    state: str = 'IN_RECU'
    state_at: datetime = None
    parsed: list = field(default_factory=list)
    technical_errors: list = field(default_factory=list)
    dp_errors: list = field(default_factory=list)
    invoice_ids: list = field(default_factory=list)
    held_steps: int = 0  # moves of time this flow ignores (delay_flows)
    held_until: datetime = None  # Paris time before which it does not move


@dataclass
class Invoice:
    """An invoice integrated by Chorus Pro, with its status history ``[(id, code, datetime, comment)]``."""

    id: int
    parsed: ParsedInvoice
    flow_number: str
    deposited_at: datetime
    buyer_id: int
    service: dict
    billing_frame: str
    status: str = 'DEPOSEE'
    status_at: datetime = None
    comment: str = ''
    history: list = field(default_factory=list)
    later_outcome: tuple = None  # (status, comment) the buyer's side gives it at the next step (rules.py)
    attachments: list = field(default_factory=list)  # ids of files added by factures/completer
    # works pieces (works.py): project manager, billing file, previous piece, MOE deadline
    moe_id: int = None
    billing_file: str = ''
    previous_id: int = None
    moe_due: datetime = None
