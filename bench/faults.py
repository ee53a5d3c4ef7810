#!/usr/bin/env python3
"""The whole fault matrix (tests/fault_matrix.py): path × operation × fault, on a throwaway database, committing as
Odoo does outside tests (the sender's commits, Odoo's rollback of a failed request), with the client's real
timeouts.

Prints one row per path and fault (summed over the operations), then
``faults: N tried, D duplicates, L lost, U unclear``.

    .venv/bin/python bench/faults.py [--db chorus_bench] [--paths cron,wizard] [--operations deposit]
"""

import argparse
import importlib.util
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common.common_arguments(parser)
    parser.add_argument("--paths", default=None, help="comma-separated subset of the send paths")
    parser.add_argument("--operations", default=None, help="comma-separated subset of the operations")
    parser.add_argument("--faults", default=None, help="comma-separated subset of the faults")
    parser.add_argument("--timeout", type=float, default=2.0, help="the client's timeout in seconds (%(default)s)")
    args = parser.parse_args()
    if args.update:
        common.update_addon(args)
    target = f"{args.db}_faults_tmp"
    common.copy_database(args, args.db, target)
    try:
        run(args, target)
    finally:
        common.drop_database(target)


def run(args, db):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    # by its file: importing the addon's tests package would load Odoo's test framework outside test mode
    spec = importlib.util.spec_from_file_location("fault_matrix", common.ADDON_DIR / "tests" / "fault_matrix.py")
    matrix = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(matrix)
    sandbox_module = common.addon_module("chorus_sandbox")
    from odoo.modules.registry import Registry  # noqa: PLC0415

    registry = Registry(db)  # Odoo's configuration was parsed once by the copy of the database
    sandbox = sandbox_module.SandboxServer(port=0).start()
    paths = args.paths.split(",") if args.paths else list(matrix.PATHS)
    operations = args.operations.split(",") if args.operations else list(matrix.OPERATIONS)
    faults = args.faults.split(",") if args.faults else list(matrix.FAULTS)
    totals = defaultdict(lambda: defaultdict(int))
    details = []
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = common.french_company(env)
            env = env(context={"allowed_company_ids": company.ids})
            common.connect_company(env, company, sandbox, l10n_fr_chorus_format="ubl")
            env["ir.config_parameter"].set_param("l10n_fr_chorus_pro.timeout", str(args.timeout))
            env["ir.config_parameter"].set_param("l10n_fr_chorus_pro.retry_backoff", "0.05")
            buyer = common.public_buyer(env, company)
            cr.commit()
            for path in paths:
                for fault in faults:
                    for operation in operations:
                        [invoice] = common.create_invoices(env, company, buyer, 1, lines=1)
                        cr.commit()
                        row = matrix.run_case(env, sandbox, invoice, path, operation, fault,
                                              delay=args.timeout + 1, committed=True)
                        cr.commit()
                        for key in ("tried", "held", "duplicates", "lost", "unclear"):
                            totals[(path, fault)][key] += row[key]
                        if not row["held"]:
                            details.append((path, operation, fault, row["state"], row["message"]))
    finally:
        sandbox.stop()
    print(f"{'path':<15} {'fault':<18} {'tried':>5} {'held':>5} {'dupl.':>5} {'lost':>5} {'unclear':>7}")
    grand = defaultdict(int)
    for (path, fault), row in totals.items():
        print(f"{path:<15} {fault:<18} {row['tried']:>5} {row['held']:>5} {row['duplicates']:>5} {row['lost']:>5} "
              f"{row['unclear']:>7}")
        for key, value in row.items():
            grand[key] += value
    for path, operation, fault, state, message in details:
        print(f"  not held: {path} / {operation} / {fault}: {state}: {(message or '').splitlines()[:1]}")
    print(f"faults: {grand['tried']} tried, {grand['duplicates']} duplicates, {grand['lost']} lost, "
          f"{grand['unclear']} unclear")


if __name__ == "__main__":
    main()
