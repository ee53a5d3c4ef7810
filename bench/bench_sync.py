#!/usr/bin/env python3
"""Benchmark of the status sync (issue 6): one run of ``l10n_fr_chorus.sync._sync_company`` over N changed invoices.

For each count (1,000 and 5,000 by default), in a fresh process: the in-process Chorus Pro sandbox seeds N
integrated invoices (``seed_invoices``); Odoo gets N matching invoices of the demo French company, linked to them
(flow, ``identifiantFactureCPP``, number, status DEPOSEE with its history line); then every invoice changes status
on the sandbox (``advance``: MISE_A_DISPOSITION; one in 50 SUSPENDUE with a comment, which asks for an activity)
after the company's last sync. One sync run is timed, and the script prints the HTTP calls per operation, the
calls per 100 changed invoices, the time, the SQL queries and the peak memory; then it compares the counts: calls
must grow with the pages, not the invoices (at most one per 100 changed invoices plus a constant), and memory must
stay flat.

    .venv/bin/python bench/bench_sync.py --db chorus_bench --counts 1000,5000

The Odoo invoices are made fast and honestly for what the sync reads and writes: one real invoice is created and
posted with the ORM, then its ``account_move`` row and its journal items (with their taxes and tax grids) are
copied N times in SQL, with the Chorus Pro fields set and the sandbox's numbers. By default the sync runs with
``commit=False`` inside a transaction rolled back at the end, and what the commit would do (flush, chatter
tracking) is run and timed at the end of the run; ``--commit`` runs it as the scheduled action does outside tests
(a commit per page of 100) on a throwaway copy of the database. See bench/README.md.
"""

import argparse
import gc
import math
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

SUSPEND_EVERY = 50
PAGE = 100  # invoices per page of factures/rechercher/fournisseur the client asks for


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.common_arguments(parser)
    parser.add_argument("--counts", default="1000,5000", help="changed invoices per run (default: %(default)s)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also measure the Python allocations' peak with tracemalloc (slows the run down)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database (--commit)")
    parser.add_argument("--after-send", action="store_true",
                        help="the first run after a mass send: N single-invoice flows Chorus Pro has integrated, "
                        "Odoo still at « received » (issue 18)")
    args = parser.parse_args()
    if args.commit is None:
        args.commit = False
    return args


# ---------------------------------------------------------------------------------------------- set-up
# What every copy of the template row gets; the Chorus Pro facts differ by scenario (see the two callers).
COPY_OVERRIDES = {
    "name": "n.number", "payment_reference": "n.number", "sequence_number": "n.idx",
    "access_token": "NULL", "inalterable_hash": "NULL", "secure_sequence_number": "NULL",
    "message_main_attachment_id": "NULL", "l10n_fr_chorus_transfer": "TRUE",
    "l10n_fr_chorus_status_comment": "NULL", "l10n_fr_chorus_error": "NULL",
    "l10n_fr_chorus_error_retryable": "FALSE", "l10n_fr_chorus_unknown_outcome": "FALSE",
    "l10n_fr_chorus_rejection": "NULL", "l10n_fr_chorus_summary": "'in_progress'",
    "l10n_fr_chorus_is_final": "FALSE",
    "create_date": "now() at time zone 'UTC'", "write_date": "now() at time zone 'UTC'",
}


def insert_copies(env, template, overrides, numbers, flow_ids, params=None):
    """Copies of ``template``'s account_move row, one per number (in the flow of the same rank), with their journal
    items and flow links: ``[move id]``."""
    cr = env.cr
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'account_move' "
               "AND table_schema = current_schema() AND column_name != 'id' ORDER BY ordinal_position")
    columns = [row[0] for row in cr.fetchall()]
    overrides = {**COPY_OVERRIDES, "l10n_fr_chorus_flow_id": "n.flow_id", **overrides}
    select = ", ".join(overrides.get(column, f'm."{column}"') for column in columns)
    names = ", ".join(f'"{column}"' for column in columns)
    cr.execute(
        f"INSERT INTO account_move ({names}) SELECT {select} FROM account_move m, "
        "unnest(%(numbers)s::varchar[], %(flows)s::int[]) WITH ORDINALITY AS n(number, flow_id, idx) "
        "WHERE m.id = %(template)s RETURNING id, l10n_fr_chorus_flow_id",
        {"numbers": numbers, "flows": flow_ids, "template": template.id, **(params or {})},
    )
    rows = cr.fetchall()
    ids = [row[0] for row in rows]
    copy_journal_items(cr, template, ids)
    cr.execute("INSERT INTO l10n_fr_chorus_flow_move_rel (flow_id, move_id) SELECT unnest(%s::int[]), "
               "unnest(%s::int[])", [[row[1] for row in rows], ids])
    return ids


def copy_invoice_rows(env, template, flow, numbers, first_cpp, status_date, flow_ids=None):
    """``len(numbers)`` copies of ``template``'s account_move row, linked to ``flow`` and the sandbox's invoices.

    ``flow_ids`` (one per number): the first run after a mass send — each copy in its own flow, not integrated yet
    as far as Odoo knows (no Chorus Pro id, no status, no history line)."""
    if flow_ids is not None:
        ids = insert_copies(env, template, {
            "l10n_fr_chorus_invoice_cpp": "NULL", "l10n_fr_chorus_status": "NULL",
            "l10n_fr_chorus_status_date": "NULL", "l10n_fr_chorus_state": "'deposited'",
        }, numbers, flow_ids)
        env.invalidate_all()
        return ids
    ids = insert_copies(env, template, {
        "l10n_fr_chorus_invoice_cpp": "(%(first_cpp)s + n.idx - 1)::text", "l10n_fr_chorus_status": "'DEPOSEE'",
        "l10n_fr_chorus_status_date": "%(status_date)s", "l10n_fr_chorus_state": "'integrated'",
    }, numbers, [flow.id] * len(numbers), {"first_cpp": first_cpp, "status_date": status_date})
    env.cr.execute(
        "INSERT INTO l10n_fr_chorus_status_history (move_id, company_id, status, date, flow_id, create_uid, "
        "create_date, write_uid, write_date) SELECT id, company_id, 'DEPOSEE', %s, %s, 1, now() at time zone "
        "'UTC', 1, now() at time zone 'UTC' FROM account_move WHERE id = ANY(%s)",
        [status_date, flow.id, ids],
    )
    env.invalidate_all()
    return ids


def create_pending_flows(env, company, flow_numbers, deposit_date):
    """One flow row per number, « received » (IN_RECU) as the deposit answer left it."""
    cr = env.cr
    cr.execute(
        "INSERT INTO l10n_fr_chorus_flow (name, company_id, state, deposit_date, syntax, is_final, create_uid, "
        "create_date, write_uid, write_date) SELECT n, %s, 'IN_RECU', %s, 'IN_DP_E1_UBL_INVOICE', FALSE, 1, "
        "now() at time zone 'UTC', 1, now() at time zone 'UTC' FROM unnest(%s::varchar[]) AS n RETURNING id",
        [company.id, deposit_date, flow_numbers])
    return [row[0] for row in cr.fetchall()]


def copy_journal_items(cr, template, move_ids):
    """Give every copied invoice the template's journal items (and their taxes and tax grids): a status write
    on an invoice goes through account.move.write, whose line synchronisation costs what the lines cost."""
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'account_move_line' "
               "AND table_schema = current_schema() AND column_name NOT IN ('id', 'move_id', 'move_name') "
               "ORDER BY ordinal_position")
    columns = [row[0] for row in cr.fetchall()]
    names = ", ".join(f'"{column}"' for column in columns)
    select = ", ".join(f'l."{column}"' for column in columns)
    for line_id in template.line_ids.ids:
        cr.execute(
            f"INSERT INTO account_move_line (move_id, move_name, {names}) SELECT m.id, m.name, {select} "
            "FROM account_move_line l, account_move m WHERE l.id = %s AND m.id = ANY(%s) RETURNING id",
            [line_id, move_ids],
        )
        line_ids = [row[0] for row in cr.fetchall()]
        for table, column in (("account_move_line_account_tax_rel", "account_tax_id"),
                              ("account_account_tag_account_move_line_rel", "account_account_tag_id")):
            cr.execute(f'INSERT INTO {table} (account_move_line_id, "{column}") SELECT new.id, r."{column}" '
                       f"FROM {table} r, unnest(%s::int[]) AS new(id) WHERE r.account_move_line_id = %s",
                       [line_ids, line_id])


def utc_naive(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)


# ---------------------------------------------------------------------------------------------- one count
def measure(args, params):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    count = params["count"]
    registry = common.boot_odoo(args, params["db"])
    sandbox_mod = common.addon_module("chorus_sandbox")
    client_mod = common.addon_module("chorus_client")
    sandbox = sandbox_mod.SandboxServer(port=0).start()
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = common.french_company(env)
            common.connect_company(env, company, sandbox)
            buyer = common.public_buyer(env, company)
            started = time.perf_counter()
            after_send = params.get("after_send")
            # before the seed: the last sync, and the deposits of a mass send (a few minutes ago, within the
            # expected integration time)
            last_sync = utc_naive(datetime.now(timezone.utc)) - timedelta(seconds=1)
            time.sleep(1.1)
            seeded = sandbox.state.seed_invoices(count, buyer_id=sandbox_mod.data.LYCEE_ID, prefix="BENCH",
                                                 flow_each=bool(after_send))
            flow_number = seeded["flow"]
            seeded_flows = [sandbox.state.flows[n] for n in seeded.get("flows", [flow_number])]
            seeded_ids = [i for f in seeded_flows for i in f.invoice_ids]
            numbers = [sandbox.state.invoices[i].parsed.number for i in seeded_ids]
            status_date = utc_naive(sandbox.state.invoices[seeded["first_id"]].status_at)
            template = common.create_invoices(env, company, buyer, 1)
            template.l10n_fr_chorus_transfer = False  # the model row only; not followed
            if after_send:
                flow_ids = create_pending_flows(env, company, [f.number for f in seeded_flows],
                                                last_sync - timedelta(minutes=5))
                ids = copy_invoice_rows(env, template, None, numbers, None, None, flow_ids=flow_ids)
            else:
                flow = env["l10n_fr_chorus.flow"]._l10n_fr_chorus_create({  # flows are the addon's to write
                    "name": flow_number, "company_id": company.id, "state": "IN_INTEGRE",
                    "deposit_date": status_date, "syntax": "IN_DP_E1_UBL_INVOICE",
                })
                ids = copy_invoice_rows(env, template, flow, numbers, seeded["first_id"], status_date)
            company.l10n_fr_chorus_last_sync = last_sync
            if not after_send:
                # The last sync was before the changes; then every invoice changes status on Chorus Pro.
                time.sleep(1.1)
                sandbox.state.advance()
                for cpp in seeded_ids[::SUSPEND_EVERY]:
                    sandbox.state.set_invoice_status("SUSPENDUE", invoice_id=cpp, comment="Bon de livraison manquant")
            setup_seconds = time.perf_counter() - started
            if params["commit"]:
                cr.commit()
            env.invalidate_all()
            gc.collect()
            client_mod.clear_token_cache()
            before = common.snapshot_calls(sandbox)
            queries = cr.sql_log_count
            cron_env = api.Environment(cr, SUPERUSER_ID, {})
            Sync = cron_env["l10n_fr_chorus.sync"].with_company(company)
            with common.MemoryWatch(trace=params["tracemalloc"]) as memory, common.maybe_profile(args.profile,
                                                                                             args.profile_file):
                started = time.perf_counter()
                Sync._sync_company(company.with_env(cron_env), commit=params["commit"])
                if not params["commit"]:
                    cron_env.flush_all()
                    cr.precommit.run()  # what the commit would do: chatter tracking
                elapsed = time.perf_counter() - started
            queries = cr.sql_log_count - queries
            calls = common.call_counts(sandbox, before)
            # the limit: the same period search alone, page after page, with nothing applied (same run)
            bare = company.with_env(api.Environment(cr, SUPERUSER_ID, {}))._l10n_fr_chorus_client()
            started = time.perf_counter()
            listed = sum(1 for _item in bare.find_invoices(changed_from=last_sync - timedelta(minutes=10),
                                                           changed_to=datetime.now() + timedelta(minutes=1)))
            bare_seconds = time.perf_counter() - started
            cr.execute("SELECT state, count(*) FROM l10n_fr_chorus_flow WHERE id IN (SELECT l10n_fr_chorus_flow_id "
                       "FROM account_move WHERE id = ANY(%s)) GROUP BY 1", [ids])
            flow_states = dict(cr.fetchall())
            cr.execute("SELECT l10n_fr_chorus_status, count(*) FROM account_move WHERE id = ANY(%s) GROUP BY 1",
                       [ids])
            statuses = dict(cr.fetchall())
            cr.execute("SELECT count(*) FROM l10n_fr_chorus_status_history WHERE move_id = ANY(%s)", [ids])
            history = cr.fetchone()[0]
            cr.execute("SELECT count(*) FROM mail_activity WHERE res_model = 'account.move' AND res_id = ANY(%s)",
                       [ids])
            activities = cr.fetchone()[0]
            cr.execute("SELECT l10n_fr_chorus_last_sync FROM res_company WHERE id = %s", [company.id])
            last_sync_moved = cr.fetchone()[0] > last_sync
            if not params["commit"]:
                cr.rollback()
    finally:
        sandbox.stop()
    return {
        "count": count, "seconds": elapsed, "setup_seconds": setup_seconds, "calls": calls, "queries": queries,
        "statuses": statuses, "history": history, "activities": activities, "last_sync_moved": last_sync_moved,
        "memory": memory.figures(), "commit": params["commit"], "code": common.addon_source(),
        "after_send": bool(after_send), "bare_seconds": bare_seconds, "listed": listed, "flow_states": flow_states,
    }


def print_result(result):
    count, seconds, calls = result["count"], result["seconds"], result["calls"]
    api_calls = sum(n for key, n in calls.items() if key != "token")
    pages = math.ceil(count / PAGE)
    memory = result["memory"]
    mode = "commit per page, throwaway copy" if result["commit"] else "commit=False, rolled back"
    if result["after_send"]:
        print(f"\n== Status sync, first run after a mass send: {count} single-invoice flows integrated on Chorus Pro, "
              f"not yet known to Odoo ({mode})")
    else:
        print(f"\n== Status sync: {count} invoices changed on Chorus Pro since the last sync ({mode})")
    print(f"   code: {result['code']}")
    print(f"   time: {seconds:.2f} s ({seconds / count * 1000:.1f} ms/invoice); SQL queries: {result['queries']} "
          f"({result['queries'] / count:.1f}/invoice)")
    print(f"   HTTP calls: {api_calls} API calls + {calls.get('token', 0)} token: {dict(sorted(calls.items()))}")
    print(f"   calls per 100 changed invoices: {api_calls / count * 100:.2f} (goal ≤ 1 + constant: "
          f"{api_calls} calls = {pages} pages of {PAGE} + {api_calls - pages})")
    print(f"   limit: the same search alone, {pages} pages, {result['listed']} invoices listed, nothing applied: "
          f"{result['bare_seconds']:.2f} s — the sync takes ×{seconds / max(result['bare_seconds'], 1e-6):.1f}; "
          f"flows after the run: {result['flow_states']}")
    trace = memory["tracemalloc_peak_mb"]
    print(f"   memory: peak RSS {memory['rss_peak_mb']:.0f} MB, +{memory['rss_growth_mb']:.1f} MB during the run"
          + (f"; Python allocations peak (tracemalloc) {trace:.1f} MB" if trace is not None else ""))
    if memory.get("tracemalloc_top"):
        print(f"   left allocated at the end of the run: {'; '.join(memory['tracemalloc_top'])}")
    print(f"   outcome: statuses {result['statuses']}, {result['history']} history lines, {result['activities']} "
          f"activities, last sync moved on: {result['last_sync_moved']}; set-up {result['setup_seconds']:.1f} s, "
          "not measured")
    return {"count": count, "api_calls": api_calls, "extra": api_calls - pages, "seconds": seconds,
            "growth": memory["rss_growth_mb"], "trace": trace}


# ---------------------------------------------------------------------------------------------- main
def main():
    args = parse_args()
    if args.child:
        import json  # noqa: PLC0415

        common.report_result(measure(args, json.loads(args.child)))
        return
    counts = [int(c) for c in args.counts.split(",") if c.strip()]
    common.check_db_name(args.db)
    if args.update:
        common.update_addon(args)
    db = f"{args.db}_tmp" if args.commit else args.db
    summaries = []
    try:
        for count in counts:
            if args.commit:
                print(f"copying {args.db} to the throwaway database {db}…", flush=True)
                common.copy_database(args, args.db, db)
            params = {"count": count, "db": db, "commit": args.commit, "tracemalloc": args.tracemalloc,
                      "after_send": args.after_send}
            summaries.append(print_result(common.run_child(__file__, args, params)))
    finally:
        if args.commit and not args.keep:
            common.drop_database(db)
    print("\n== Comparison (goal of issue 6: calls grow with pages, not invoices; memory flat)")
    for summary in summaries:
        trace = f", tracemalloc peak {summary['trace']:.1f} MB" if summary["trace"] is not None else ""
        print(f"   {summary['count']:>6} invoices: {summary['api_calls']:>4} API calls ({summary['extra']} besides "
              f"the pages), {summary['seconds']:7.2f} s, RSS +{summary['growth']:.1f} MB{trace}")
    if len(summaries) >= 2:
        first, last = summaries[0], summaries[-1]
        slope = (last["api_calls"] - first["api_calls"]) / (last["count"] - first["count"]) * 100
        constant_ok = all(s["api_calls"] <= math.ceil(s["count"] / PAGE) + max(first["extra"], 0) for s in summaries)
        print(f"   calls: {slope:.2f} more per 100 more changed invoices (goal ≤ 1): {common.verdict(slope <= 1)}; "
              f"constant part {[s['extra'] for s in summaries]}: {common.verdict(constant_ok)}")
        flat = last["growth"] <= 1.5 * first["growth"] + 5
        ratio = last["count"] / first["count"]
        print(f"   memory: +{first['growth']:.1f} MB → +{last['growth']:.1f} MB for ×{ratio:.0f} invoices (flat: at "
              f"most ×1.5 + 5 MB): {common.verdict(flat)}")
        print(f"   time: ×{last['seconds'] / first['seconds']:.1f} for ×{last['count'] / first['count']:.0f} invoices")


if __name__ == "__main__":
    main()
