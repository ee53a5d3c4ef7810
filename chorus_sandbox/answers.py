"""Helpers of the sandbox's operations: Chorus Pro's envelope, errors, dates, pagination, lookups.

Return codes the sandbox invents where AIFE publishes none: 20001 (invalid parameter, HTTP 400) and 20002
(unknown object, HTTP 200). 20000 (``TRA_MSG_00.015``) and 20007 (works invoices) mean "no result"; 20003 is
AIFE's « file too large » for an attachment.
"""

import math
from datetime import datetime

from .state import PARIS, SandboxError

OK = {'codeRetour': 0, 'libelle': 'TRA_MSG_00.000'}
DEFAULT_PAGE_SIZE = 10
DEPOSIT_SYNTAXES = (
    'IN_DP_E1_UBL_INVOICE', 'IN_DP_E1_CII', 'IN_DP_E1_PES_FACTURE', 'IN_DP_E1_XCBL', 'IN_DP_E2_UBL_INVOICE_MIN',
    'IN_DP_E2_CII_MIN', 'IN_DP_E2_PES_FACTURE_MIN', 'IN_DP_E2_CPP_FACTURE_MIN', 'IN_DP_PDFARCHIVE_UBL_INVOICE_MUG',
    'IN_DP_PDFARCHIVE_CII_MUG', 'IN_DP_E1_CII_16B', 'IN_DP_E2_CII_MIN_16B', 'IN_DP_E2_CII_FACTURX',
)
MODE_DEPOT = 'EDI'


def no_result(code=20000, label='TRA_MSG_00.015'):
    return SandboxError(code, label)


def unknown(what):
    return SandboxError(20002, f"{what} n'existe pas.")


def invalid(message):
    return SandboxError(20001, message, http_status=400)


# ---------------------------------------------------------------------- helpers

def iso(moment):
    return moment.isoformat(timespec='milliseconds')


def iso_day(day):
    return iso(datetime(day.year, day.month, day.day, tzinfo=PARIS))


def compact(values):
    """Drop the empty values: the sandbox omits a field rather than sending null."""
    return {key: value for key, value in values.items() if value is not None and value != ''}


def integer(body, key, required=True):
    value = body.get(key)
    if value is None or value == '':
        if required:
            raise invalid(f'Le paramètre {key} est obligatoire.')
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid(f'Le paramètre {key} doit être un entier.') from None


def moment(body, key):
    value = body.get(key)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace('Z', '+00:00').replace(' ', 'T'))
    except ValueError:
        raise invalid(f'Le paramètre {key} doit être une date ISO 8601.') from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=PARIS)


def page_request(params, page_key='pageResultatDemandee', size_key='nbResultatsParPage'):
    params = params if isinstance(params, dict) else {}
    page = integer(params, page_key, required=False) or 1
    size = integer(params, size_key, required=False) or DEFAULT_PAGE_SIZE
    if page < 1 or size < 1:
        raise invalid('La pagination demandée est invalide.')
    return page, size


def paginate(items, page, size):
    """Return the page's items and ``parametresRetour``."""
    total = len(items)
    return items[(page - 1) * size:page * size], {
        'pageCourante': page, 'pages': max(1, math.ceil(total / size)), 'nbResultatsParPage': size, 'total': total,
    }


def structure_or_fail(state, id_cpp):
    structure = state.find_structure(id_cpp=id_cpp)
    if structure is None:
        raise unknown(f'La structure {id_cpp}')
    return structure


def invoice_or_fail(state, invoice_id):
    invoice = state.invoices.get(invoice_id)
    if invoice is None:
        raise unknown(f'La facture {invoice_id}')
    return invoice
