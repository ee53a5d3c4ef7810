"""In-memory state of the sandbox: credentials, structures, flows, invoices, faults, and how time moves."""

import itertools
import json
import secrets
import threading
import time
from collections import Counter
from datetime import timedelta

from . import data
from .parsing import FlowParseError, ParsedInvoice, parse_flow

try:  # inside Odoo, the addon's packages
    from ..chorus_client import codes
except ImportError:  # `python -m chorus_sandbox` from the repository
    from chorus_client import codes

from .records import Flow, Invoice, billing_frame_code, now

FAULTS = ('timeout', '401', '403', '429', '500', '503', 'malformed_json', 'drop_after_record', 'hang_after_record')
FLOW_STEPS = ['IN_RECU', 'IN_TRAITE_SE_CPP', 'IN_EN_ATTENTE_TRAITEMENT_CPP', 'IN_EN_COURS_TRAITEMENT_CPP']
INVOICE_PATH = ['DEPOSEE', 'MISE_A_DISPOSITION', 'PRISE_EN_COMPTE_DESTINATAIRE', 'SERVICE_FAIT', 'MANDATEE',
                'MISE_A_DISPOSITION_COMPTABLE', 'COMPTABILISEE', 'MISE_EN_PAIEMENT']
NEXT_STATUS = dict(itertools.pairwise(INVOICE_PATH))
NEXT_STATUS.update({'EN_COURS_ACHEMINEMENT': 'MISE_A_DISPOSITION', 'COMPLETEE': 'PRISE_EN_COMPTE_DESTINATAIRE'})
STATUS_CODES = {code for code, _label in codes.INVOICE_STATUSES}
FLOW_STATE_CODES = {code for code, _label in codes.FLOW_STATES}
MAX_COMMITMENT_LENGTH = 50


# Flow numbers stay unique for the life of the process, across resets, as on Chorus Pro.
_FLOW_SEQUENCE = itertools.count(1)


class SandboxState:
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
            self._invoice_sequence = itertools.count(1000001)
            self._history_sequence = itertools.count(1)
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

    def add_fault(self, operation, fault, count=1, delay=None):
        """Make the next ``count`` calls of ``operation`` fail with ``fault``.

        ``operation`` is ``'token'``, ``'api/operation'`` (``'factures/deposer/flux'``), the operation alone
        (``'deposer/flux'``) or ``'*'`` (every API call). ``delay`` (seconds) is the wait of a ``timeout``
        (before the work) or of a ``hang_after_record`` (after it).
        """
        if fault not in FAULTS:
            raise ValueError(f'unknown fault {fault!r}, expected one of {FAULTS}')
        with self.lock:
            self.faults.append({'operation': operation, 'fault': fault, 'count': int(count),
                                'delay': 3.0 if delay is None else float(delay)})
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

    def seed_invoices(self, count, buyer_id=data.LYCEE_ID, status='DEPOSEE', prefix='SEED'):
        """Create ``count`` integrated invoices in one integrated flow, fast (benchmarks)."""
        if status not in STATUS_CODES:
            raise ValueError(f'unknown invoice status {status!r}')
        with self.lock:
            buyer = self.structures[int(buyer_id)]
            flow = self._new_flow('seed.tar.gz', 'IN_DP_E1_UBL_INVOICE')
            flow.state = 'IN_INTEGRE'
            start = now()
            for index in range(1, int(count) + 1):
                parsed = ParsedInvoice(
                    number=f'{prefix}-{flow.number[-8:]}-{index:06d}', kind='FACTURE', issue_date=start.date(),
                    currency='EUR', total_untaxed=100.0 + index, total_taxed=120.0 + index * 1.2,
                    amount_due=120.0 + index * 1.2, buyer_siret=buyer['siret'], buyer_name=buyer['name'],
                    supplier_siret=data.SUPPLIER_SIRET, supplier_name=data.SUPPLIER_NAME, service_code='',
                    commitment='', market='', billing_frame='A1')
                invoice = self._create_invoice(flow, parsed, buyer, None)
                if status != 'DEPOSEE':
                    self._set_status(invoice, status, '')
        return {'flow': flow.number, 'first_id': flow.invoice_ids[0] if flow.invoice_ids else None,
                'last_id': flow.invoice_ids[-1] if flow.invoice_ids else None}

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
                'flows': [{'numeroFluxDepot': f.number, 'etat': f.state, 'nomFichier': f.filename,
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

    # ------------------------------------------------------------------ flows and invoices

    def deposit(self, content, filename, syntax):
        """Record a flow (state ``IN_RECU``); its invoices are checked when it reaches its final state."""
        with self.lock:
            flow = self._new_flow(filename, syntax)
            try:
                flow.parsed = parse_flow(content, filename, syntax)
            except FlowParseError as exc:
                flow.technical_errors.append({'codeErreur': exc.code, 'libelleErreur': exc.message,
                                              'natureErreur': 'TECHNIQUE'})
            return flow

    def _new_flow(self, filename, syntax):
        deposited = now()
        number = f'CPP{deposited:%Y%m%d%H%M%S}{next(_FLOW_SEQUENCE):08d}'
        flow = Flow(number=number, deposited_at=deposited, syntax=syntax, filename=filename, state_at=deposited)
        self.flows[number] = flow
        self.version += 1
        return flow

    def _advance_flows(self, to_final):
        moved = 0
        for flow in self.flows.values():
            if flow.state not in FLOW_STEPS:
                continue
            position = FLOW_STEPS.index(flow.state)
            if to_final or position == len(FLOW_STEPS) - 1:
                self._integrate(flow)
            else:
                flow.state, flow.state_at = FLOW_STEPS[position + 1], now()
            moved += 1
        self.version += 1
        return moved

    def _advance_invoices(self):
        moved = 0
        for invoice in self.invoices.values():
            following = NEXT_STATUS.get(invoice.status)
            buyer = self.structures[invoice.buyer_id]
            if following == 'MISE_EN_PAIEMENT' and buyer['parametres']['statutMiseEnPaiementNestPasRemonte']:
                continue
            if following:
                self._set_status(invoice, following, '')
                moved += 1
        return moved

    def _integrate(self, flow):
        """Check every invoice of the flow, create those that pass, and give the flow its final state."""
        if not flow.technical_errors:
            known = {(inv.parsed.supplier_siret, inv.parsed.number) for inv in self.invoices.values()
                     if inv.status != 'SUPPRIMEE'}
            for parsed in flow.parsed:
                buyer = self.find_structure(siret=parsed.buyer_siret)
                service = self._service(buyer, parsed.service_code)
                errors = self._check(parsed, buyer, service, known)
                for error in errors:
                    flow.dp_errors.append({'identifiantFournisseur': parsed.supplier_siret,
                                           'identifiantDestinataire': parsed.buyer_siret,
                                           'numeroDP': parsed.number, 'libelleErreurDP': error})
                if not errors:
                    known.add((parsed.supplier_siret, parsed.number))
                    self._create_invoice(flow, parsed, buyer, service)
        if flow.technical_errors or not flow.invoice_ids:
            state = 'IN_REJETE'
        else:
            state = 'IN_INTEGRE_PARTIEL' if flow.dp_errors else 'IN_INTEGRE'
        flow.state, flow.state_at = state, now()

    @staticmethod
    def _service(buyer, code):
        if not buyer or not code:
            return None
        return next((svc for svc in buyer['services'] if svc['codeService'] == code), None)

    @staticmethod
    def _check(parsed, buyer, service, known):
        """Return the reasons (French) why Chorus Pro refuses this invoice; empty when it is accepted."""
        if not parsed.supplier_siret:
            return ["Le fournisseur n'est pas identifié (SIRET absent)."]
        if buyer is None:
            return [f"Le destinataire {parsed.buyer_siret or '(non renseigné)'} n'existe pas dans Chorus Pro."]
        if not buyer['active']:
            return [f"La structure destinataire {parsed.buyer_siret} est inactive."]
        errors = []
        rules = buyer['parametres']
        code = parsed.service_code
        if code and service is None:
            errors.append(f"Le service {code} n'existe pas pour la structure destinataire {parsed.buyer_siret}.")
        elif code == 'FACTURES_PUBLIQUES':
            errors.append("Le service FACTURES_PUBLIQUES est réservé aux factures entre entités publiques.")
        elif service is not None and not service['estActif']:
            errors.append(f"Le service {code} de la structure destinataire est inactif.")
        elif not code and rules['codeServiceDoitEtreRenseigne']:
            errors.append("Le code service est obligatoire pour cette structure destinataire.")
        commitment_required = rules['numeroEJDoitEtreRenseigne'] or bool(service and service['numeroEngagement'])
        if not parsed.commitment and commitment_required:
            errors.append("Le numéro d'engagement juridique est obligatoire pour ce destinataire.")
        if rules['gestionNumeroEJOuCodeService'] and not (code or parsed.commitment):
            errors.append("Le code service ou le numéro d'engagement doit être renseigné.")
        if len(parsed.commitment) > MAX_COMMITMENT_LENGTH:
            errors.append(f"Le numéro d'engagement dépasse {MAX_COMMITMENT_LENGTH} caractères.")
        if (parsed.supplier_siret, parsed.number) in known:
            errors.append(f"La facture {parsed.number} a déjà été déposée par ce fournisseur.")
        return errors

    def _create_invoice(self, flow, parsed, buyer, service):
        invoice = Invoice(id=next(self._invoice_sequence), parsed=parsed, flow_number=flow.number,
                          deposited_at=flow.deposited_at, buyer_id=buyer['idStructureCPP'], service=service,
                          billing_frame=billing_frame_code(parsed.billing_frame))
        self._set_status(invoice, 'DEPOSEE', '')
        self.invoices[invoice.id] = invoice
        flow.invoice_ids.append(invoice.id)
        return invoice

    def _set_status(self, invoice, status, comment):
        stamp = now()
        invoice.status, invoice.status_at, invoice.comment = status, stamp, comment
        invoice.history.append((next(self._history_sequence), status, stamp, comment))
        self.version += 1
