"""What the sandbox's operations share: Chorus Pro's return codes, reading a request body, paging, answers."""

import math
from datetime import datetime

from .records import PARIS, SandboxError

OK = {'codeRetour': 0, 'libelle': 'TRA_MSG_00.000'}
DEFAULT_PAGE_SIZE = 10


def no_result(code=20000, label='TRA_MSG_00.015'):
    return SandboxError(code, label)


def unknown(what):
    return SandboxError(20002, f"{what} n'existe pas.")


def invalid(message):
    return SandboxError(20001, message, http_status=400)


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
