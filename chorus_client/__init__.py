"""Plain-Python client of the Chorus Pro API (PISTE OAuth2 + technical account); no Odoo import."""

from .client import ChorusClient
from .transport import ENVIRONMENTS, NO_RESULT_CODES, clear_token_cache
from .exceptions import (
    ChorusAccessDenied,
    ChorusAuthError,
    ChorusBusinessError,
    ChorusError,
    ChorusInvalidAnswer,
    ChorusTransientError,
)
from .results import (
    DepositReceipt,
    FlowReport,
    InvoiceRefusal,
    InvoiceState,
    Service,
    Structure,
    StructureRules,
    SupplierInvoice,
    parse_moment,
)
from .codes import (
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
    'DepositReceipt',
    'FlowReport',
    'InvoiceRefusal',
    'InvoiceState',
    'Service',
    'Structure',
    'StructureRules',
    'SupplierInvoice',
    'clear_token_cache',
    'parse_moment',
]
