#!/usr/bin/env python3
"""Benchmark of the Chorus Pro overview (issue 14): load time of the overview and its graph/pivot at N invoices.

One real invoice of the demo French company is created and posted with the ORM, then its ``account_move`` row is
copied N times in SQL (50,000 by default), spread over the four demo public buyers, 24 months and every Chorus Pro
follow-up state (to send, in error, to handle, in progress, payment initiated, rejected), with status dates
spread over 120 days so that some are « stuck ». Then, as the web client does, and each timed over several runs:

- the overview kanban (``web_search_read`` of ``l10n_fr_chorus.overview``, all its fields);
- the graph (``read_group`` of the invoices by month and Chorus Pro transfer state);
- the pivot (``read_group`` by buyer and Chorus Pro follow-up);
- opening one card (``search_count`` + ``web_search_read`` of the first 80 invoices of « to handle »);
- « Invoice Analysis » grouped by Chorus Pro follow-up (``account.invoice.report``, whose rows are journal items:
  the copies have none, so this measures the query plan with the Chorus Pro columns, not 50,000 invoices' lines).

Everything runs inside one transaction rolled back at the end: the database is left as it was.

    .venv/bin/python bench/bench_overview.py --db wt14_bench --count 50000
"""

import argparse
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

# (state, summary, status) and its weight in the data set
MIX = [
    (("to_send", None, None), 10),
    (("error", "to_handle", None), 3),
    (("integrated", "to_handle", "SUSPENDUE"), 4),
    (("integrated", "in_progress", "MISE_A_DISPOSITION"), 50),
    (("deposited", "in_progress", None), 5),
    (("paid", "paid", "MISE_EN_PAIEMENT"), 25),
    (("rejected", "rejected", "REJETEE"), 3),
]
BUYERS = ("partner_commune_montreuil", "partner_hopital_valbonne", "partner_lycee_jean_moulin",
          "partner_ministere_exemple")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.common_arguments(parser)
    parser.add_argument("--count", type=int, default=50000, help="invoices (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each request (default: %(default)s)")
    return parser.parse_args()


def copy_invoices(env, template, count):
    """``count`` copies of ``template``'s row with Chorus Pro facts spread over the MIX, buyers, months, dates."""
    cr = env.cr
    buyers = [env.ref(f"{common.ADDON}.{xmlid}").id for xmlid in BUYERS]
    states = [facts for facts, weight in MIX for _ in range(weight)]
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'account_move' "
               "AND table_schema = current_schema() AND column_name != 'id' ORDER BY ordinal_position")
    columns = [row[0] for row in cr.fetchall()]
    today = date.today()
    rows = {"state": [], "summary": [], "status": [], "buyer": [], "invoice_date": [], "status_date": []}
    for index in range(count):
        state, summary, status = states[index % len(states)]
        rows["state"].append(state)
        rows["summary"].append(summary)
        rows["status"].append(status)
        rows["buyer"].append(buyers[index % len(buyers)])
        invoice_date = today - timedelta(days=(index * 7) % 730)
        rows["invoice_date"].append(invoice_date)
        rows["status_date"].append(datetime.combine(today, datetime.min.time()) - timedelta(days=index % 120)
                                   if status else None)
    overrides = {
        "name": "'BENCH/' || lpad(n.idx::text, 7, '0')", "payment_reference": "NULL", "sequence_number": "n.idx",
        "sequence_prefix": "'BENCH/'",
        "access_token": "NULL", "inalterable_hash": "NULL", "secure_sequence_number": "NULL",
        "message_main_attachment_id": "NULL",
        "partner_id": "n.buyer", "commercial_partner_id": "n.buyer", "invoice_date": "n.invoice_date",
        "date": "n.invoice_date",
        "l10n_fr_chorus_transfer": "TRUE", "l10n_fr_chorus_flow_id": "NULL",
        "l10n_fr_chorus_invoice_cpp": "CASE WHEN n.status IS NULL THEN NULL ELSE (900000 + n.idx)::text END",
        "l10n_fr_chorus_status": "n.status", "l10n_fr_chorus_status_date": "n.status_date",
        "l10n_fr_chorus_error": "CASE WHEN n.state = 'error' THEN 'Chorus Pro cannot be reached' END",
        "l10n_fr_chorus_unknown_outcome": "FALSE", "l10n_fr_chorus_rejection": "NULL",
        "l10n_fr_chorus_state": "n.state", "l10n_fr_chorus_summary": "n.summary",
        "l10n_fr_chorus_is_final": "n.state IN ('paid', 'rejected')",
    }
    select = ", ".join(overrides.get(column, f'm."{column}"') for column in columns)
    names = ", ".join(f'"{column}"' for column in columns)
    cr.execute(
        f"INSERT INTO account_move ({names}) SELECT {select} FROM account_move m, "
        "unnest(%(state)s::varchar[], %(summary)s::varchar[], %(status)s::varchar[], %(buyer)s::int[], "
        "%(invoice_date)s::date[], %(status_date)s::timestamp[]) WITH ORDINALITY "
        "AS n(state, summary, status, buyer, invoice_date, status_date, idx) WHERE m.id = %(template)s",
        {**rows, "template": template.id},
    )
    cr.execute("ANALYZE account_move")
    env.invalidate_all()


def timed(runs, function):
    """Median and best wall time of ``runs`` calls (each call invalidates the caches first)."""
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times), result


def main():
    args = parse_args()
    common.check_db_name(args.db)
    if args.update:
        common.update_addon(args)
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    registry = common.boot_odoo(args, args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = common.french_company(env)
        env = env(context={"allowed_company_ids": company.ids, "lang": "en_US"})
        buyer = env.ref(f"{common.ADDON}.partner_lycee_jean_moulin").with_company(company)
        buyer.l10n_fr_chorus_client = True
        started = time.perf_counter()
        template = common.create_invoices(env, company, buyer, 1)
        copy_invoices(env, template, args.count)
        setup = time.perf_counter() - started
        overview = env["l10n_fr_chorus.overview"]
        moves = env["account.move"]
        spec = {name: {} for name in overview._fields if name not in ("display_name",)}
        spec["oldest_move_id"] = {"fields": {"display_name": {}}}
        spec["company_id"] = {"fields": {"display_name": {}}}
        domain = [("company_id", "in", company.ids)]
        concerned = [*domain, ("l10n_fr_chorus_state", "not in", ("not_concerned", False))]

        def kanban():
            env.invalidate_all()
            return overview.web_search_read(domain, spec)

        def graph():
            env.invalidate_all()
            return moves.read_group(concerned, ["amount_total_signed:sum"],
                                    ["invoice_date:month", "l10n_fr_chorus_state"], lazy=False)

        def pivot():
            env.invalidate_all()
            return moves.read_group(concerned, ["amount_total_signed:sum"],
                                    ["commercial_partner_id", "l10n_fr_chorus_summary"], lazy=False)

        def open_card():
            env.invalidate_all()
            card = overview.search([*domain, ("category", "=", "to_handle")])
            action = card.action_open_invoices()
            count = moves.search_count(action["domain"])
            moves.web_search_read(action["domain"], {"name": {}, "invoice_date": {}, "amount_total_signed": {},
                                                     "l10n_fr_chorus_state": {}}, limit=80)
            return count

        def analysis():
            env.invalidate_all()
            return env["account.invoice.report"].read_group(
                domain, ["price_subtotal:sum"], ["l10n_fr_chorus_summary"], lazy=False)

        total = moves.search_count(concerned)
        print(f"== Chorus Pro overview at {total} invoices of {company.name} (set-up {setup:.1f} s, not measured; "
              f"rolled back at the end)")
        print(f"   code: {common.addon_source()}")
        for label, function in (("overview (kanban, 6 cards)", kanban), ("graph by month × state", graph),
                                ("pivot by buyer × follow-up", pivot), ("open « to handle » (count + 80 rows)",
                                                                         open_card),
                                ("Invoice Analysis by follow-up", analysis)):
            queries_before = cr.sql_log_count
            median, best, result = timed(args.runs, function)
            queries = (cr.sql_log_count - queries_before) // args.runs
            print(f"   {label:<38} median {median * 1000:7.1f} ms, best {best * 1000:7.1f} ms, "
                  f"{queries} SQL queries per load")
            if function is kanban:
                for record in result["records"]:
                    print(f"      {record['category']:<12} {record['invoice_count']:>6} invoices, "
                          f"{record['amount_total']:>14,.2f}, {record['stuck_count']:>6} stuck")
        cr.rollback()


if __name__ == "__main__":
    main()
