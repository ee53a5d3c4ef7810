import hashlib
import logging
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_datetime

from ..chorus_client import ChorusError

_logger = logging.getLogger(__name__)

# pg advisory lock namespace of an invoice being deposited (with the invoice id): held from the checks to the
# commit that records Chorus Pro's answer, across commits, and released by PostgreSQL if the worker dies.
SEND_LOCK_KEY = 74552
# Without an answer, how long Chorus Pro is given to show the invoice before it may be deposited again.
DEFAULT_UNANSWERED_DELAY = 24 * 60  # minutes


class L10nFrChorusSender(models.AbstractModel):
    """The send pipeline: lock, check, build, record the intent, deposit, record Chorus Pro's answer.

    Exactly once: before the HTTP request, the flow is recorded in the state « sending » with its file and
    committed, so that whatever happens next (no answer, a rollback, a killed worker) leaves evidence. An invoice
    whose last flow is still « sending » is never deposited again before Chorus Pro has been searched for it.
    """

    _name = "l10n_fr_chorus.sender"
    _description = "Chorus Pro Sending"

    @api.model
    def _send(self, moves, commit=False, group_size=1):
        """Deposit ``moves``: returns ``{move: (sent, message)}``.

        Each invoice travels alone, or with up to ``group_size`` invoices of its company in one ``.tar.gz`` flow.
        A failure is written on its invoice and never stops, raises out of, or rolls back the others.
        ``commit`` commits the intent before each deposit and the outcome after it (scheduled send, and the
        interactive sends outside tests).
        """
        moves._l10n_fr_chorus_check_transfer_right()
        results, clients, pending, locked = {}, {}, {}, []
        moves = moves.sudo()
        self.env["l10n_fr_chorus.document"]._render_ahead(moves)

        def flush(company):
            group = pending.pop(company, None)
            if group:
                results.update(self._deposit(group, clients[company], commit))

        try:
            for move in moves:
                if commit:
                    move = move.with_prefetch()  # after each commit, re-read one invoice, not the whole batch
                outcome = self._guarded(move, lambda m=move: self._prepare(m, clients, locked))
                if outcome[move] is None:
                    pending[move.company_id] = pending.get(move.company_id, move.browse()) | move
                    if len(pending[move.company_id]) >= max(group_size, 1):
                        flush(move.company_id)
                else:
                    results.update(outcome)
                    if commit and not pending:
                        self.env.cr.commit()  # pylint: disable=invalid-commit
            for company in list(pending):
                flush(company)
        finally:
            self._unlock(locked)
        return results

    @api.model
    def _guarded(self, moves, func):
        """Run ``func`` in a savepoint; an unexpected error becomes an error on ``moves``, never an exception."""
        try:
            with self.env.cr.savepoint():
                return func()
        except Exception as exc:  # one broken invoice must not stop the batch
            _logger.exception("Chorus Pro: sending invoices %s failed", moves.ids)
            outcome = {}
            for move in moves:
                message = _("%(invoice)s: unexpected error (%(error)s); nothing was sent.", invoice=move.name,
                            error=exc)
                move._l10n_fr_chorus_set_error(message, retryable=False)
                outcome[move] = (False, message)
            return outcome

    # ------------------------------------------------------------------------------------------
    # Locks
    # ------------------------------------------------------------------------------------------
    @api.model
    def _lock(self, move, locked):
        """Lock ``move`` for its deposit; False when another worker holds it or has just handled it."""
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [SEND_LOCK_KEY, move.id])
        if not cr.fetchone()[0]:
            return False
        locked.append(move.id)
        try:
            with cr.savepoint(flush=False):
                # a row changed by another worker since this transaction's snapshot raises: that worker handled it
                cr.execute("SELECT id FROM account_move WHERE id = %s FOR NO KEY UPDATE", [move.id],
                           log_exceptions=False)
                return bool(cr.fetchone())
        except psycopg2.errors.SerializationFailure:
            return False

    @api.model
    def _unlock(self, ids):
        for move_id in ids:
            self.env.cr.execute("SELECT pg_advisory_unlock(%s, %s)", [SEND_LOCK_KEY, move_id])
        ids.clear()

    # ------------------------------------------------------------------------------------------
    # Before the deposit
    # ------------------------------------------------------------------------------------------
    @api.model
    def _prepare(self, move, clients, locked):
        """Lock and check one invoice: ``{move: None}`` when it is ready to deposit, else its outcome."""
        if not self._lock(move, locked):
            return {move: (False, _("%(invoice)s is being sent by another process.", invoice=move.name))}
        move.invalidate_recordset()
        errors = move._l10n_fr_chorus_check()
        if errors:
            message = "\n".join(errors)
            move._l10n_fr_chorus_set_error(message)
            return {move: (False, message)}
        company = move.company_id
        try:
            if company not in clients:
                clients[company] = company._l10n_fr_chorus_client()
        except UserError as exc:
            move._l10n_fr_chorus_set_error(exc.args[0], retryable=True)
            return {move: (False, exc.args[0])}
        if move.l10n_fr_chorus_unknown_outcome:
            return self._resolve_attempt(move, clients[company])
        return {move: None}

    @api.model
    def _unanswered_delay(self):
        try:
            return float(self.env["ir.config_parameter"].sudo().get_param(
                "l10n_fr_chorus_pro.unknown_outcome_delay", DEFAULT_UNANSWERED_DELAY))
        except ValueError:
            return DEFAULT_UNANSWERED_DELAY

    @api.model
    def _resolve_attempt(self, move, client):
        """The last deposit of ``move`` got no answer: is the invoice on Chorus Pro? ``{move: None}`` when it may
        be deposited again (Chorus Pro still does not show it after the delay), else the outcome."""
        flow = move.l10n_fr_chorus_flow_id
        try:
            if self._link_existing(move, client):
                return {move: (True, _("%(invoice)s was already on Chorus Pro: linked to it, not sent again.",
                                       invoice=move.name))}
        except ChorusError as exc:
            message = _("%(invoice)s: ", invoice=move.name) + move.company_id._l10n_fr_chorus_error_message(exc)
            move._l10n_fr_chorus_set_error(message, retryable=True)
            return {move: (False, message)}
        if flow.state != "sending":  # Chorus Pro said it holds this number: it will show it, never send again
            return {move: (False, move.l10n_fr_chorus_error)}
        delay = self._unanswered_delay()
        until = (flow.deposit_date or fields.Datetime.now()) + timedelta(minutes=delay)
        if until > fields.Datetime.now():
            message = _(
                "%(invoice)s: the last deposit got no answer and Chorus Pro does not show the invoice yet. It is "
                "searched for at every scheduled run; Chorus Pro is given until %(until)s to show it before it is "
                "sent again.", invoice=move.name, until=format_datetime(self.env, until, dt_format="short"))
            move._l10n_fr_chorus_set_error(message, retryable=True)
            return {move: (False, message)}
        flow._l10n_fr_chorus_write({"state": "IN_INCIDENTE", "error_message": _(
            "No answer to the deposit and not shown by Chorus Pro after %(hours)s hours: considered not received.",
            hours=round(delay / 60, 1))})
        return {move: None}

    @api.model
    def _link_existing(self, move, client):
        """Is ``move`` on Chorus Pro already (found by its number)? Link it to that invoice and say True."""
        found = [inv for inv in client.find_invoices(invoice_number=move.name) if inv.number == move.name]
        if not found:
            return False
        invoice = found[-1]
        Flow = self.env["l10n_fr_chorus.flow"].sudo()
        flow = Flow.search([("name", "=", invoice.flow_number), ("company_id", "=", move.company_id.id)], limit=1)
        pending = move.l10n_fr_chorus_flow_id
        if not flow and pending.state == "sending":
            flow = pending  # the deposit without answer: now we know its number
        if flow:
            flow._l10n_fr_chorus_write({"name": flow.name or invoice.flow_number or False, "state": "IN_INTEGRE",
                                        "error_message": False})
        elif invoice.flow_number:
            flow = Flow._l10n_fr_chorus_create({"name": invoice.flow_number, "company_id": move.company_id.id,
                                                "move_ids": [(6, 0, move.ids)], "state": "IN_INTEGRE"})
        if pending.state == "sending" and pending != flow:
            pending._l10n_fr_chorus_write({"state": "IN_INCIDENTE", "error_message": _(
                "Not received by Chorus Pro: the invoice was found in flow %(flow)s.", flow=flow.name)})
        move._l10n_fr_chorus_write({
            "l10n_fr_chorus_flow_id": flow.id,
            "l10n_fr_chorus_flow_ids": [(4, flow.id)] if flow else [],
            "l10n_fr_chorus_invoice_cpp": invoice.cpp_id,
            "l10n_fr_chorus_rejection": False,
            "l10n_fr_chorus_error": False,
            "l10n_fr_chorus_error_retryable": False,
            "l10n_fr_chorus_unknown_outcome": False,
        })
        move._l10n_fr_chorus_apply_status(invoice.state)
        move.message_post(body=_("Found on Chorus Pro: linked to invoice %(id)s, not sent again.",
                                 id=invoice.cpp_id))
        return True

    # ------------------------------------------------------------------------------------------
    # The deposit
    # ------------------------------------------------------------------------------------------
    @api.model
    def _build(self, moves):
        """The document of these checked invoices; those whose document fails get the error and are dropped."""
        Document = self.env["l10n_fr_chorus.document"]
        outcome = {}
        try:
            with self.env.cr.savepoint():
                return (Document._build(moves) if len(moves) == 1 else Document._build_group(moves)), moves, outcome
        except UserError as exc:
            if len(moves) == 1:
                moves._l10n_fr_chorus_set_error(exc.args[0])
                return None, moves.browse(), {moves: (False, exc.args[0])}
        good = moves.browse()
        for move in moves:  # find which invoice of the group cannot be made
            _document, kept, failed = self._build(move)
            good |= kept
            outcome.update(failed)
        if not good:
            return None, good, outcome
        document, good, failed = self._build(good)
        outcome.update(failed)
        return document, good, outcome

    @api.model
    def _deposit(self, moves, client, commit):
        """One deposit for these checked, locked invoices of one company: intent, request, answer."""
        state = {}

        def intend():
            document, kept, outcome = self._build(moves)
            state.update(document=document, moves=kept)
            if kept:
                state["flow"] = self._record_intent(kept, document)
            return outcome

        outcome = self._guarded(moves, intend)
        if commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        kept = state.get("moves")
        if not kept or "flow" not in state:
            return outcome
        outcome.update(self._guarded(kept, lambda: self._request(kept, state["flow"], state["document"], client)))
        if commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return outcome

    @api.model
    def _record_intent(self, moves, document):
        """The flow about to be deposited, in the state « sending », with its exact file."""
        flow = self.env["l10n_fr_chorus.flow"].sudo()._l10n_fr_chorus_create({
            "company_id": moves.company_id.id,
            "deposit_date": fields.Datetime.now(),
            "syntax": document["syntax"],
            "state": "sending",
            "checksum": hashlib.sha256(document["content"]).hexdigest(),
            "move_ids": [(6, 0, moves.ids)],
        })
        flow._l10n_fr_chorus_attach(document["filename"], document["content"])
        moves._l10n_fr_chorus_write({
            "l10n_fr_chorus_flow_id": flow.id,
            "l10n_fr_chorus_flow_ids": [(4, flow.id)],
            "l10n_fr_chorus_invoice_cpp": False,
            "l10n_fr_chorus_status": False,
            "l10n_fr_chorus_status_date": False,
            "l10n_fr_chorus_status_comment": False,
            "l10n_fr_chorus_error": False,
            "l10n_fr_chorus_error_retryable": False,
            "l10n_fr_chorus_rejection": False,
            "l10n_fr_chorus_unknown_outcome": True,
        })
        return flow

    @api.model
    def _request(self, moves, flow, document, client):
        company = moves.company_id
        outcome = {}
        try:
            receipt = client.deposit(document["content"], document["filename"], document["syntax"])
        except ChorusError as exc:
            if not exc.deposit_unknown:  # surely not received: forget the intent
                previous = moves.l10n_fr_chorus_flow_ids - flow
                for move in moves:
                    move._l10n_fr_chorus_write({
                        "l10n_fr_chorus_flow_id": (previous & move.l10n_fr_chorus_flow_ids)[:1].id,
                        "l10n_fr_chorus_flow_ids": [(3, flow.id)],
                        "l10n_fr_chorus_unknown_outcome": False,
                    })
                flow._l10n_fr_chorus_unlink()
            for move in moves:
                if exc.deposit_unknown:
                    message = _(
                        "%(invoice)s: no answer from Chorus Pro after the deposit (%(reason)s). Chorus Pro will be "
                        "searched for this invoice before it is ever sent again.",
                        invoice=move.name, reason=exc.message,
                    )
                else:
                    message = _("%(invoice)s: ", invoice=move.name) + company._l10n_fr_chorus_error_message(exc)
                move._l10n_fr_chorus_set_error(message, retryable=exc.retryable or exc.deposit_unknown)
                outcome[move] = (False, message)
            return outcome
        self._record_deposit(moves, receipt, document, flow)
        for move in moves:
            outcome[move] = (True, _("%(invoice)s: sent to Chorus Pro in flow %(flow)s.", invoice=move.name,
                                     flow=receipt.flow_number))
        return outcome

    @api.model
    def _record_deposit(self, moves, receipt, document, flow=None):
        """Chorus Pro took the file: the flow gets its number and the chatter says so."""
        flow = flow or self._record_intent(moves, document)
        flow._l10n_fr_chorus_write({
            "name": receipt.flow_number,
            "state": "IN_RECU",
            "deposit_date": receipt.date or flow.deposit_date,
        })
        moves._l10n_fr_chorus_write({"l10n_fr_chorus_unknown_outcome": False})
        for move in moves:
            move._message_log(body=_("Sent to Chorus Pro in flow %(flow)s (%(file)s).", flow=receipt.flow_number,
                                     file=document["filename"]))
        return flow

    # ------------------------------------------------------------------------------------------
    # Scheduled send
    # ------------------------------------------------------------------------------------------
    @api.model
    def _send_domain(self, company):
        return [
            ("company_id", "=", company.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
            ("l10n_fr_chorus_transfer", "=", True),
            ("invoice_date", ">=", company.l10n_fr_chorus_start_date),
            ("l10n_fr_chorus_state", "in", ("to_send", "error", "sending")),
        ]

    @api.model
    def _cron_send(self, limit=1000):
        """Send what is due, company by company; commit after each invoice (outside tests).

        Invoices in error are checked again with the current data at every run: an error whose cause was fixed
        (client, company, attachment, credentials) heals by itself, and the message shown is the current one.
        """
        Move = self.env["account.move"]
        commit = self.env["account.move.send"]._can_commit()
        sent = Move.browse()
        for company in self.env["res.company"].sudo().search([("l10n_fr_chorus_start_date", "!=", False)]):
            # a scheduled action runs as the superuser (in English): write in the company's language
            sender = self.with_company(company).with_context(lang=company.partner_id.lang or self.env.lang)
            moves = sender.env["account.move"].sudo().search(self._send_domain(company),
                                                             order="invoice_date, id", limit=limit)
            if not moves:
                continue
            results = sender._send(moves, commit=commit, group_size=company.l10n_fr_chorus_group_size)
            sent |= Move.browse([m.id for m, (ok, _msg) in results.items() if ok])
        if sent:
            sync = self.env.ref("l10n_fr_chorus_pro.ir_cron_l10n_fr_chorus_sync", raise_if_not_found=False)
            if sync:
                sync._trigger(at=fields.Datetime.now() + timedelta(minutes=5))
        return sent
