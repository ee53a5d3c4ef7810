"""What the benchmarks share: Odoo as a library, a throwaway database, the in-process Chorus Pro sandbox, an Odoo
HTTP server for the report styles, timers around methods, memory and call counters, and the child processes.

Nothing here is imported by the addon; run the scripts with the virtualenv's Python (see bench/README.md).
"""

import argparse
import contextlib
import cProfile
import functools
import io
import json
import os
import pstats
import resource
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
import urllib.request
from datetime import date
from pathlib import Path

ADDON_DIR = Path(__file__).resolve().parent.parent
ADDON = "l10n_fr_chorus_pro"
DEFAULT_CONF = ADDON_DIR / ".venv" / "odoo.conf"
DEFAULT_DB = "chorus_bench"
# Databases a benchmark never copies to, drops or writes: PostgreSQL's own, the demo database of ``make run``
# (DB_NAME, chorus_pro_demo by default) and the databases the test runs create (named after the addon).
PROTECTED_DBS = {"postgres", "template0", "template1", "chorus_pro_demo", os.environ.get("DB_NAME", "chorus_pro_demo")}
PROTECTED_PREFIXES = ("l10n_fr_chorus_pro_",)
RESULT_MARK = "BENCH-RESULT "
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------------------------------------- arguments
def common_arguments(parser):
    """Options every benchmark takes."""
    parser.add_argument("--db", default=DEFAULT_DB, help="database with the addon and demo data (default: %(default)s)")
    parser.add_argument("--conf", default=str(DEFAULT_CONF), help="Odoo configuration file (default: %(default)s)")
    parser.add_argument("--addons-path", default=None,
                        help="Odoo addons path overriding the configuration's, e.g. to measure a patched copy of "
                             "the addon (its folder must be named l10n_fr_chorus_pro)")
    parser.add_argument("--commit", action=argparse.BooleanOptionalAction, default=None,
                        help="--commit: run on a throwaway copy of --db, committing as the scheduled action does "
                             "outside tests; --no-commit: run in --db inside one transaction rolled back at the end")
    parser.add_argument("--update", action="store_true",
                        help="first update the addon in --db (odoo-bin -u) with the code on the addons path, for a "
                             "database older than the code")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also print the N functions taking the most cumulative time in the measured run")
    parser.add_argument("--profile-file", default=None, metavar="PATH",
                        help="with --profile, also save the raw profile (pstats) to PATH (suffixed per measurement)")
    parser.add_argument("--log-level", default="error", help="Odoo log level (default: %(default)s)")
    parser.add_argument("--wkhtmltopdf", default=None, metavar="PATH",
                        help="the wkhtmltopdf binary Odoo runs (put first in PATH), e.g. a build with patched Qt; "
                             "default: the one in PATH")
    parser.add_argument("--styles-port", type=int, default=None, metavar="PORT",
                        help="HTTP port of the Odoo server for the report styles (its gevent port is PORT + 1), for "
                             "a machine where each user has ports of their own; default: free ports")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)  # JSON parameters of one measurement


def update_addon(args):
    """``odoo-bin -u l10n_fr_chorus_pro --stop-after-init`` on --db, in a child process."""
    check_db_name(args.db)
    odoo_bin = Path(__import__("odoo").__file__).resolve().parent.parent / "odoo-bin"
    command = [sys.executable, str(odoo_bin), *odoo_argv(args, args.db), "-u", ADDON, "--stop-after-init"]
    print(f"updating {ADDON} in {args.db}…", flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def check_db_name(name):
    if name in PROTECTED_DBS or name.startswith(PROTECTED_PREFIXES):
        sys.exit(f"error: {name} is the demo database of make run, a test run's or PostgreSQL's: give the "
                 f"benchmarks a database of their own (--db, default {DEFAULT_DB})")
    return name


def odoo_argv(args, db):
    argv = ["-c", args.conf, "-d", db, "--log-level", args.log_level]
    if args.addons_path:
        argv += ["--addons-path", args.addons_path]
    return argv


def boot_odoo(args, db):
    """Configure Odoo for ``db`` and return its registry (loaded once per process)."""
    import odoo  # noqa: PLC0415 - Odoo is configured here, not at import time of the benchmark
    from odoo.modules.registry import Registry  # noqa: PLC0415

    odoo.tools.config.parse_config(odoo_argv(args, db))
    return Registry(db)


def addon_module(name):
    """A plain-Python package of the addon as the addon's models import it (one token cache, one client class)."""
    import importlib  # noqa: PLC0415

    return importlib.import_module(f"odoo.addons.{ADDON}.{name}")


def addon_source():
    """Where the loaded addon's code lives, and its git revision (the figures say what they measured)."""
    import odoo.modules  # noqa: PLC0415

    path = odoo.modules.get_module_path(ADDON)
    try:
        head = subprocess.run(["git", "-C", path, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=False).stdout.strip()
        dirty = subprocess.run(["git", "-C", path, "status", "--porcelain", "models"], capture_output=True,
                               text=True, check=False).stdout.strip()
    except OSError:
        head, dirty = "", ""
    return f"{path} ({head or 'no git'}{', models/ modified' if dirty else ''})"


# ---------------------------------------------------------------------------------------------- databases
def copy_database(args, source, target):
    """A throwaway copy of ``source`` (database and filestore); ``target`` is dropped first if it exists."""
    import odoo  # noqa: PLC0415
    from odoo.service import db as db_service  # noqa: PLC0415

    check_db_name(target)
    if not getattr(copy_database, "configured", False):  # Odoo's configuration can be parsed once per process
        odoo.tools.config.parse_config(odoo_argv(args, source))
        copy_database.configured = True
    drop_database(target)
    db_service.exp_duplicate_database(source, target)
    odoo.sql_db.close_db(source)
    odoo.sql_db.close_db(target)


def drop_database(target):
    """Drop ``target`` and its filestore if they exist (Odoo's own drop only sees the configured database)."""
    import shutil  # noqa: PLC0415

    import odoo  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415

    check_db_name(target)
    Registry.delete(target)
    odoo.sql_db.close_db(target)
    with contextlib.closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                   "AND pid != pg_backend_pid()", [target])
        cr.execute(f'DROP DATABASE IF EXISTS "{target}"')
    filestore = odoo.tools.config.filestore(target)
    if os.path.isdir(filestore):
        shutil.rmtree(filestore)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StyleServer:
    """An Odoo HTTP server on ``db`` that serves the report styles wkhtmltopdf fetches (``report.url``).

    Without it a PDF rendered outside Odoo's HTTP server has no CSS (see ODOO_NOTES.md): smaller, faster to
    render, and not what customers get. Started as a child process with its own port and stopped by its pid.
    """

    def __init__(self, args, db):
        self.args = args
        self.db = db
        self.port = args.styles_port or free_port()
        self.gevent_port = args.styles_port + 1 if args.styles_port else free_port()
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=120):
        odoo_bin = Path(__import__("odoo").__file__).resolve().parent.parent / "odoo-bin"
        command = [sys.executable, str(odoo_bin), *odoo_argv(self.args, self.db), "--db-filter", f"^{self.db}$",
                   "--http-port", str(self.port), "--gevent-port", str(self.gevent_port), "--max-cron-threads", "0",
                   "--workers", "0", "--no-database-list"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Odoo HTTP server for the styles stopped (code {self.process.returncode})")
            try:
                with urllib.request.urlopen(f"{self.url}/web/health", timeout=2):
                    pass
            except OSError:
                time.sleep(0.5)
                continue
            return self
        self.stop()
        raise RuntimeError("the Odoo HTTP server for the report styles did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def unreachable_url():
    """An address that refuses connections at once: reports then render without styles, deterministically."""
    return f"http://127.0.0.1:{free_port()}"


# ---------------------------------------------------------------------------------------------- Odoo set-up
def french_company(env):
    return env.ref("base.demo_company_fr")


def connect_company(env, company, sandbox, **values):
    """The demo French company, connected to the in-process sandbox (the tests' set-up, tests/common.py)."""
    data = addon_module("chorus_sandbox.data")
    company.write({
        "siret": data.SUPPLIER_SIRET,
        "l10n_fr_chorus_environment": "sandbox",
        "l10n_fr_chorus_sandbox_url": sandbox.url,
        "l10n_fr_chorus_client_id": data.CLIENT_ID,
        "l10n_fr_chorus_client_secret": data.CLIENT_SECRET,
        "l10n_fr_chorus_login": data.TECHNICAL_LOGIN,
        "l10n_fr_chorus_password": data.TECHNICAL_PASSWORD,
        **values,
    })
    if not company.l10n_fr_chorus_start_date:
        company.l10n_fr_chorus_start_date = date.today().replace(day=1)


def public_buyer(env, company):
    """Lycée Jean Moulin (demo data), flagged and checked on the sandbox, as a user would."""
    buyer = env.ref(f"{ADDON}.partner_lycee_jean_moulin").with_company(company)
    if not buyer.l10n_fr_chorus_client:
        buyer.l10n_fr_chorus_client = True
    buyer.with_context(allowed_company_ids=company.ids).action_l10n_fr_chorus_check()
    return buyer


def sale_product_and_tax(env, company):
    product = env["product.product"].search([("sale_ok", "=", True), ("company_id", "in", [False, company.id])],
                                            limit=1, order="id")
    tax = env["account.tax"].search([("company_id", "=", company.id), ("type_tax_use", "=", "sale"),
                                     ("amount_type", "=", "percent"), ("amount", "=", 20.0)], limit=1)
    return product, tax


def bank_account(env, company):
    bank = env.ref("base.demo_bank_fr", raise_if_not_found=False)
    if bank and bank.partner_id == company.partner_id and bank.acc_type == "iban":
        return bank
    return env["res.partner.bank"].create({"acc_number": "FR7630006000011234567890189",
                                           "partner_id": company.partner_id.id, "company_id": company.id})


def create_invoices(env, company, buyer, count, lines=2, batch=100):
    """``count`` posted customer invoices for ``buyer`` (ORM: create in batches, then post)."""
    from odoo import Command  # noqa: PLC0415

    env = env(context=dict(env.context, allowed_company_ids=company.ids))
    product, tax = sale_product_and_tax(env, company)
    bank = bank_account(env, company)
    today = date.today()
    moves = env["account.move"]
    for start in range(0, count, batch):
        vals = [{
            "move_type": "out_invoice",
            "partner_id": buyer.id,
            "invoice_date": today,
            "partner_bank_id": bank.id,
            "invoice_line_ids": [
                Command.create({"product_id": product.id, "quantity": 1 + line, "price_unit": 100.0 + index,
                                "tax_ids": [Command.set(tax.ids)]})
                for line in range(lines)
            ],
        } for index in range(start, min(count, start + batch))]
        created = env["account.move"].create(vals)
        created.action_post()
        moves |= created
    return moves


# ---------------------------------------------------------------------------------------------- measuring
class Sections:
    """Wall time spent inside methods, wrapped on their classes for the measurement only.

    A group counts its outermost calls only (a method of the group called by another is not counted twice).
    """

    def __init__(self):
        self.seconds = {}
        self.calls = {}
        self.intervals = {}  # group -> [(start, end)] of its outermost calls, every thread
        self._depth = {}
        self._undo = []

    def wrap(self, cls, method, group):
        original = cls.__dict__.get(method)
        inherited = getattr(cls, method)
        sections = self
        self.seconds.setdefault(group, 0.0)
        self.calls.setdefault(group, 0)

        @functools.wraps(inherited)
        def timed(*args, **kwargs):
            key = (group, threading.get_ident())
            depth = sections._depth.get(key, 0)
            sections._depth[key] = depth + 1
            started = time.perf_counter()
            try:
                return inherited(*args, **kwargs)
            finally:
                sections._depth[key] = depth
                if not depth:
                    ended = time.perf_counter()
                    sections.seconds[group] += ended - started
                    sections.calls[group] += 1
                    sections.intervals.setdefault(group, []).append((started, ended))

        setattr(cls, method, timed)
        self._undo.append((cls, method, original))

    def wrap_model(self, env, model, method, group):
        if model in env and hasattr(type(env[model]), method):
            self.wrap(type(env[model]), method, group)

    def reset(self):
        self.intervals.clear()
        for group in self.seconds:
            self.seconds[group] = 0.0
            self.calls[group] = 0

    def span(self, group):
        """Wall time during which at least one call of ``group`` ran, in any thread (overlapping calls once)."""
        total, reach = 0.0, None
        for start, end in sorted(self.intervals.get(group, ())):
            if reach is None or start > reach:
                total += end - start
                reach = end
            elif end > reach:
                total += end - reach
                reach = end
        return total

    def unwrap(self):
        for cls, method, original in reversed(self._undo):
            if original is None:
                delattr(cls, method)
            else:
                setattr(cls, method, original)
        self._undo.clear()


def rss_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


def cpu_jiffies():
    """``(busy, all)`` CPU time of the whole machine so far, every core (``/proc/stat``; zeros elsewhere)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            values = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def cpu_busy_share(before, after):
    """The share of the machine's CPU time (all cores) that was busy between two :func:`cpu_jiffies`."""
    busy, total = after[0] - before[0], after[1] - before[1]
    return busy / total if total else float("nan")


class MemoryWatch:
    """Peak resident memory of this process while the block runs (sampled), and optionally tracemalloc's peak."""

    def __init__(self, interval=0.02, trace=False):
        self.interval = interval
        self.trace = trace
        self.start_rss = self.peak_rss = 0
        self.trace_peak = None
        self._stop = threading.Event()
        self._thread = None

    def _sample(self):
        while not self._stop.wait(self.interval):
            self.peak_rss = max(self.peak_rss, rss_bytes())

    def __enter__(self):
        self.start_rss = self.peak_rss = rss_bytes()
        if self.trace:
            tracemalloc.start()
        self._thread = threading.Thread(target=self._sample, daemon=True, name="bench-rss")
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
        self.peak_rss = max(self.peak_rss, rss_bytes())
        if self.trace:
            self.trace_peak = tracemalloc.get_traced_memory()[1]
            # what the run left allocated, by line (where the growth is, when it is not flat)
            stats = tracemalloc.take_snapshot().statistics("lineno")[:8]
            self.trace_top = [f"{stat.size / 2**20:.1f} MB {stat.traceback[0].filename.split('/')[-1]}:"
                              f"{stat.traceback[0].lineno}" for stat in stats]
            tracemalloc.stop()

    def figures(self):
        return {
            "rss_start_mb": self.start_rss / 2**20,
            "rss_peak_mb": self.peak_rss / 2**20,
            "rss_growth_mb": (self.peak_rss - self.start_rss) / 2**20,
            "tracemalloc_peak_mb": None if self.trace_peak is None else self.trace_peak / 2**20,
            "tracemalloc_top": getattr(self, "trace_top", None),
            "children_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        }


@contextlib.contextmanager
def maybe_profile(limit, path=None):
    if not limit:
        yield None
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield profiler
    finally:
        profiler.disable()
        if path:
            profiler.dump_stats(path)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(limit)
        print(out.getvalue())


def call_counts(sandbox, before):
    """Sandbox calls since ``before`` (a copy of ``sandbox.state.calls``), per 'api/operation' and 'token'."""
    with sandbox.state.lock:
        now = dict(sandbox.state.calls)
    return {key: now.get(key, 0) - before.get(key, 0) for key in now if now.get(key, 0) - before.get(key, 0)}


def snapshot_calls(sandbox):
    with sandbox.state.lock:
        return dict(sandbox.state.calls)


# ---------------------------------------------------------------------------------------------- children
def run_child(script, args, params):
    """Run one measurement in a fresh process (clean memory figures); return the result it reports."""
    command = [sys.executable, str(script), "--db", args.db, "--conf", args.conf, "--log-level", args.log_level,
               "--child", json.dumps(params)]
    if args.addons_path:
        command += ["--addons-path", args.addons_path]
    if args.profile:
        command += ["--profile", str(args.profile)]
    if args.profile_file:
        suffix = "-".join(str(value) for key, value in sorted(params.items()) if key in ("format", "count"))
        command += ["--profile-file", f"{args.profile_file}.{suffix}"]
    env = dict(os.environ)
    if args.wkhtmltopdf:
        command += ["--wkhtmltopdf", args.wkhtmltopdf]
        env["PATH"] = wkhtmltopdf_dir(args.wkhtmltopdf) + os.pathsep + env.get("PATH", "")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1, env=env)
    result = None
    for line in process.stdout:
        if line.startswith(RESULT_MARK):
            result = json.loads(line[len(RESULT_MARK):])
        else:
            print(line, end="", flush=True)
    if process.wait() != 0 or result is None:
        sys.exit(f"error: the measurement {params} failed (exit code {process.returncode})")
    return result


def wkhtmltopdf_dir(path):
    """The folder to put first in PATH so that Odoo finds ``path`` as ``wkhtmltopdf``."""
    path = Path(path).resolve()
    if path.name == "wkhtmltopdf":
        return str(path.parent)
    link_dir = Path("/tmp") / f"bench-wkhtmltopdf-{abs(hash(str(path)))}"
    link_dir.mkdir(exist_ok=True)
    link = link_dir / "wkhtmltopdf"
    if not link.exists():
        link.symlink_to(path)
    return str(link_dir)


def wkhtmltopdf_version():
    """``wkhtmltopdf --version`` of the binary Odoo will run (says whether its Qt is patched)."""
    from odoo.tools.misc import find_in_path  # noqa: PLC0415

    try:
        binary = find_in_path("wkhtmltopdf")
        return subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "not found"


def report_result(result):
    print(RESULT_MARK + json.dumps(result), flush=True)


def verdict(ok):
    return "MET" if ok else "MISSED"


def fmt_mb(value):
    return "n/a" if value is None else f"{value:.0f} MB"
