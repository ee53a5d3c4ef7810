"""Errors raised by :class:`ChorusClient`.

Messages are in English, for logs; they never contain a credential. Callers build user messages from the
structured attributes.
"""


class ChorusError(Exception):
    """Base class of every Chorus Pro error.

    :ivar operation: ``api/operation`` that failed (``'token'`` for the OAuth call), or None
    :ivar status: HTTP status of the answer, or None when there was none
    :ivar retryable: whether trying again later can help
    :ivar deposit_unknown: a deposit may have been recorded although no valid answer came back
    """

    retryable = False

    def __init__(self, message, *, operation=None, status=None, deposit_unknown=False):
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.status = status
        self.deposit_unknown = deposit_unknown

    def __repr__(self):
        return f'{type(self).__name__}({self.message!r}, operation={self.operation!r}, status={self.status!r})'


class ChorusAuthError(ChorusError):
    """Credentials refused: ``credential`` is ``'piste'`` (client id/secret) or ``'account'`` (technical account)."""

    def __init__(self, message, *, credential, **kwargs):
        super().__init__(message, **kwargs)
        self.credential = credential


class ChorusAccessDenied(ChorusError):
    """HTTP 403: the PISTE application is not subscribed to ``api`` (e.g. ``'factures'``)."""

    def __init__(self, message, *, api, **kwargs):
        super().__init__(message, **kwargs)
        self.api = api


class ChorusBusinessError(ChorusError):
    """Chorus Pro refused the request: ``code`` is ``codeRetour`` (or the HTTP status), ``label`` its ``libelle``."""

    def __init__(self, message, *, code, label, **kwargs):
        super().__init__(message, **kwargs)
        self.code = code
        self.label = label


class ChorusTransientError(ChorusError):
    """Timeout, connection failure, HTTP 429 or 5xx: try again later."""

    retryable = True


class ChorusInvalidAnswer(ChorusError):
    """The answer is not the JSON expected (not JSON, not an object, required field missing)."""

    retryable = True
