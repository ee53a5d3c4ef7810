"""What the sandbox holds: flows and invoices, Chorus Pro's business error, and Chorus Pro's time (Paris)."""

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
