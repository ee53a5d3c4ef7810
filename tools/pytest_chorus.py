"""pytest plugin for `make test` (loaded with ``-p pytest_chorus``, next to pytest-odoo): runs the suite as Odoo's
own runner does, and as strictly.

- Odoo's runner marks the test being run (``odoo.modules.module.current_test``); code asks
  ``account.move.send._can_commit()`` before committing, and must not commit inside a test. pytest-odoo does not
  set it for Odoo 18: this plugin does.
- A skipped test fails the run: Odoo skips browser tests when Chrome cannot be found or started, which must never
  pass unnoticed.
- An ERROR (or CRITICAL) logged during a test fails that test, as with Odoo's runner (``assertLogs`` still
  catches the errors a test expects).
- ``TEST_HTTP_PORT``, when set, is the port of the HTTP server of ``--odoo-http`` (pytest-odoo picks a random one).
- Odoo's HTTP server reads every addon's manifest on its first static request, in whichever request threads come
  first; CPython 3.11 may then fail to parse one ("SystemError: AST constructor recursion depth mismatch", two
  threads compiling at once) and the page misses its assets. They are read once before the tests start.
- pytest-odoo imports ``odoo.tests`` before it turns Odoo's test mode on, and Odoo logs an ERROR about it ("Importing
  test framework, avoid importing..."): that one message is dropped (this module is imported before pytest-odoo
  sets Odoo up).
"""

import logging
import os

import pytest


def _not_the_import_warning(record):
    return not str(record.msg).startswith("Importing test framework, avoid importing from business modules")


logging.getLogger("odoo.tests.common").addFilter(_not_the_import_warning)


class _ErrorRecords(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def pytest_configure(config):
    port = os.environ.get("TEST_HTTP_PORT")
    if port:
        import pytest_odoo  # noqa: PLC0415 (only with pytest-odoo)

        pytest_odoo._get_available_random_port = lambda: int(port)
    config._chorus_errors = _ErrorRecords()
    logging.getLogger().addHandler(config._chorus_errors)


@pytest.fixture(scope="session", autouse=True)
def _chorus_statics_read_once(load_registry):
    from odoo.http import root  # noqa: PLC0415 (imported once pytest-odoo has set Odoo up)

    assert root.statics  # a lazy property: computed here, in one thread
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    from odoo.modules import module  # noqa: PLC0415 (imported once pytest-odoo has set Odoo up)

    module.current_test = getattr(item, "instance", None) or True
    try:
        yield
    finally:
        module.current_test = False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    errors = item.config._chorus_errors
    errors.records.clear()
    outcome = yield
    logged = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in errors.records]
    errors.records.clear()
    if logged and outcome.excinfo is None:
        outcome.force_exception(AssertionError("errors were logged during the test:\n" + "\n".join(logged)))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.write_line(
            f"error: {len(skipped)} test(s) skipped; a skipped test is a failure here (Chrome missing?)", red=True)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter and reporter.stats.get("skipped") and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
