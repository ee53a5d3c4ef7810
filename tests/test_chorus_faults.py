"""A part of the fault matrix (tests/fault_matrix.py) on every send path: no duplicate, nothing lost, a clear state.

The whole matrix, timeouts included (each costs 10 s under Odoo's test base), runs in ``bench/faults.py``.
"""

from odoo.tests import tagged

from .common import ChorusInvoiceCase
from .fault_matrix import PATHS, run_case

CASES = [
    ("deposit", "drop_after_record"), ("deposit", "hang_after_record"), ("deposit", "malformed_json"),
    ("deposit", "500"), ("deposit", "503"), ("deposit", "429"), ("deposit", "401"), ("deposit", "403"),
    ("token", "401"), ("token", "500"), ("flow_report", "500"), ("flow_report", "malformed_json"),
    ("search", "503"), ("history", "500"),
]


@tagged("post_install", "-at_install")
class TestFaultMatrix(ChorusInvoiceCase):
    def test_every_path_under_every_fault_sends_each_invoice_once(self):
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.unknown_outcome_delay", "1440")
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.timeout", "1")
        totals = {"tried": 0, "duplicates": 0, "lost": 0, "unclear": 0}
        for path in PATHS:
            for operation, fault in CASES:
                with self.subTest(path=path, operation=operation, fault=fault):
                    invoice = self.make_invoice(self.lycee)
                    row = run_case(self.env, self.sandbox, invoice, path, operation, fault, delay=1)
                    for key in totals:
                        totals[key] += row[key]
                    self.assertEqual((row["duplicates"], row["lost"], row["unclear"]), (0, 0, 0), row)
        self.assertEqual(totals["tried"], len(PATHS) * len(CASES))
