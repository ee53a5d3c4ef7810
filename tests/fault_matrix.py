"""The fault matrix: every send path × every Chorus Pro operation × every fault the sandbox injects.

One case: an invoice is sent by one path while one operation fails; then the faults clear and time goes by as the
scheduled actions see it; the case ends with how often Chorus Pro received the invoice and the state Odoo shows.
Used by ``tests/test_chorus_faults.py`` (a part of the matrix, inside a test transaction) and by
``bench/faults.py`` (all of it, on a throwaway database).
"""

import time
from collections import Counter
from datetime import timedelta

from odoo import fields

PATHS = ("wizard", "send_and_print", "cron", "auto_send")
OPERATIONS = {
    "token": "token",
    "deposit": "factures/deposer/flux",
    "flow_report": "transverses/consulterCRDetaille",
    "search": "factures/rechercher/fournisseur",
    "history": "factures/consulter/historique",
}
FAULTS = ("timeout", "drop_after_record", "hang_after_record", "401", "403", "429", "500", "503", "malformed_json")
# a Chorus Pro decision or a state that needs nobody: everything else must say what is going on
CLEAR_STATES = {"integrated"}


def send_by(path, env, invoice):
    """Send ``invoice`` the way a user (or Odoo) would on ``path``; what it raises is what the user sees."""
    if path == "wizard":
        action = invoice.action_l10n_fr_chorus_send()
        env[action["res_model"]].browse(action["res_id"]).action_send()
    elif path == "send_and_print":
        env["account.move.send"]._generate_and_send_invoices(invoice, sending_methods={"chorus_pro"})
    elif path == "cron":
        env["account.move"].sudo()._cron_l10n_fr_chorus_send()
    elif path == "auto_send":
        invoice.write({"sending_data": {"author_user_id": env.uid, "author_partner_id": env.user.partner_id.id,
                                        "sending_methods": ["chorus_pro"]}})
        env["account.move"].sudo()._cron_account_move_send()
    else:
        raise ValueError(path)


def heal(env, sandbox, settle=0):
    """Faults gone, time goes by: the scheduled actions run, Chorus Pro processes what it received (``settle``:
    seconds for the requests still in the sandbox, a slow answer, to end first)."""
    Move = env["account.move"].sudo()
    sandbox.state.clear_faults()
    time.sleep(settle)
    Move._cron_l10n_fr_chorus_sync()
    sandbox.state.advance(flows_to_final=True)
    Move._cron_l10n_fr_chorus_sync()
    Move._cron_l10n_fr_chorus_send()
    # a day later, what Chorus Pro never showed is deemed not received and sent again
    waiting = Move.search([("l10n_fr_chorus_unknown_outcome", "=", True)])
    for flow in waiting.l10n_fr_chorus_flow_id.filtered(lambda f: f.state == "sending"):
        flow._l10n_fr_chorus_write({"deposit_date": fields.Datetime.now() - timedelta(days=2)})
    Move._cron_l10n_fr_chorus_send()
    sandbox.state.advance(flows_to_final=True)
    Move._cron_l10n_fr_chorus_sync()


def run_case(env, sandbox, invoice, path, operation, fault, count=3, delay=11, committed=False):
    """One case of the matrix; returns ``{tried, held, duplicates, lost, unclear, state, message}``.

    The send, then a scheduled sync, then a user's « Mettre à jour le statut », each as its own request: with
    ``committed``, the addon commits as outside tests and a failed request is rolled back as Odoo does. In a test
    transaction (no commit possible), what the sender commits before an error stays, as it would; the sync's and the
    refresh's writes roll back to a savepoint when they fail.
    """
    sandbox.state.add_fault(OPERATIONS[operation], fault, count=count, delay=delay)
    seen = []
    steps = [
        (lambda: send_by(path, env, invoice), False),
        (lambda: env["account.move"].sudo()._cron_l10n_fr_chorus_sync(), True),
        (lambda: invoice.action_l10n_fr_chorus_refresh_status(), True),
    ]
    for step, isolated in steps:
        try:
            if committed:
                step()
                env.cr.commit()
            elif isolated:
                with env.cr.savepoint():
                    step()
            else:
                step()
        except Exception as exc:  # what the user would see; the next request goes on
            seen.append(str(exc))
            if committed:
                env.cr.rollback()
    heal(env, sandbox, settle=delay if fault in ("timeout", "hang_after_record") else 0)
    invoice.invalidate_recordset()
    # every flow that carried the number counts, the ones Chorus Pro refused as duplicates included
    received = Counter(p.number for flow in sandbox.state.flows.values() for p in flow.parsed)[invoice.name]
    state = invoice.l10n_fr_chorus_state
    return {
        "tried": 1,
        "held": int(received == 1 and state in CLEAR_STATES),
        "duplicates": int(received > 1),
        "lost": int(received == 0),
        "unclear": int(state not in CLEAR_STATES),
        "state": state,
        "message": invoice.l10n_fr_chorus_error or "; ".join(seen),
    }
