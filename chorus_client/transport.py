"""Transport to the Chorus Pro API through PISTE (no Odoo inside): token, headers, retries, errors."""

import base64
import hashlib
import logging
import threading
import time
from datetime import date, datetime

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from .exceptions import (
    ChorusAccessDenied,
    ChorusAuthError,
    ChorusBusinessError,
    ChorusError,
    ChorusInvalidAnswer,
    ChorusTransientError,
)
from .results import as_list

_logger = logging.getLogger(__name__)

ENVIRONMENTS = {
    'qualification': {
        'token_url': 'https://sandbox-oauth.piste.gouv.fr/api/oauth/token',
        'api_url': 'https://sandbox-api.piste.gouv.fr',
    },
    'production': {
        'token_url': 'https://oauth.piste.gouv.fr/api/oauth/token',
        'api_url': 'https://api.piste.gouv.fr',
    },
}

# codeRetour of a search that found nothing (20007: works invoices).
NO_RESULT_CODES = frozenset({20000, 20007})
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})

# Tokens shared by every client of the process: key -> (access_token, monotonic expiry).
_token_cache = {}
_token_locks = {}
_cache_lock = threading.Lock()


def clear_token_cache():
    """Forget every cached PISTE token (tests, credential changes)."""
    with _cache_lock:
        _token_cache.clear()


def _key_lock(key):
    with _cache_lock:
        return _token_locks.setdefault(key, threading.Lock())


def _format_datetime(value, end_of_day=False):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.strftime('%Y-%m-%dT%H:%M:%S')
    if isinstance(value, date):
        return value.strftime('%Y-%m-%dT23:59:59' if end_of_day else '%Y-%m-%dT00:00:00')
    raise TypeError(f'expected a date, a datetime or a string, got {type(value).__name__}')


class ChorusTransport:
    """HTTP to Chorus Pro for one account (a PISTE application and a technical account): the PISTE token,
    the headers, retries of reads on transient errors with exponential backoff (a deposit never is), and
    Chorus Pro's errors turned into the exceptions of exceptions.py."""

    def __init__(self, token_url, api_url, client_id, client_secret, login, password,
                 timeout=30, retries=3, backoff=0.5, token_margin=60):
        self.token_url = token_url
        self.api_url = api_url.rstrip('/')
        self.client_id = client_id
        self.login = login
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.token_margin = token_margin
        self._client_secret = client_secret
        self._account = base64.b64encode(f'{login}:{password}'.encode()).decode('ascii')
        # The secret's digest is part of the key: a changed secret never reuses a token of the old one.
        digest = hashlib.sha256(f'{client_id}\0{client_secret}'.encode()).hexdigest()
        self._cache_key = (token_url, client_id, digest)
        self._session = requests.Session()
        adapter = HTTPAdapter(max_retries=0)
        self._session.mount('http://', adapter)
        self._session.mount('https://', adapter)
        self.stats = {'token_calls': 0, 'api_calls': 0, 'retries': 0, 'operations': {}}

    def __repr__(self):
        return f'<{type(self).__name__} {self.api_url} login={self.login!r}>'

    def close(self):
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # ------------------------------------------------------------------ token

    def _token(self):
        """Return a valid access token, from the shared cache or from PISTE."""
        cached = _token_cache.get(self._cache_key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        with _key_lock(self._cache_key):
            cached = _token_cache.get(self._cache_key)
            if cached and cached[1] > time.monotonic():
                return cached[0]
            token, lifetime = self._fetch_token()
            margin = min(self.token_margin, lifetime / 2)
            _token_cache[self._cache_key] = (token, time.monotonic() + lifetime - margin)
            return token

    def _drop_token(self, token):
        with _cache_lock:
            cached = _token_cache.get(self._cache_key)
            if cached and cached[0] == token:
                del _token_cache[self._cache_key]

    def _fetch_token(self):
        data = {
            'grant_type': 'client_credentials',
            'client_id': self.client_id,
            'client_secret': self._client_secret,
            'scope': 'openid',
        }
        attempt = 0
        while True:
            self.stats['token_calls'] += 1
            try:
                response = self._session.post(self.token_url, data=data, timeout=self.timeout)
            except requests.RequestException as exc:
                error = self._network_error(exc, 'token', deposit=False)
                error.__cause__ = exc
            else:
                try:
                    return self._parse_token(response)
                except ChorusTransientError as exc:
                    error = exc
            if attempt >= self.retries:
                raise error
            self._pause(attempt, 'token')
            attempt += 1

    def _parse_token(self, response):
        status = response.status_code
        if status in TRANSIENT_STATUSES:
            raise ChorusTransientError(f'PISTE token endpoint answered HTTP {status}', operation='token',
                                       status=status)
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if status in (400, 401):
            error = payload.get('error') if isinstance(payload, dict) else None
            raise ChorusAuthError(f'PISTE refused the application credentials (HTTP {status}, {error or "no detail"})',
                                  credential='piste', operation='token', status=status)
        if status != 200:
            raise ChorusError(f'PISTE token endpoint answered HTTP {status}', operation='token', status=status)
        if not isinstance(payload, dict) or not payload.get('access_token'):
            raise ChorusInvalidAnswer('PISTE token endpoint gave no access token', operation='token', status=status)
        try:
            lifetime = float(payload.get('expires_in') or 3600)
        except (TypeError, ValueError):
            lifetime = 3600.0
        _logger.debug('PISTE token obtained for %s, valid %ss', self.client_id, lifetime)
        return payload['access_token'], lifetime

    # ------------------------------------------------------------------ transport

    def _pause(self, attempt, operation, retry_after=None):
        delay = self.backoff * 2 ** attempt
        if retry_after is not None:
            delay = max(delay, min(retry_after, 60))
        self.stats['retries'] += 1
        _logger.info('Chorus Pro %s: transient failure, retry %d in %.2fs', operation, attempt + 1, delay)
        time.sleep(delay)

    def _count(self, operation):
        self.stats['api_calls'] += 1
        operations = self.stats['operations']
        operations[operation] = operations.get(operation, 0) + 1

    @staticmethod
    def _network_error(exc, operation, deposit):
        """Map a requests exception; ``deposit`` tells whether the request may have been recorded."""
        not_sent = isinstance(exc, requests.ConnectTimeout) or any(
            isinstance(arg, NewConnectionError) or isinstance(getattr(arg, 'reason', None), NewConnectionError)
            for arg in exc.args)
        kind = 'timeout' if isinstance(exc, requests.Timeout) else 'connection failure'
        return ChorusTransientError(f'Chorus Pro {operation}: {kind} ({type(exc).__name__})', operation=operation,
                                    deposit_unknown=deposit and not not_sent)

    def _call(self, api, operation, body=None, read=True, method='POST', no_result=False, envelope=True):
        """Send one API call and return the decoded answer.

        ``no_result``: return None for a "no result" codeRetour; ``envelope``: the answer must carry codeRetour.
        """
        name = f'{api}/{operation}'
        url = f'{self.api_url}/cpro/{api}/v1/{operation}'
        attempts = self.retries + 1 if read else 1
        attempt = 0
        renewed = False
        while True:
            token = self._token()
            headers = {
                'Authorization': f'Bearer {token}',
                'cpro-account': self._account,
                'Accept': 'application/json',
            }
            self._count(name)
            started = time.monotonic()
            try:
                if method == 'GET':
                    response = self._session.get(url, headers=headers, timeout=self.timeout)
                else:
                    headers['Content-Type'] = 'application/json;charset=utf-8'
                    response = self._session.post(url, json=body or {}, headers=headers, timeout=self.timeout)
                _logger.debug('Chorus Pro %s: HTTP %s in %.3fs', name, response.status_code,
                              time.monotonic() - started)
                if response.status_code == 401 and not renewed:
                    # The token may have been revoked or expired early: renew it once.
                    self._drop_token(token)
                    renewed = True
                    continue
                return self._parse(response, api, name, read, no_result, envelope)
            except requests.RequestException as exc:
                error = self._network_error(exc, name, deposit=not read)
                error.__cause__ = exc
                retry_after = None
            except ChorusTransientError as exc:
                error = exc
                retry_after = self._retry_after(response)
            attempt += 1
            if attempt >= attempts:
                raise error
            self._pause(attempt - 1, name, retry_after)

    @staticmethod
    def _retry_after(response):
        try:
            return float(response.headers.get('Retry-After'))
        except (TypeError, ValueError):
            return None

    def _parse(self, response, api, name, read, no_result, envelope):
        status = response.status_code
        if status == 401:
            raise ChorusAuthError(f'Chorus Pro {name}: technical account refused (HTTP 401)',
                                  credential='account', operation=name, status=status)
        if status == 403:
            raise ChorusAccessDenied(f'Chorus Pro {name}: the PISTE application is not subscribed to the {api} API',
                                     api=api, operation=name, status=status)
        if status in TRANSIENT_STATUSES:
            raise ChorusTransientError(f'Chorus Pro {name}: HTTP {status}', operation=name, status=status,
                                       deposit_unknown=not read and status != 429)
        try:
            payload = response.json()
        except ValueError:
            payload = None
        try:
            code = int(payload['codeRetour'])
        except (TypeError, KeyError, ValueError):
            code = None
        if code is None:
            if status == 200 and not envelope and isinstance(payload, dict):
                return payload
            if status == 200:
                raise ChorusInvalidAnswer(f'Chorus Pro {name}: answer is not a JSON object with codeRetour',
                                          operation=name, status=status, deposit_unknown=not read)
            raise ChorusError(f'Chorus Pro {name}: HTTP {status}', operation=name, status=status)
        if code == 0:
            return payload
        if no_result and code in NO_RESULT_CODES:
            return None
        label = str(payload.get('libelle') or '')
        raise ChorusBusinessError(f'Chorus Pro {name}: error {code} {label}'.rstrip(), code=code, label=label,
                                  operation=name, status=status)

    def _pages(self, api, operation, make_body, list_key, page_size):
        """Yield the items of every page of a paginated search."""
        page = 1
        while True:
            answer = self._call(api, operation, make_body(page, page_size), no_result=True)
            if answer is None:
                return
            items = as_list(answer.get(list_key))
            yield from items
            pages = (answer.get('parametresRetour') or {}).get('pages')
            if not items or (page >= pages if pages is not None else len(items) < page_size):
                return
            page += 1

