"""WSGI application of the sandbox: PISTE OAuth, the Chorus Pro API, and the ``/_sandbox/`` control endpoints."""

import base64
import binascii
import json
import logging
import re
import socket
import time

from werkzeug.wrappers import Request, Response

from .data import MAX_REQUEST_BYTES
from .operations import OPERATIONS
from .state import SandboxError, SandboxState

_logger = logging.getLogger(__name__)

API_PATH = re.compile(r'^/cpro/(?P<api>[A-Za-z]+)/v1/(?P<operation>.+?)/?$')
ACCOUNT_REFUSED = 'Bearer realm="PISTE",error="Unauthorized",error_description="login or password incorrects"'
TOKEN_REFUSED = 'Bearer realm="PISTE",error="invalid_token",error_description="token missing, unknown or expired"'

# ``/_sandbox/<name>`` -> method of SandboxState; the JSON body gives its keyword arguments.
CONTROLS = {
    'reset': 'reset',
    'advance': 'advance',
    'set_invoice_status': 'set_invoice_status',
    'set_flow_state': 'set_flow_state',
    'faults': 'add_fault',
    'clear_faults': 'clear_faults',
    'subscriptions': 'set_subscriptions',
    'credentials': 'set_credentials',
    'revoke_tokens': 'revoke_tokens',
    'seed_invoices': 'seed_invoices',
    'rules': 'set_rules',
    'delay_flows': 'delay_flows',
    'works_decide': 'works_decide',
    'works_expire': 'works_expire',
}



class DropConnection(Exception):
    """Close the client's connection without any HTTP answer."""


def json_response(payload, status=200, headers=None):
    return Response(json.dumps(payload, ensure_ascii=False), status=status, headers=headers,
                    content_type='application/json;charset=utf-8')


class SandboxApp:
    """A stateful fake of Chorus Pro behind PISTE; ``state`` is shared with the tests."""

    def __init__(self, state=None):
        self.state = state or SandboxState()

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except DropConnection:
            connection = environ.get('werkzeug.socket')
            if connection is not None:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    _logger.debug('connection already closed')
            # The server treats a ConnectionError as a dropped client: no answer is written.
            raise ConnectionAbortedError('sandbox fault: connection dropped') from None
        return response(environ, start_response)

    def dispatch(self, request):
        path = request.path
        if path == '/api/oauth/token':
            return self.with_faults('token', request, self.token)
        if path.startswith('/_sandbox/'):
            return self.control(request, path[len('/_sandbox/'):].strip('/'))
        match = API_PATH.match(path)
        if match:
            key = (match['api'], match['operation'])
            return self.with_faults('/'.join(key), request, lambda req: self.api(req, *key))
        return Response('Not found', status=404)

    def with_faults(self, key, request, handler):
        """Count the call, then answer it as the next pending fault of ``key`` says, or normally."""
        with self.state.lock:
            self.state.calls[key] += 1
        fault = self.state.take_fault(key)
        kind = fault and fault['fault']
        if kind == 'timeout':
            time.sleep(fault['delay'])
        elif kind == '401':
            if key == 'token':
                return json_response({'error': 'invalid_client', 'error_description': 'sandbox fault'}, 401)
            self.state.revoke_token(bearer(request))
            return Response(status=401, headers={'WWW-Authenticate': TOKEN_REFUSED})
        elif kind == '403':
            return Response(status=403)
        elif kind in ('429', '500', '503'):
            return Response(status=int(kind), headers={'Retry-After': str(fault['retry_after'])})
        response = handler(request)
        if kind == 'malformed_json':
            body = response.get_data()
            response.set_data(body[:max(1, len(body) // 2)] if body else b'{')
        elif kind == 'drop_after_record':
            raise DropConnection()
        elif kind == 'hang_after_record':  # recorded, then the answer comes late (the caller may be gone)
            time.sleep(fault['delay'])
        return response

    # ------------------------------------------------------------------ PISTE OAuth

    def token(self, request):
        if request.method != 'POST':
            return Response(status=405)
        form = request.form
        if form.get('grant_type') != 'client_credentials':
            return json_response({'error': 'unsupported_grant_type'}, 400)
        token = self.state.issue_token(form.get('client_id'), form.get('client_secret'))
        if token is None:
            return json_response({'error': 'invalid_client', 'error_description': 'Client authentication failed'},
                                 400)
        return json_response({'access_token': token, 'token_type': 'Bearer', 'expires_in': self.state.token_lifetime,
                              'scope': 'openid'})

    # ------------------------------------------------------------------ Chorus Pro API

    def api(self, request, api, operation):
        state = self.state
        if not state.token_valid(bearer(request)):
            return Response(status=401, headers={'WWW-Authenticate': TOKEN_REFUSED})
        if api not in state.subscriptions:
            return Response(status=403)
        if not account_valid(state, request.headers.get('cpro-account', '')):
            return Response(status=401, headers={'WWW-Authenticate': ACCOUNT_REFUSED})
        method, handler = OPERATIONS.get((api, operation), (None, None))
        if handler is None:
            return Response(status=404)
        if request.method != method:
            return Response(status=405)
        body = {}
        if method == 'POST':
            if request.mimetype != 'application/json':
                return Response(status=415)
            if (request.content_length or 0) > MAX_REQUEST_BYTES:
                return Response(status=413)
            try:
                body = json.loads(request.get_data() or b'{}')
            except ValueError:
                return Response(status=400)
            if not isinstance(body, dict):
                return Response(status=400)
        with state.lock:
            state.last_requests[f'{api}/{operation}'] = body
            try:
                answer, status = handler(state, body), 200
            except SandboxError as exc:
                answer, status = {'codeRetour': exc.code, 'libelle': exc.label}, exc.http_status
        return json_response(answer, status)

    # ------------------------------------------------------------------ control

    def control(self, request, name):
        if name == 'state' and request.method == 'GET':
            return json_response(self.state.summary())
        method = CONTROLS.get(name)
        if method is None or request.method != 'POST':
            return json_response({'error': f'unknown control {request.method} /_sandbox/{name}',
                                  'controls': [*sorted(CONTROLS), 'state (GET)']}, 404)
        try:
            kwargs = json.loads(request.get_data() or b'{}')
            if not isinstance(kwargs, dict):
                raise ValueError('the body must be a JSON object')
            result = getattr(self.state, method)(**kwargs)
        except (TypeError, ValueError, KeyError, SandboxError) as exc:
            return json_response({'error': str(exc)}, 400)
        return json_response(result)


def bearer(request):
    header = request.headers.get('Authorization', '')
    return header[7:].strip() if header[:7].lower() == 'bearer ' else ''


def account_valid(state, header):
    """Check a ``cpro-account`` header: base64 of ``login:password``."""
    try:
        login, _sep, password = base64.b64decode(header, validate=True).decode('utf-8').partition(':')
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return state.account_valid(login, password)
