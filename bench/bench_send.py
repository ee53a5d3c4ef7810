#!/usr/bin/env python3
"""Benchmark of the scheduled send (issues 5 and 18): N invoices per format through ``_cron_l10n_fr_chorus_send``.

For each format (Factur-X, UBL, CII) it creates N posted invoices for a public buyer of the demo French company,
connects the company to an in-process Chorus Pro sandbox, then times one run of the scheduled send and prints:
seconds per invoice, HTTP calls per invoice (deposits, tokens), the share of the time spent generating the
documents (inside ``l10n_fr_chorus.document._build``) versus everything else, and peak memory, next to the goals.
Then, in the same process and on the same invoices, it measures the limits of issue 18: the bare XML build (Odoo's
export with the Chorus Pro rules, the N invoices read together), the bare styled render of one invoice PDF
(Factur-X), and the bare deposit round trip (the client's deposit of a file to the sandbox), and prints each
figure beside its limit with the ratio.

    .venv/bin/python bench/bench_send.py --db chorus_bench --count 200

By default the run happens on a throwaway copy of --db (``<db>_tmp``, dropped at the end) and the scheduled send
commits after each invoice as it does in production; ``--no-commit`` runs inside one transaction of --db that is
rolled back (``account.move.send._can_commit`` is made to answer False, so the send does not commit). Each format
is measured in a fresh process. See bench/README.md.
"""

import argparse
import io
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

FORMATS = ("facturx", "ubl", "cii")
NAMES = {"facturx": "Factur-X", "ubl": "UBL", "cii": "CII"}
# Issue 18: s/invoice (single deposits; grouped deposits for UBL and CII), and the share of a Factur-X send spent
# outside the invoice PDFs' rendering.
GOAL_SECONDS = {"facturx": 0.20, "ubl": 0.025, "cii": 0.025}
GOAL_SECONDS_GROUPED = {"facturx": 0.20, "ubl": 0.012, "cii": 0.012}
GOAL_OTHER_SHARE = {"facturx": 0.15}
LIMIT_SAMPLE = 10  # invoices rendered alone / files deposited again for the bare limits
# Methods timed during the run: group -> [(model, method)]. "document" is what issue 5 calls document generation.
DOCUMENT_METHODS = {
    "document": [("l10n_fr_chorus.document", "_build"), ("l10n_fr_chorus.document", "_build_group"),
                 # the invoice PDFs rendered ahead in batches (patched-Qt wkhtmltopdf) run before _build
                 ("l10n_fr_chorus.document.pdf", "_prefetch_invoice_pdfs")],
    "xml": [("l10n_fr_chorus.document", "_generate_xml")],
    "validation": [("l10n_fr_chorus.document", "_validate_xml")],
    "facturx_pdf": [("l10n_fr_chorus.document.pdf", "_facturx_pdf")],
    "invoice_pdf": [("l10n_fr_chorus.document.pdf", "_invoice_pdf")],
    # the sending thread's wall time in the invoice PDFs: rendering one, or waiting for the pool's renders (the
    # prefetch runs inside _invoice_pdf, or before _build in older code: counted once either way)
    "pdf_wait": [("l10n_fr_chorus.document.pdf", "_invoice_pdf"),
                 ("l10n_fr_chorus.document.pdf", "_prefetch_invoice_pdfs")],
    "pdf_prefetch": [("l10n_fr_chorus.document.pdf", "_prefetch_invoice_pdfs")],
    "qweb_html": [("ir.actions.report", "_render_qweb_html")],
    # one invoice PDF rendered (QWeb + wkhtmltopdf), in the sending thread or in a pool's worker
    "render": [("ir.actions.report", "_render_qweb_pdf")],
    "wkhtmltopdf": [("ir.actions.report", "_run_wkhtmltopdf")],
    "checks": [("l10n_fr_chorus.sender", "_lock"), ("l10n_fr_chorus.sender", "_check"),
               ("l10n_fr_chorus.sender", "_prepare")],  # the last one: the code before issue 18
    "fingerprint": [("l10n_fr_chorus.sender", "_fingerprints")],
    "record_intent": [("l10n_fr_chorus.sender", "_record_intent")],
    "request": [("l10n_fr_chorus.sender", "_request")],
    "record_deposit": [("l10n_fr_chorus.sender", "_record_deposit")],
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.common_arguments(parser)
    parser.add_argument("--count", type=int, default=200, help="invoices per format (default: %(default)s)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated (default: %(default)s)")
    parser.add_argument("--group-size", type=int, default=1,
                        help="the company's « Invoices per Deposit » (default: %(default)s, one deposit per invoice)")
    parser.add_argument("--styles", action=argparse.BooleanOptionalAction, default=True,
                        help="serve the report styles from an Odoo HTTP server on the benchmark database, as in "
                             "production (default); --no-styles renders unstyled PDFs (smaller, faster)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database (--commit)")
    args = parser.parse_args()
    if args.commit is None:
        args.commit = True
    return args


# ---------------------------------------------------------------------------------------------- checks
def deposited_documents(content):
    """The documents of one deposited file: the members of a group's ``.tar.gz``, or the file itself."""
    import tarfile  # noqa: PLC0415

    if not content.startswith(b"\x1f\x8b"):
        return [content]
    with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
        return [archive.extractfile(member).read() for member in archive.getmembers() if member.isfile()]


def verify_documents(moves, fmt):
    """Not timed: each deposited file is its invoice's (its number in the XML, and on the PDF's pages when the PDF
    has a text layer), and a Factur-X file carries its XML; in a group's archive, exactly one document is the
    invoice's. Catches a batch rendering or a group that mixes invoices up."""
    import logging  # noqa: PLC0415

    import facturx  # noqa: PLC0415

    from odoo.tools.pdf import OdooPdfFileReader  # noqa: PLC0415

    logging.getLogger("factur-x").setLevel(logging.WARNING)

    counts = {"ok": 0, "no_text_layer": 0, "wrong": 0, "first_problem": None}
    for move in moves.filtered("l10n_fr_chorus_flow_id"):
        documents = deposited_documents(move.l10n_fr_chorus_flow_id.attachment_id.raw or b"")
        number = f">{move.name}<".encode()
        problem = None
        if fmt == "facturx":
            xmls = [(pdf, facturx.get_xml_from_pdf(pdf, check_xsd=False)[1]) for pdf in documents]
            mine = [pdf for pdf, xml in xmls if xml and number in xml]
            if len(mine) != 1:
                problem = f"{move.name}: {len(mine)} Factur-X PDFs of this invoice in its flow (1 expected)"
            else:
                reader = OdooPdfFileReader(io.BytesIO(mine[0]), strict=False)
                text = "".join(page.extract_text() or "" for page in reader.pages)
                if not text.strip():
                    counts["no_text_layer"] += 1
                elif move.name not in text:
                    problem = f"{move.name}: its PDF shows another invoice"
        else:
            mine = [xml for xml in documents if number in xml]
            if len(mine) != 1:
                problem = f"{move.name}: {len(mine)} documents of this invoice in its flow (1 expected)"
        if problem:
            counts["wrong"] += 1
            counts["first_problem"] = counts["first_problem"] or problem
        else:
            counts["ok"] += 1
    return counts


# ---------------------------------------------------------------------------------------------- limits
def render_workers(env):
    """How many invoice PDFs the addon renders at a time: its pool's workers where wkhtmltopdf takes one document
    per run and the send commits (the pool's condition), else 1."""
    pdf_module = common.addon_module("models.l10n_fr_chorus_document_pdf")
    Pdf = env["l10n_fr_chorus.document.pdf"]
    if (not hasattr(Pdf, "_render_workers") or getattr(pdf_module, "wkhtmltopdf_renders_batches", lambda: True)()
            or not env["account.move.send"]._can_commit()):
        return 1
    return max(Pdf._render_workers(), 1)


def send_language(company):
    """The language the scheduled send writes in for ``company`` (as ``l10n_fr_chorus.sender._cron_send``)."""
    return company.partner_id.lang or company.env.lang


def measure_limits(env, company, moves, fmt):
    """Not part of the send: the bare figures it is compared with (issue 18), on the same invoices, in this process.

    - ``xml``: Odoo's XML export with the Chorus Pro rules (``_generate_xml``), the invoices read together, no
      checks, no commit in between;
    - ``render`` (Factur-X): one styled invoice PDF rendered alone by the report engine as the addon sets it;
    - ``deposit``: the client's deposit of an already made file to the sandbox, HTTP and answer, per invoice.
    """
    env = env(context=dict(env.context, lang=send_language(company)))  # the send's language (warm)
    Document = env["l10n_fr_chorus.document"]
    env.invalidate_all()
    moves = moves.with_env(env).with_prefetch(moves.ids)
    if hasattr(Document, "_prefetch"):  # the invoices read together, as the send reads a batch (since 79cb559)
        Document._prefetch(moves)
    limits = {}
    started = time.perf_counter()
    for move in moves:
        Document._generate_xml(move, fmt)
    limits["xml"] = (time.perf_counter() - started) / len(moves)
    sample = moves[:LIMIT_SAMPLE]
    if fmt == "facturx":
        engine = env["l10n_fr_chorus.document.pdf"]._report_engine(company)
        report = env["account.move.send"]._get_default_pdf_report_id(sample[0])
        started = time.perf_counter()
        for move in sample:
            engine._render_qweb_pdf(report.report_name, move.ids)
        limits["render"] = (time.perf_counter() - started) / len(sample)
        # renders overlap in the pool (one wkhtmltopdf per worker): the limit is one render per worker at a time
        limits["render_workers"] = render_workers(env)
    client = company._l10n_fr_chorus_client()
    flows = sample.l10n_fr_chorus_flow_id
    if flows:
        client.deposit(flows[0].attachment_id.raw, flows[0].attachment_id.name, flows[0].syntax)  # token, pool
        started = time.perf_counter()
        for flow in flows:
            client.deposit(flow.attachment_id.raw, flow.attachment_id.name, flow.syntax)
        per_flow = (time.perf_counter() - started) / len(flows)
        limits["deposit"] = per_flow * len(flows) / len(flows.move_ids)
    return limits


# ---------------------------------------------------------------------------------------------- one format
def measure(args, params):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    fmt, count = params["format"], params["count"]
    registry = common.boot_odoo(args, params["db"])
    sandbox_mod = common.addon_module("chorus_sandbox")
    client_mod = common.addon_module("chorus_client")
    sandbox = sandbox_mod.SandboxServer(port=0).start()
    sections = common.Sections()
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = common.french_company(env)
            common.connect_company(env, company, sandbox, l10n_fr_chorus_format=fmt,
                                   l10n_fr_chorus_group_size=params["group_size"])
            env["ir.config_parameter"].set_param("report.url", params["report_url"])
            buyer = common.public_buyer(env, company)
            # A worker that has run before: templates compiled, schemas loaded, report styles bundled. One
            # invoice outside the run (not to transfer) has its document built first, in the language the
            # scheduled send writes in (the company's: QWeb compiles its templates once per language).
            warm = common.create_invoices(env, company, buyer, 1)
            env["l10n_fr_chorus.document"].with_context(lang=send_language(company))._build(warm, fmt)
            warm.l10n_fr_chorus_transfer = False
            started = time.perf_counter()
            moves = common.create_invoices(env, company, buyer, count)
            setup_seconds = time.perf_counter() - started
            due = env["account.move"].search_count(env["l10n_fr_chorus.sender"]._send_domain(company))
            if params["commit"]:
                cr.commit()
            else:
                type(env["account.move.send"])._can_commit = lambda self: False
            for group, methods in DOCUMENT_METHODS.items():
                for model, method in methods:
                    sections.wrap_model(env, model, method, group)
            sections.wrap(client_mod.ChorusClient, "_call", "http")
            sections.wrap(client_mod.ChorusClient, "_fetch_token", "http")
            env.invalidate_all()
            client_mod.clear_token_cache()  # a fresh worker: the run pays for its token
            before = common.snapshot_calls(sandbox)
            cron_env = api.Environment(cr, SUPERUSER_ID, {})
            queries = cr.sql_log_count
            with common.MemoryWatch() as memory, common.maybe_profile(args.profile, args.profile_file):
                started, cpu_before = time.perf_counter(), common.cpu_jiffies()
                sent = cron_env["account.move"]._cron_l10n_fr_chorus_send(limit=max(1000, due))
                if not params["commit"]:
                    cron_env.flush_all()
                    cr.precommit.run()  # what the commit would do: chatter tracking, mail
                elapsed = time.perf_counter() - started
                cpu_busy = common.cpu_busy_share(cpu_before, common.cpu_jiffies())
            queries = cr.sql_log_count - queries
            calls = common.call_counts(sandbox, before)
            moves = moves.with_env(cron_env)
            moves.invalidate_recordset()
            states = {}
            for move in moves:
                states[move.l10n_fr_chorus_state] = states.get(move.l10n_fr_chorus_state, 0) + 1
            errors = [m.l10n_fr_chorus_error for m in moves if m.l10n_fr_chorus_error][:3]
            checked = verify_documents(moves, fmt)
            flows = len(moves.l10n_fr_chorus_flow_id)
            sections.unwrap()
            limits = measure_limits(cron_env, company.with_env(cron_env), moves, fmt)
            if not params["commit"]:
                cr.rollback()
    finally:
        sections.unwrap()
        sandbox.stop()
    return {
        "format": fmt, "count": count, "due": due, "sent": len(sent), "states": states, "errors": errors,
        "flows": flows, "checked": checked, "seconds": elapsed, "queries": queries, "setup_seconds": setup_seconds,
        "calls": calls, "limits": limits, "cpu_busy": cpu_busy,
        "sections": dict(sections.seconds, render_span=sections.span("render")), "section_calls": sections.calls,
        "memory": memory.figures(),
        "group_size": params["group_size"], "commit": params["commit"], "styles": params["styles"],
        "code": common.addon_source(), "wkhtmltopdf": common.wkhtmltopdf_version(),
    }


def print_result(result):
    fmt, count, seconds = result["format"], result["count"], result["seconds"]
    sections, calls = result["sections"], result["calls"]
    per_invoice = seconds / count
    document = sections.get("document", 0.0)
    other = seconds - document
    share_other = other / seconds if seconds else 0.0
    deposits = calls.get("factures/deposer/flux", 0)
    tokens = calls.get("token", 0)
    expected_deposits = math.ceil(count / max(result["group_size"], 1))
    api_calls = sum(n for key, n in calls.items() if key != "token")
    memory = result["memory"]
    goal = (GOAL_SECONDS_GROUPED if result["group_size"] > 1 else GOAL_SECONDS)[fmt]
    rows = [
        ("total (scheduled send)", f"{seconds:8.2f} s", f"{per_invoice:.3f} s/invoice",
         f"goal ≤ {goal} s/invoice: {common.verdict(per_invoice <= goal)}"),
        ("document generation (_build)", f"{document:8.2f} s", f"{document / seconds:6.1%}",
         f"{document / count:.3f} s/invoice"),
    ]
    if sections.get("facturx_pdf"):
        # _invoice_pdf runs inside _facturx_pdf; the sending thread's time in the PDFs is pdf_wait (see above).
        sections = dict(sections, pdf_total=sections.get("pdf_wait", 0.0),
                        assembly=max(sections["facturx_pdf"] - sections.get("invoice_pdf", 0.0), 0.0))
    details = [("xml", "  XML (account_edi_ubl_cii)"), ("validation", "  XSD + Chorus checks"),
               ("pdf_total", "  invoice PDF (rendering, or waiting for the pool)"),
               ("pdf_prefetch", "    of which batch prefetch / pool"),
               ("qweb_html", "    QWeb HTML (all render workers)"), ("wkhtmltopdf", "    wkhtmltopdf (all workers)"),
               ("assembly", "  Factur-X PDF/A assembly (XML embedded)")]
    for key, label in details:
        if sections.get(key):
            rows.append((label, f"{sections[key]:8.2f} s", f"{sections[key] / seconds:6.1%}",
                         f"{sections[key] / count:.3f} s/invoice"))
    rows.append(("everything else", f"{other:8.2f} s", f"{share_other:6.1%}", ""))
    share_goal = GOAL_OTHER_SHARE.get(fmt)
    if share_goal:
        # the time when no invoice PDF was rendering anywhere (the sending thread, the pool's workers): what the
        # renders do not hide; older results had no span: the sending thread's time in the PDFs instead
        render = sections.get("render_span") or sections.get("pdf_total", 0.0)
        share_other = (seconds - render) / seconds if seconds else 0.0
        rows.append(("  renders running (any thread)", f"{render:8.2f} s", f"{render / seconds:6.1%}", ""))
        rows.append(("everything but the invoice PDFs", f"{seconds - render:8.2f} s", f"{share_other:6.1%}",
                     f"goal < {share_goal:.0%}: {common.verdict(share_other < share_goal)}"))
    # _record_deposit and the HTTP deposit run inside _request; the token is fetched by the first HTTP call.
    for key, label in (("checks", "  locks + checks (sender._lock, _check)"),
                       ("fingerprint", "  fingerprints, built / before the intent"),
                       ("record_intent", "  intent: flow + file (_record_intent)"),
                       ("request", "  deposit and its answer (_request)"),
                       ("http", "    HTTP (token, deposits; sandbox in-process)"),
                       ("record_deposit", "    flow number, chatter (_record_deposit)")):
        if key in sections:
            rows.append((label, f"{sections[key]:8.2f} s", f"{sections[key] / seconds:6.1%}",
                         f"{sections[key] / count:.3f} s/invoice"))
    mode = "commit after each deposit, throwaway copy" if result["commit"] else "no commit, rolled back"
    print(f"\n== {NAMES[fmt]}: {count} invoices, scheduled send ({mode}), group size {result['group_size']}, "
          f"report styles {'on' if result['styles'] else 'off'}")
    print(f"   code: {result['code']}; {result['wkhtmltopdf']}")
    for label, value, share, note in rows:
        print(f"   {label:<46} {value:>11} {share:>16}   {note}")
    print(f"   HTTP calls: {deposits} deposits ({deposits / count:.2f}/invoice; goal {expected_deposits} = one per "
          f"{'invoice' if result['group_size'] <= 1 else 'group'}: {common.verdict(deposits == expected_deposits)}), "
          f"{tokens} token ({tokens / count:.3f}/invoice; goal ≤ 1 per run: {common.verdict(tokens <= 1)}), "
          f"{api_calls} API calls in all ({api_calls / count:.2f}/invoice) {dict(sorted(calls.items()))}")
    print(f"   SQL queries: {result['queries']} ({result['queries'] / count:.0f}/invoice)")
    print(f"   machine CPU busy during the run: {result.get('cpu_busy', float('nan')):.0%} of {os.cpu_count()} cores "
          "(every process: this one, the render workers' wkhtmltopdf, the styles server, PostgreSQL)")
    print(f"   memory: peak RSS {common.fmt_mb(memory['rss_peak_mb'])} (+{memory['rss_growth_mb']:.0f} MB during "
          f"the run), largest child process (wkhtmltopdf) {common.fmt_mb(memory['children_peak_mb'])}")
    print(f"   outcome: {result['sent']} sent of {result['due']} due, states {result['states']}, {result['flows']} "
          f"flows; set-up (create + post) {result['setup_seconds']:.1f} s, not measured")
    checked = result["checked"]
    print(f"   documents checked (not timed): {checked['ok']} are their invoice's"
          + (f" ({checked['no_text_layer']} PDFs without text layer: XML only)" if checked["no_text_layer"] else "")
          + (f", {checked['wrong']} WRONG, e.g. {checked['first_problem']}" if checked["wrong"] else ""))
    for error in result["errors"]:
        print(f"   error: {error}")
    limit = print_limits(result, sections)
    return {"format": fmt, "per_invoice": per_invoice, "share_other": share_other, "deposits": deposits,
            "tokens": tokens, "goal": goal, "limit": limit,
            "ok": (per_invoice <= goal and (not share_goal or share_other < share_goal)
                   and deposits == expected_deposits and tokens <= 1
                   and result["sent"] == count and not result["checked"]["wrong"])}


def print_limits(result, sections):
    """Each figure beside its limit measured in the same process (issue 18); returns the whole send's limit."""
    limits, count = result.get("limits") or {}, result["count"]
    ours = {"xml": sections.get("xml", 0.0) / count, "render": sections.get("pdf_total", 0.0) / count,
            "deposit": sections.get("request", 0.0) / count}
    limits = dict(limits)
    workers = limits.pop("render_workers", 1)
    if "render" in limits:  # the renders overlap: one render alone per worker at a time is the limit
        limits["render"] /= workers
    labels = {"xml": "XML build (ours: inside the send)",
              "render": f"invoice PDF (ours: waited; limit: 1 alone ÷ {workers} workers)",
              "deposit": "deposit round trip (ours: _request)"}
    print(f"   {'limits, same process, same invoices':<46} {'ours':>11} {'bare limit':>16}   ratio")
    for key in ("render", "xml", "deposit"):
        if key in limits:
            ratio = ours[key] / limits[key] if limits[key] else float("nan")
            print(f"     {labels[key]:<44} {ours[key]:9.4f} s {limits[key]:14.4f} s   ×{ratio:.2f}")
    limit = sum(limits.values())
    if limit:
        per_invoice = result["seconds"] / count
        print(f"     {'whole send per invoice (limit: their sum)':<44} {per_invoice:9.4f} s {limit:14.4f} s   "
              f"×{per_invoice / limit:.2f}")
    return limit


# ---------------------------------------------------------------------------------------------- main
def main():
    args = parse_args()
    if args.child:
        import json  # noqa: PLC0415

        common.report_result(measure(args, json.loads(args.child)))
        return
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = set(formats) - set(FORMATS)
    if unknown:
        sys.exit(f"error: unknown formats {sorted(unknown)}; use {', '.join(FORMATS)}")
    common.check_db_name(args.db)
    if args.update:
        common.update_addon(args)
    db = f"{args.db}_tmp" if args.commit else args.db
    style_server = None
    try:
        if args.commit:
            print(f"copying {args.db} to the throwaway database {db}…", flush=True)
            common.copy_database(args, args.db, db)
        if args.styles:
            print("starting an Odoo HTTP server for the report styles…", flush=True)
            style_server = common.StyleServer(args, db).start()
        report_url = style_server.url if style_server else common.unreachable_url()
        summaries = []
        for fmt in formats:
            params = {"format": fmt, "count": args.count, "group_size": args.group_size, "db": db,
                      "commit": args.commit, "report_url": report_url, "styles": bool(style_server)}
            summaries.append(print_result(common.run_child(__file__, args, params)))
    finally:
        if style_server:
            style_server.stop()
        if args.commit and not args.keep:
            common.drop_database(db)
    print("\n== Summary (goals of issue 18)")
    for summary in summaries:
        share_goal = GOAL_OTHER_SHARE.get(summary["format"])
        share = (f", outside the PDFs {summary['share_other']:.1%} (goal < {share_goal:.0%})" if share_goal else "")
        ratio = summary["per_invoice"] / summary["limit"] if summary["limit"] else float("nan")
        print(f"   {NAMES[summary['format']]:<9} {summary['per_invoice']:.3f} s/invoice "
              f"(goal ≤ {summary['goal']}; bare limit {summary['limit']:.3f}, ×{ratio:.2f})"
              f"{share}, {summary['deposits']} deposits, {summary['tokens']} token: "
              f"{'all goals met' if summary['ok'] else 'goal(s) missed'}")


if __name__ == "__main__":
    main()
