#!/usr/bin/env python3
"""Where the time of a Factur-X document goes, and what the report engine can save (issue 5).

On N posted invoices of the demo French company (created in a transaction rolled back at the end), it times:

- the document steps of ``l10n_fr_chorus.document`` (XML, schema checks) and ``l10n_fr_chorus.document.pdf``
  (invoice PDF, PDF/A assembly);
- the invoice PDF rendered one invoice per wkhtmltopdf run with Odoo's default ``report.print_delay`` (1000 ms,
  a fixed JavaScript delay), then with 200 ms and 0 ms, and whether the delay changes the PDF's text;
- the PDFs of several invoices rendered in one wkhtmltopdf run and split per invoice, as Odoo's Send & Print does
  (``_pre_render_qweb_pdf`` with several ids): only a wkhtmltopdf built with patched Qt can (Debian's cannot).

    .venv/bin/python bench/bench_facturx_render.py --db chorus_bench --count 20
    .venv/bin/python bench/bench_facturx_render.py --wkhtmltopdf /path/to/patched/wkhtmltopdf

The delay is changed through the system parameter inside the rolled-back transaction: nothing is kept.
"""

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

REPORT = "account.report_invoice"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.common_arguments(parser)
    parser.add_argument("--count", type=int, default=20, help="invoices (default: %(default)s)")
    parser.add_argument("--batches", default="5,10,20", help="invoices per wkhtmltopdf run to try (default: "
                                                              "%(default)s)")
    parser.add_argument("--styles", action=argparse.BooleanOptionalAction, default=True,
                        help="serve the report styles from an Odoo HTTP server on the database (default)")
    args = parser.parse_args()
    args.commit = False
    return args


def pdf_text(pdf):
    from odoo.tools.pdf import OdooPdfFileReader  # noqa: PLC0415

    reader = OdooPdfFileReader(io.BytesIO(pdf), strict=False)
    return "\n".join(page.extract_text() for page in reader.pages)


def timed(func, *args, **kwargs):
    started = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - started, result


def measure(args, params):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    registry = common.boot_odoo(args, args.db)
    sandbox = common.addon_module("chorus_sandbox").SandboxServer(port=0).start()
    results = {"wkhtmltopdf": common.wkhtmltopdf_version(), "code": common.addon_source()}
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = common.french_company(env)
            common.connect_company(env, company, sandbox, l10n_fr_chorus_format="facturx")
            params_model = env["ir.config_parameter"]
            params_model.set_param("report.url", params["report_url"])
            buyer = common.public_buyer(env, company)
            invoices = common.create_invoices(env, company, buyer, params["count"] + 1)
            warm, invoices = invoices[0], invoices[1:]
            Document = env["l10n_fr_chorus.document"]
            Pdf = env["l10n_fr_chorus.document.pdf"]
            Report = env["ir.actions.report"].with_company(company).with_context(
                force_report_rendering=True, report_pdf_no_attachment=True)
            Document._build(warm, "facturx")  # templates compiled, schemas loaded, styles bundled

            # The document steps, with the report engine as the code in use calls it.
            steps = {"xml": [], "validation": [], "invoice_pdf": [], "assembly": [], "build": []}
            for invoice in invoices:
                seconds, xml = timed(Document._generate_xml, invoice, "facturx")
                steps["xml"].append(seconds)
                steps["validation"].append(timed(Document._validate_xml, invoice, xml, "facturx")[0])
                seconds, (pdf, rendered) = timed(Pdf._invoice_pdf, invoice)
                steps["invoice_pdf"].append(seconds)
                original = type(Pdf)._invoice_pdf
                type(Pdf)._invoice_pdf = lambda self, inv, _pdf=pdf, _rendered=rendered: (_pdf, _rendered)
                try:
                    steps["assembly"].append(timed(Pdf._facturx_pdf, invoice, xml)[0])
                finally:
                    type(Pdf)._invoice_pdf = original
                steps["build"].append(timed(Document._build, invoice, "facturx")[0])
            results["steps"] = {key: statistics.mean(values) for key, values in steps.items()}

            # One invoice per wkhtmltopdf run, per print delay.
            delays = {}
            texts = {}
            for delay in ("1000", "200", "0"):
                params_model.set_param("report.print_delay", delay)
                runs = [timed(Report._render_qweb_pdf, REPORT, invoice.ids) for invoice in invoices]
                delays[delay] = statistics.mean(seconds for seconds, _result in runs)
                texts[delay] = pdf_text(runs[0][1][0])
            results["single"] = delays
            results["same_text"] = texts["0"] == texts["1000"]
            results["text_chars"] = len(texts["0"].strip())
            results["pdf_kb"] = len(runs[0][1][0]) / 1024

            # Several invoices per wkhtmltopdf run (delay 0), split per invoice as Send & Print does.
            batches = {}
            for size in [int(s) for s in params["batches"]]:
                if size > len(invoices):
                    continue
                per_invoice = []
                split = True
                error = None
                for start in range(0, len(invoices) - size + 1, size):
                    ids = invoices[start:start + size].ids
                    try:
                        seconds, (streams, _kind) = timed(Report._pre_render_qweb_pdf, REPORT, res_ids=ids)
                    except Exception as exc:  # Debian's wkhtmltopdf: "Exit with code 1", an empty PDF
                        error = f"{type(exc).__name__}: {exc}"[:120]
                        break
                    split = split and all((streams.get(i) or {}).get("stream") for i in ids)
                    per_invoice.append(seconds / size)
                batches[size] = {"per_invoice": statistics.mean(per_invoice) if per_invoice else None,
                                 "split": split, "error": error}
            results["batches"] = batches
            cr.rollback()
    finally:
        sandbox.stop()
    return results


def print_result(result, styles, count):
    steps = result["steps"]
    print(f"\n== Factur-X document of one invoice ({count} invoices, report styles {'on' if styles else 'off'})")
    print(f"   code: {result['code']}; {result['wkhtmltopdf']}")
    labels = [("xml", "XML (account_edi_ubl_cii)"), ("validation", "XSD + Chorus checks"),
              ("invoice_pdf", "invoice PDF (report engine, as the code renders it)"),
              ("assembly", "Factur-X PDF/A assembly (XML embedded, PDF/A conversion)")]
    for key, label in labels:
        print(f"   {label:<60} {steps[key]:.3f} s   {steps[key] / steps['build']:6.1%} of _build")
    print(f"   {'_build (whole)':<60} {steps['build']:.3f} s")
    print("\n== Invoice PDF, one invoice per wkhtmltopdf run")
    single = result["single"]
    for delay, seconds in single.items():
        print(f"   report.print_delay {delay:>4} ms{'':<36} {seconds:.3f} s/invoice")
    if result["text_chars"]:
        print(f"   text of the PDF ({result['text_chars']} characters) identical with 0 ms and 1000 ms: "
              f"{result['same_text']}; PDF {result['pdf_kb']:.0f} KB")
    else:
        print(f"   the PDF has no text layer (this wkhtmltopdf draws the styled text as shapes): text not compared; "
              f"PDF {result['pdf_kb']:.0f} KB")
    print("\n== Invoice PDFs, several invoices per wkhtmltopdf run (print delay 0 ms), split per invoice")
    for size, batch in result["batches"].items():
        if batch["error"]:
            print(f"   {size:>3} per run: impossible with this wkhtmltopdf ({batch['error']})")
        else:
            gain = single["0"] / batch["per_invoice"]
            print(f"   {size:>3} per run{'':<45} {batch['per_invoice']:.3f} s/invoice ({gain:.1f}× faster than one "
                  f"per run at 0 ms; split per invoice: {batch['split']})")


def main():
    args = parse_args()
    if args.child:
        import json  # noqa: PLC0415

        common.report_result(measure(args, json.loads(args.child)))
        return
    common.check_db_name(args.db)
    if args.update:
        common.update_addon(args)
    style_server = None
    try:
        if args.styles:
            print("starting an Odoo HTTP server for the report styles…", flush=True)
            style_server = common.StyleServer(args, args.db).start()
        params = {"report_url": style_server.url if style_server else common.unreachable_url(), "count": args.count,
                  "batches": [b.strip() for b in args.batches.split(",") if b.strip()]}
        result = common.run_child(__file__, args, params)
    finally:
        if style_server:
            style_server.stop()
    print_result(result, bool(style_server), args.count)


if __name__ == "__main__":
    main()
