import hashlib
import logging
from collections import namedtuple
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..chorus_client import ChorusError

_logger = logging.getLogger(__name__)

# Invoices locked, checked and built together, read in one go, before their deposits and their commits.
PREPARE_BATCH = 50
# The invoice's tracked fields the intent changes: shown in the chatter with the deposit's outcome.
INTENT_TRACKED = ("l10n_fr_chorus_flow_id", "l10n_fr_chorus_status", "l10n_fr_chorus_rejection")


# A document built ahead, the fingerprint of what it was made from, and the invoice's tracked values then (the
# same while the fingerprint is).
Built = namedtuple("Built", "document fingerprint before")


class SendRun:
    """What one send keeps across its commits: the clients per company id, the advisory locks held, the documents
    built ahead ``{invoice id: Built}``, each ready invoice's company id, and what the chatter messages share (see
    ``_log_setup``)."""

    def __init__(self):
        self.clients, self.locked, self.built = {}, [], {}
        self.companies, self.log = {}, None


class L10nFrChorusSender(models.AbstractModel):
    """The send pipeline: lock, check, build, record the intent, deposit, record Chorus Pro's answer.

    Exactly once: before the HTTP request, the flow is recorded in the state « sending » with its file and
    committed, so that whatever happens next (no answer, a rollback, a killed worker) leaves evidence. An invoice
    whose last flow is still « sending » is never deposited again before Chorus Pro has been searched for it.

    Invoices are locked, checked and built ``PREPARE_BATCH`` at a time in one transaction (read together, as the
    XML export wants), then deposited one flow after the other, each intent committed before its request; an
    invoice changed since its document was built is checked and built again before its intent.
    """

    _name = "l10n_fr_chorus.sender"
    _description = "Chorus Pro Sending"

    @api.model
    def _send(self, moves, commit=False, group_size=1):
        """Deposit ``moves``: returns ``{move: (sent, message)}``.

        Each invoice travels alone, or with up to ``group_size`` invoices of its company in one ``.tar.gz`` flow.
        A failure is written on its invoice and never stops, raises out of, or rolls back the others.
        ``commit`` commits the intent before each deposit, together with the previous deposit's answer, and the
        last answer at the end of each batch (scheduled send, and the interactive sends outside tests).
        """
        moves._l10n_fr_chorus_check_transfer_right()
        results, pending, run = {}, {}, SendRun()
        moves = moves.sudo()
        self.env["l10n_fr_chorus.document"]._render_ahead(moves)

        def flush(company):
            group = pending.pop(company, None)
            if group:
                results.update(self._deposit(group, run, commit))

        try:
            for start in range(0, len(moves), PREPARE_BATCH):
                batch = moves[start:start + PREPARE_BATCH].with_prefetch()
                ready, outcome = self._prepare_batch(batch, run)
                results.update(outcome)
                for move in ready:
                    if commit:
                        move = move.with_prefetch()  # after each commit, re-read one invoice, not the batch
                    company = run.companies[move.id]
                    pending[company] = pending.get(company, move.browse()) | move
                    if len(pending[company]) >= max(group_size, 1):
                        flush(company)
                if commit:  # the last answer and the errors; a pending group's rows are locked again at its intent
                    self.env.cr.commit()  # pylint: disable=invalid-commit
            for company in list(pending):
                flush(company)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        finally:
            self._unlock(run.locked)
            self.env["l10n_fr_chorus.document"]._render_ahead_stop()
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
    # Before the deposit
    # ------------------------------------------------------------------------------------------
    @api.model
    def _prepare_batch(self, moves, run):
        """Lock, check and build these invoices together: ``(ready invoices, outcome of the others)``.

        Each ready invoice's document is kept in ``run.built`` with the fingerprint of what it was made from.
        """
        outcome = {}
        locked = self._lock(moves, run.locked)
        for move in moves - locked:
            outcome.update(self._busy(move))
        locked.invalidate_recordset()  # read again under the locks
        self.env["l10n_fr_chorus.document"]._prefetch(locked)
        documents = {}
        for move in locked:
            def prepare(move=move):
                checked = self._check(move, run)
                if checked[move] is not None:
                    return checked
                document, kept, failed = self._build(move)
                if kept:
                    documents[move.id] = document
                return failed or {move: None}
            outcome.update((m, res) for m, res in self._guarded(move, prepare).items() if res is not None)
        ready = locked.filtered(lambda m: m.id in documents)
        if ready:
            self.env.flush_all()
            fingerprints = self._fingerprints(ready)
            for move in ready:
                run.built[move.id] = Built(documents[move.id], fingerprints[move.id], self._tracked(move))
                run.companies[move.id] = move.company_id.id
        return ready, outcome

    @api.model
    def _check(self, move, run):
        """Check one locked invoice: ``{move: None}`` when it is ready to deposit, else its outcome."""
        errors = move._l10n_fr_chorus_check()
        if errors:
            message = "\n".join(errors)
            move._l10n_fr_chorus_set_error(message)
            return {move: (False, message)}
        company = move.company_id
        try:
            if company.id not in run.clients:
                run.clients[company.id] = company._l10n_fr_chorus_client()
        except UserError as exc:
            move._l10n_fr_chorus_set_error(exc.args[0], retryable=True)
            return {move: (False, exc.args[0])}
        if move.l10n_fr_chorus_unknown_outcome:
            return self._resolve_attempt(move, run.clients[company.id])
        return {move: None}

    # ------------------------------------------------------------------------------------------
    # The deposit
    # ------------------------------------------------------------------------------------------
    @api.model
    def _build(self, moves, built=None):
        """The document of these checked invoices; those whose document fails get the error and are dropped.
        ``built``: the documents built ahead (``SendRun.built``), used instead of building them again."""
        Document = self.env["l10n_fr_chorus.document"]
        ahead = {move_id: kept.document for move_id, kept in (built or {}).items()}
        outcome = {}
        if len(moves) == 1 and moves.id in ahead:
            return ahead[moves.id], moves, outcome
        try:
            with self.env.cr.savepoint():
                if len(moves) == 1:
                    document = Document._build(moves)
                else:
                    document = Document._build_group(moves, documents=ahead)
                return document, moves, outcome
        except UserError as exc:
            if len(moves) == 1:
                moves._l10n_fr_chorus_set_error(exc.args[0])
                return None, moves.browse(), {moves: (False, exc.args[0])}
        good = moves.browse()
        for move in moves:  # find which invoice of the group cannot be made
            _document, kept, failed = self._build(move, built)
            good |= kept
            outcome.update(failed)
        if not good:
            return None, good, outcome
        document, good, failed = self._build(good, built)
        outcome.update(failed)
        return document, good, outcome

    @api.model
    def _deposit(self, moves, run, commit):
        """One deposit for these locked invoices of one company, checked and built ahead: intent, request,
        answer."""
        state = {}

        def intend():
            ready, outcome = self._still_ready(moves, run)
            if not ready:
                return outcome
            document, kept, failed = self._build(ready, run.built)
            outcome.update(failed)
            state.update(document=document, moves=kept)
            if kept:
                state["flow"], state["tracking"] = self._record_intent(kept, document, run)
            return outcome

        outcome = self._guarded(moves, intend)
        for move in moves:
            run.built.pop(move.id, None)
        if commit:  # the intent, with the previous deposit's answer, before the request
            self.env.cr.commit()  # pylint: disable=invalid-commit
        kept = state.get("moves")
        if not kept or "flow" not in state:
            return outcome
        client = run.clients[run.companies[kept[:1].id]]
        if run.log is None:
            run.log = self._log_setup()
        # the answer is committed with the next deposit's intent, or at the end of the batch (see _send): a worker
        # killed before that commit leaves the intent « sending », which is resolved on Chorus Pro (no second deposit)
        outcome.update(self._guarded(kept, lambda: self._request(kept, state["flow"], state["document"], client,
                                                                 state["tracking"], run.log)))
        return outcome

    @api.model
    def _record_intent(self, moves, document, run=None):
        """The flow about to be deposited, in the state « sending », with its exact file: ``(flow, tracking)``.

        The invoices' chatter shows the change with Chorus Pro's answer, in one message (``tracking``: the tracked
        values before the intent, see :meth:`_log`), not as a tracking message of its own. ``run``: the company and
        the tracked values kept when the documents were built (unchanged, as the fingerprint says), so that the
        invoice is not read again for them after the previous deposit's commit."""
        run = run or SendRun()
        company_id = run.companies.get(moves[:1].id) or moves.company_id.id
        tracking = {move.id: built.before if (built := run.built.get(move.id)) else self._tracked(move)
                    for move in moves}
        flow = self.env["l10n_fr_chorus.flow"].sudo()._l10n_fr_chorus_create({
            "company_id": company_id,
            "deposit_date": fields.Datetime.now(),
            "syntax": document["syntax"],
            "state": "sending",
            "checksum": hashlib.sha256(document["content"]).hexdigest(),
            "move_ids": [(6, 0, moves.ids)],  # also the invoices' l10n_fr_chorus_flow_ids (the same relation)
        })
        flow._l10n_fr_chorus_attach(document["filename"], document["content"])
        moves.with_context(mail_notrack=True)._l10n_fr_chorus_write({
            "l10n_fr_chorus_flow_id": flow.id,
            "l10n_fr_chorus_invoice_cpp": False,
            "l10n_fr_chorus_status": False,
            "l10n_fr_chorus_status_date": False,
            "l10n_fr_chorus_status_comment": False,
            "l10n_fr_chorus_error": False,
            "l10n_fr_chorus_error_retryable": False,
            "l10n_fr_chorus_rejection": False,
            "l10n_fr_chorus_unknown_outcome": True,
        })
        return flow, tracking

    @api.model
    def _request(self, moves, flow, document, client, tracking=None, log=None):
        tracking = tracking or {}
        company = moves.company_id
        outcome = {}
        try:
            receipt = client.deposit(document["content"], document["filename"], document["syntax"])
        except ChorusError as exc:
            if not exc.deposit_unknown:  # surely not received: forget the intent
                previous = moves.l10n_fr_chorus_flow_ids - flow
                for move in moves:  # as it was: the chatter never showed the intent
                    move.with_context(mail_notrack=True)._l10n_fr_chorus_write({
                        "l10n_fr_chorus_flow_id": (previous & move.l10n_fr_chorus_flow_ids)[:1].id,
                        "l10n_fr_chorus_flow_ids": [(3, flow.id)],
                        "l10n_fr_chorus_unknown_outcome": False,
                    })
                flow._l10n_fr_chorus_unlink()
            else:  # the chatter shows the flow « sending », found or sent again later
                self._log(moves, tracking, setup=log)
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
        self._record_deposit(moves, receipt, document, flow, tracking, log)
        for move in moves:
            outcome[move] = (True, _("%(invoice)s: sent to Chorus Pro in flow %(flow)s.", invoice=move.name,
                                     flow=receipt.flow_number))
        return outcome

    @api.model
    def _record_deposit(self, moves, receipt, document, flow=None, tracking=None, log=None):
        """Chorus Pro took the file: the flow gets its number and the chatter says so."""
        if not flow:
            flow, tracking = self._record_intent(moves, document)
        flow._l10n_fr_chorus_write({
            "name": receipt.flow_number,
            "state": "IN_RECU",
            "deposit_date": receipt.date or flow.deposit_date,
        })
        # the chatter line below carries the tracked changes since the intent: no tracking of Odoo's own here
        moves.with_context(mail_notrack=True)._l10n_fr_chorus_write({"l10n_fr_chorus_unknown_outcome": False})
        self._log(moves, tracking or {}, _("Sent to Chorus Pro in flow %(flow)s (%(file)s).",
                                           flow=receipt.flow_number, file=document["filename"]), log)
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
