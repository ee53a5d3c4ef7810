"""Run the sandbox in a background thread (tests, demos)."""

import logging
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import SandboxApp
from .state import SandboxState

_logger = logging.getLogger(__name__)


class QuietRequestHandler(WSGIRequestHandler):
    """Request handler that logs each request at DEBUG on this module's logger instead of werkzeug's INFO."""

    def log_request(self, code='-', size='-'):
        _logger.debug('%s %s -> %s', self.command, self.path, code)


class SandboxServer:
    """The sandbox on 127.0.0.1 (a free port by default), served by threads; usable as a context manager.

    >>> with SandboxServer() as srv:
    ...     srv.state.advance()
    """

    def __init__(self, host='127.0.0.1', port=0, state=None, quiet=True):
        self.host = host
        self.port = port
        self.state = state or SandboxState()
        self.app = SandboxApp(self.state)
        self.quiet = quiet
        self._server = None
        self._thread = None

    @property
    def url(self):
        return f'http://{self.host}:{self.port}'

    @property
    def token_url(self):
        return f'{self.url}/api/oauth/token'

    @property
    def api_url(self):
        return self.url

    def _bind(self):
        handler = QuietRequestHandler if self.quiet else WSGIRequestHandler
        self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=handler)
        self.port = self._server.port

    def start(self):
        """Serve in a daemon thread; return self."""
        self._bind()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.1},
                                        name=f'chorus-sandbox-{self.port}', daemon=True)
        self._thread.start()
        _logger.info('Chorus Pro sandbox listening on %s', self.url)
        return self

    def serve_forever(self):
        """Serve in the calling thread until interrupted (command line)."""
        self._bind()
        _logger.info('Chorus Pro sandbox listening on %s', self.url)
        self._server.serve_forever()

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
