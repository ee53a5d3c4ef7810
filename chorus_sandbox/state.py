"""In-memory state of the sandbox: credentials, structures, faults, lookups; flows and invoices in processing.py."""

import itertools
import json
import secrets
import threading
import time
from collections import Counter
from datetime import timedelta

from . import data, rules
from .processing import FlowProcessing
from .records import (  # noqa: F401  (PARIS, now, SandboxError, codes: imported from here by the operations)
    FLOW_STATE_CODES,
    PARIS,
    STATUS_CODES,
    SandboxError,
    codes,
    now,
)

FAULTS = ('timeout', '401', '403', '429', '500', '503', 'malformed_json', 'drop_after_record', 'hang_after_record')


class SandboxState(FlowProcessing):
    """Everything the sandbox knows; every public method is safe to call from any thread.

    Tests read ``calls`` (calls per ``'token'`` or ``'api/operation'``, faulted ones included), ``last_requests``
    (last JSON body per operation), ``flows`` (by number), ``invoices`` (by identifiantFactureCPP), ``tokens``.
    """

    def __init__(self):
        self.lock = threading.RLock()
        self.reset()

    # ------------------------------------------------------------------ control

    def reset(self):
        """Back to the seed data: default credentials, all subscriptions, no flow, no invoice, no fault."""
        with self.lock:
            self.client_id = data.CLIENT_ID
            self.client_secret = data.CLIENT_SECRET
            self.login = data.TECHNICAL_LOGIN
            self.password = data.TECHNICAL_PASSWORD
            self.token_lifetime = data.TOKEN_LIFETIME
            self.password_expiry = now() + timedelta(days=data.PASSWORD_EXPIRY_DAYS)
            self.tokens = {}
            self.subscriptions = set(data.APIS)
            self.structures = data.structures()
            self.commitments = data.commitments()
            self.flows = {}
            self.invoices = {}
            self.faults = []
            self.calls = Counter()
            self.last_requests = {}
            self.version = 0
            self._search_cache = {}
            # technical ids are 8-digit values that fit 32 bits, as on Chorus Pro (e.g. 27946194)
            self._invoice_sequence = itertools.count(data.FIRST_INVOICE_ID)
            self._history_sequence = itertools.count(data.FIRST_HISTORY_ID)
            self._file_sequence = itertools.count(data.FIRST_FILE_ID)
            self.files = {}
            self.rules = rules.default_rules()
            self.account_suppliers = {data.SUPPLIER_SIRET}  # structures the technical account may deposit for
            self.next_delays = []
        return {'reset': True}

    def set_credentials(self, client_id=None, client_secret=None, login=None, password=None, token_lifetime=None,
                        password_expiry_days=None):
        """Change what the sandbox accepts; ``token_lifetime`` is the ``expires_in`` of new tokens (seconds)."""
        with self.lock:
            for name, value in (('client_id', client_id), ('client_secret', client_secret), ('login', login),
                                ('password', password)):
                if value is not None:
                    setattr(self, name, value)
            if token_lifetime is not None:
                self.token_lifetime = int(token_lifetime)
            if password_expiry_days is not None:
                self.password_expiry = now() + timedelta(days=int(password_expiry_days))
        return {'client_id': self.client_id, 'login': self.login, 'token_lifetime': self.token_lifetime}

    def set_subscriptions(self, apis):
        """Set the APIs the PISTE application is subscribed to (others answer 403)."""
        unknown = set(apis) - set(data.APIS)
        if unknown:
            raise ValueError(f'unknown APIs: {sorted(unknown)}')
        with self.lock:
            self.subscriptions = set(apis)
        return {'subscriptions': sorted(self.subscriptions)}

    def add_fault(self, operation, fault, count=1, delay=None, retry_after=None):
        """Make the next ``count`` calls of ``operation`` fail with ``fault``.

        ``operation`` is ``'token'``, ``'api/operation'`` (``'factures/deposer/flux'``), the operation alone
        (``'deposer/flux'``) or ``'*'`` (every API call). ``delay`` (seconds) is the wait of a ``timeout``
        (before the work) or of a ``hang_after_record`` (after it). ``retry_after`` (seconds) is the
        ``Retry-After`` header of a 429/500/503 (1 by default).
        """
        if fault not in FAULTS:
            raise ValueError(f'unknown fault {fault!r}, expected one of {FAULTS}')
        with self.lock:
            self.faults.append({'operation': operation, 'fault': fault, 'count': int(count),
                                'delay': 3.0 if delay is None else float(delay),
                                'retry_after': 1 if retry_after is None else int(retry_after)})
        return {'faults': self.faults}

    def clear_faults(self):
        """Forget every pending fault."""
        with self.lock:
            self.faults = []
        return {'faults': []}

    def take_fault(self, key):
        """Consume and return the first fault matching the call ``key`` (``'token'`` or ``'api/operation'``)."""
        names = {key, key.split('/', 1)[-1]} | ({'*'} if key != 'token' else set())
        with self.lock:
            for fault in self.faults:
                if fault['operation'] in names:
                    fault['count'] -= 1
                    if fault['count'] <= 0:
                        self.faults.remove(fault)
                    return dict(fault)
        return None

    def revoke_tokens(self):
        """Invalidate every access token issued so far."""
        with self.lock:
            self.tokens.clear()
        return {'revoked': True}

    def advance(self, steps=1, flows_to_final=False):
        """Move time on: each step moves every pending flow one state, every live invoice one status.

        Invoices move first, so those a step integrates stay ``DEPOSEE``. ``flows_to_final`` processes every
        pending flow to its final state at once.
        """
        moved_flows = moved_invoices = 0
        with self.lock:
            for _step in range(int(steps)):
                moved_invoices += self._advance_invoices()
                moved_flows += self._advance_flows(flows_to_final)
        return {'flows_moved': moved_flows, 'invoices_moved': moved_invoices}

    def set_invoice_status(self, status, invoice_id=None, invoice_number=None, comment=''):
        """Give an invoice (by ``identifiantFactureCPP`` or ``numeroFacture``) any status, with a comment."""
        if status not in STATUS_CODES:
            raise ValueError(f'unknown invoice status {status!r}')
        with self.lock:
            invoice = self.find_invoice(invoice_id, invoice_number)
            self._set_status(invoice, status, comment or '')
        return {'invoice_id': invoice.id, 'status': status}

    def set_flow_state(self, flow_number, state, comment=''):
        """Give a flow any state (e.g. ``IN_INCIDENTE``); no invoice is created or removed."""
        if state not in FLOW_STATE_CODES:
            raise ValueError(f'unknown flow state {state!r}')
        with self.lock:
            flow = self.flows.get(flow_number)
            if flow is None:
                raise ValueError(f'unknown flow {flow_number!r}')
            flow.state, flow.state_at = state, now()
            if comment:
                flow.technical_errors.append({'codeErreur': 'SANDBOX', 'libelleErreur': comment,
                                              'natureErreur': 'TECHNIQUE'})
            self.version += 1
        return {'flow': flow_number, 'state': state}

    def summary(self):
        """What the sandbox holds, for ``GET /_sandbox/state``."""
        with self.lock:
            return {
                'client_id': self.client_id,
                'login': self.login,
                'token_lifetime': self.token_lifetime,
                'subscriptions': sorted(self.subscriptions),
                'faults': self.faults,
                'calls': dict(self.calls),
                'rules_disabled': [rule for rule in rules.RULE_IDS if rule not in self.rules],
                'next_flows_delayed': len(self.next_delays),
                'flows': [{'numeroFluxDepot': f.number, 'etat': f.state, 'nomFichier': f.filename,
                           'retenu': bool(f.held_steps or f.held_until),
                           'factures': len(f.invoice_ids), 'erreurs': len(f.dp_errors) + len(f.technical_errors)}
                          for f in self.flows.values()],
                'invoices_by_status': dict(Counter(inv.status for inv in self.invoices.values())),
                'invoices': [{'identifiantFactureCPP': inv.id, 'numeroFacture': inv.parsed.number,
                              'statut': inv.status} for inv in itertools.islice(reversed(self.invoices.values()), 50)],
            }

    # ------------------------------------------------------------------ authentication

    def issue_token(self, client_id, client_secret):
        """Return a new access token, or None when the credentials are wrong."""
        with self.lock:
            if client_id != self.client_id or client_secret != self.client_secret:
                return None
            token = secrets.token_urlsafe(32)
            self.tokens[token] = time.monotonic() + self.token_lifetime
            return token

    def token_valid(self, token):
        with self.lock:
            expiry = self.tokens.get(token)
            return expiry is not None and expiry > time.monotonic()

    def revoke_token(self, token):
        with self.lock:
            self.tokens.pop(token, None)

    def account_valid(self, login, password):
        with self.lock:
            return login == self.login and password == self.password

    # ------------------------------------------------------------------ lookups

    def find_structure(self, id_cpp=None, siret=None):
        """The structure with this idStructureCPP, else with this SIRET, or None."""
        if id_cpp is not None:
            return self.structures.get(id_cpp)
        return next((s for s in self.structures.values() if siret and s['siret'] == siret), None)

    def find_invoice(self, invoice_id=None, invoice_number=None):
        if invoice_id is not None:
            invoice = self.invoices.get(int(invoice_id))
        else:
            invoice = next((inv for inv in self.invoices.values() if inv.parsed.number == invoice_number), None)
        if invoice is None:
            raise ValueError(f'unknown invoice {invoice_id or invoice_number!r}')
        return invoice

    def search_invoices(self, search):
        """Ids of the invoices a search selects, in its order; cached until the state changes.

        ``search`` has ``key`` (JSON-able, identifies the search), ``match(invoice)``, ``sort_key(invoice)`` and
        ``reverse``.
        """
        key = json.dumps(search.key, sort_keys=True, default=str)
        if self._search_cache.get('version') != self.version:
            self._search_cache = {'version': self.version}
        if key not in self._search_cache:
            selected = sorted((inv for inv in self.invoices.values() if search.match(inv)), key=search.sort_key,
                              reverse=search.reverse)
            self._search_cache[key] = [inv.id for inv in selected]
        return self._search_cache[key]
