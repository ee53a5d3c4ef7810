"""Plain-Python client of the Chorus Pro API (PISTE OAuth2 + technical account); no Odoo import."""

from .client import ENVIRONMENTS, NO_RESULT_CODES, ChorusClient, clear_token_cache
from .exceptions import (
    ChorusAccessDenied,
    ChorusAuthError,
    ChorusBusinessError,
    ChorusError,
    ChorusInvalidAnswer,
    ChorusTransientError,
)
from .statuses import (
    BILLING_FRAMES,
    DEPOSIT_SYNTAXES,
    FINAL_STATUSES,
    FLOW_FINAL_STATES,
    FLOW_STATES,
    INVOICE_STATUSES,
    SYNTAX_CII,
    SYNTAX_FACTURX,
    SYNTAX_UBL,
    WORKS_BILLING_FRAMES,
)

__all__ = [
    'BILLING_FRAMES',
    'DEPOSIT_SYNTAXES',
    'ENVIRONMENTS',
    'FINAL_STATUSES',
    'FLOW_FINAL_STATES',
    'FLOW_STATES',
    'INVOICE_STATUSES',
    'NO_RESULT_CODES',
    'SYNTAX_CII',
    'SYNTAX_FACTURX',
    'SYNTAX_UBL',
    'WORKS_BILLING_FRAMES',
    'ChorusAccessDenied',
    'ChorusAuthError',
    'ChorusBusinessError',
    'ChorusClient',
    'ChorusError',
    'ChorusInvalidAnswer',
    'ChorusTransientError',
    'clear_token_cache',
]
