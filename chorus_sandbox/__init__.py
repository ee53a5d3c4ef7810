"""A local, stateful Chorus Pro (PISTE OAuth2 + Chorus Pro API) for tests and demos; no Odoo import.

Run it: ``python -m chorus_sandbox --port 8900`` (from the addon's folder), or in Python::

    with SandboxServer() as srv:            # 127.0.0.1, free port, daemon thread
        client = ChorusClient(srv.token_url, srv.api_url, CLIENT_ID, CLIENT_SECRET, TECHNICAL_LOGIN,
                              TECHNICAL_PASSWORD)
        srv.state.advance(flows_to_final=True)

What it serves:

- ``POST /api/oauth/token`` (form, client credentials): ``sandbox-client-id`` / ``sandbox-client-secret``;
- ``POST /cpro/{api}/v1/{operation}`` with ``Authorization: Bearer`` and ``cpro-account`` (base64 of
  ``TECH_1_demo@cpro.fr:Sandbox-Password-1``): structures rechercher, consulter, rechercher/services,
  consulter/service; engagementsJuridiques rechercher; factures deposer/flux, rechercher/fournisseur,
  consulter/fournisseur, consulter/historique, completer, recycler; transverses consulterCRDetaille,
  ajouter/fichier; facturesTravaux rechercher; and ``GET /cpro/transverses/v1/health-check`` (answers
  ``{body, statusCodeValue, statusCode}``, not the usual envelope).

Once a flow is processed, its invoices go through Chorus Pro's business rules: the one table is
``chorus_sandbox/rules.py`` (rule id, AIFE's wording, the function applying it, how the refusal comes out —
``listeErreurDP`` of an ``IN_REJETE``/``IN_INTEGRE_PARTIEL`` flow, or the invoice later ``REJETEE``/``A_RECYCLER``
with a comment). Technical ids are 8-digit values that fit 32 bits. Limits: 413 for a file over 10 MB or a request
over 120 MB, ``codeRetour`` 20003 for an attachment over 10 MB, 400 for a malformed JSON body.

Control endpoints (no authentication; POST a JSON object of keyword arguments, answer JSON). Each one is the
:class:`SandboxState` method named in brackets, callable directly as ``srv.state.<method>(...)``:

- ``/_sandbox/reset`` (reset) — back to the seed data.
- ``/_sandbox/advance`` (advance) ``{"steps": 1, "flows_to_final": false}`` — every pending flow moves one state
  (IN_RECU → IN_TRAITE_SE_CPP → IN_EN_ATTENTE_TRAITEMENT_CPP → IN_EN_COURS_TRAITEMENT_CPP → IN_INTEGRE,
  IN_INTEGRE_PARTIEL or IN_REJETE, its invoices checked then), every live invoice one status (DEPOSEE →
  MISE_A_DISPOSITION → PRISE_EN_COMPTE_DESTINATAIRE → SERVICE_FAIT → MANDATEE → MISE_A_DISPOSITION_COMPTABLE →
  COMPTABILISEE → MISE_EN_PAIEMENT, COMPTABILISEE being the last for a buyer that does not report payment).
- ``/_sandbox/set_invoice_status`` (set_invoice_status) ``{"status": "SUSPENDUE", "invoice_id": 1000001 or
  "invoice_number": "F2026-001", "comment": "..."}`` — any of the 56 statuses.
- ``/_sandbox/set_flow_state`` (set_flow_state) ``{"flow_number": "CPP...", "state": "IN_INCIDENTE"}``.
- ``/_sandbox/faults`` (add_fault) ``{"operation": "factures/deposer/flux", "fault": "503", "count": 1,
  "delay": 3}`` — operation: ``token``, ``api/operation``, the operation alone or ``*``; fault: ``timeout``
  (answers after ``delay`` s), ``401`` (revokes the token used), ``403``, ``429``, ``500``, ``503``,
  ``malformed_json`` (truncated answer), ``drop_after_record`` (does the work, e.g. records the deposit, then
  closes the connection without answering), ``hang_after_record`` (does the work, then answers after ``delay``
  s: a caller killed meanwhile never sees the answer); 429/500/503 carry ``Retry-After`` (``retry_after``, 1 s by
  default). ``/_sandbox/clear_faults`` (clear_faults) forgets them.
- ``/_sandbox/rules`` (set_rules) ``{"disabled": ["EJ_INCONNU"], "enabled": [...], "reset": false}`` — switch
  business rules of rules.py off (a lenient platform) or on.
- ``/_sandbox/delay_flows`` (delay_flows) ``{"flow_number": "CPP...", "steps": 2, "hours": 6}`` — keep a flow
  pending (« en attente de traitement ») for moves of time and/or hours; without ``flow_number``, the next
  ``count`` flows deposited.
- ``/_sandbox/subscriptions`` (set_subscriptions) ``{"apis": ["structures", "transverses"]}`` — others answer 403.
- ``/_sandbox/credentials`` (set_credentials) ``{"client_id", "client_secret", "login", "password",
  "token_lifetime", "password_expiry_days"}`` (all optional).
- ``/_sandbox/revoke_tokens`` (revoke_tokens) — every access token becomes invalid.
- ``/_sandbox/works_decide`` (works_decide) ``{"actor": "MOE", "decision": "validate", "invoice_number": "...",
  "accepted_amount": 9500}`` or ``{"actor": "MOE", "decision": "refuse", "reason": "Pièce justificative manquante ou
  illisible", "comment": "..."}`` — the project manager's (MOE) or the buyer's (MOA) decision on a works piece
  (works.py: a statement project goes DEPOSEE → MISE_A_DISPOSITION_MOE → PRISE_EN_COMPTE_MOE, waits for the MOE,
  then TRANSMISE_MOA → MISE_A_DISPOSITION_MOA → PRISE_EN_COMPTE_MOA, waits for the MOA, then MANDATEE → … →
  MISE_EN_PAIEMENT; « Erreur de montant » is not a refusal reason). ``/_sandbox/works_expire`` (works_expire)
  ``{"invoice_number": "..."}`` — the MOE's 7-day deadline is over: at the next step the piece goes to the MOA.
- ``/_sandbox/seed_invoices`` (seed_invoices) ``{"count": 2500, "buyer_id": 26000103, "status": "DEPOSEE",
  "prefix": "SEED"}`` — integrated invoices in bulk, in one integrated flow.
- ``GET /_sandbox/state`` (summary) — credentials' names, subscriptions, faults, call counts, flows, invoices.
"""

from .app import SandboxApp
from .data import CLIENT_ID, CLIENT_SECRET, TECHNICAL_LOGIN, TECHNICAL_PASSWORD
from .parsing import FlowParseError, ParsedInvoice, extract_facturx_xml, parse_flow
from .server import SandboxServer
from .state import SandboxState

__all__ = [
    'CLIENT_ID',
    'CLIENT_SECRET',
    'TECHNICAL_LOGIN',
    'TECHNICAL_PASSWORD',
    'FlowParseError',
    'ParsedInvoice',
    'SandboxApp',
    'SandboxServer',
    'SandboxState',
    'extract_facturx_xml',
    'parse_flow',
]
