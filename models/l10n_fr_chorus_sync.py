import logging
from collections import defaultdict
from datetime import timedelta
from itertools import islice

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every

from ..chorus_client import ChorusBusinessError, ChorusError, ChorusInvalidAnswer, ChorusTransientError

_logger = logging.getLogger(__name__)

SYNC_BATCH = 100
DEFAULT_FLOW_REPORT_DELAY = 30.0  # minutes (system parameter l10n_fr_chorus_pro.flow_report_delay)
SYNC_LOCK_KEY = 74551  # pg advisory lock namespace of the status sync (with the company id)


class L10nFrChorusSync(models.AbstractModel):
    """Status follow-up: one search of every status change since the last run, a flow report only where the search
    cannot tell."""

    _name = "l10n_fr_chorus.sync"
    _description = "Chorus Pro Status Sync"

    @api.model
    def _refresh(self, moves):
        """« Mettre à jour le statut »: flow reports, then the full dated history of each invoice.

        It never runs beside the scheduled sync of the same company (nor beside another refresh): the company's
        lock is taken before anything is read, and when a sync holds it the user is told that the statuses are
        being updated, instead of two writers meeting on the same invoices.
        """
        cr = self.env.cr
        locked, busy = [], []
        try:
            for company_id in self.env.companies.ids:  # known without a query: taken before any snapshot
                cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [SYNC_LOCK_KEY, company_id])
                (locked if cr.fetchone()[0] else busy).append(company_id)
            if self.env["account.move.send"]._can_commit():
                cr.commit()  # pylint: disable=invalid-commit  # read from here on what the last sync committed
            moves = moves.filtered(lambda m: m.l10n_fr_chorus_flow_id)
            for company in moves.company_id:
                company_moves = moves.filtered(lambda m, c=company: m.company_id == c).sudo()
                if company.id not in locked:
                    busy.append(company.id)
                    continue
                client = company._l10n_fr_chorus_client()
                try:
                    for flow in company_moves.l10n_fr_chorus_flow_id.filtered(lambda f: not f.is_final and f.name):
                        flow._l10n_fr_chorus_update(client)
                    for move in company_moves:
                        self._refresh_one(move, client)
                    self.env["l10n_fr_chorus.works.sync"]._refresh(company_moves, client)
                except ChorusError as exc:
                    raise UserError(company._l10n_fr_chorus_error_message(exc)) from None
        finally:
            for company_id in locked:
                cr.execute("SELECT pg_advisory_unlock(%s, %s)", [SYNC_LOCK_KEY, company_id])
        if busy and moves.company_id.filtered(lambda c: c.id in busy):
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "info",
                    "message": _("The Chorus Pro statuses are being updated by the scheduled action right now: the "
                                 "invoices will show them in a moment."),
                },
            }
        return True

    @api.model
    def _refresh_one(self, move, client):
        if move.l10n_fr_chorus_unknown_outcome:
            self.env["l10n_fr_chorus.sender"]._link_existing(move, client)
        flow = move.l10n_fr_chorus_flow_id
        if not move.l10n_fr_chorus_invoice_cpp and flow.state in ("IN_INTEGRE", "IN_INTEGRE_PARTIEL"):
            for invoice in client.find_invoices(flow_number=flow.name):
                if invoice.number == move.name:
                    move._l10n_fr_chorus_write({"l10n_fr_chorus_invoice_cpp": invoice.cpp_id})
        if move.l10n_fr_chorus_invoice_cpp:
            self._complete_history(move, client)

    @api.model
    def _complete_history(self, move, client):
        """The full dated history of one invoice from Chorus Pro (one call)."""
        for state in client.invoice_history(move.l10n_fr_chorus_invoice_cpp):
            move._l10n_fr_chorus_apply_status(state)
        if not move.l10n_fr_chorus_history_complete:
            move._l10n_fr_chorus_write({"l10n_fr_chorus_history_complete": True})

    @api.model
    def _cron_sync(self):
        """Scheduled follow-up, company by company; one bad answer never stops the run."""
        commit = self.env["account.move.send"]._can_commit()
        Move = self.env["account.move"].sudo()
        followed = Move._read_group(
            [("l10n_fr_chorus_flow_id", "!=", False), ("l10n_fr_chorus_is_final", "=", False)], ["company_id"])
        for (company,) in followed:
            self.env.cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [SYNC_LOCK_KEY, company.id])
            if not self.env.cr.fetchone()[0]:
                _logger.info("Chorus Pro sync of company %s already running elsewhere", company.id)
                continue
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit  # a snapshot taken once the lock is held
            try:
                # a scheduled action runs as the superuser (in English): write in the company's language
                sync = self.with_company(company).with_context(lang=company.partner_id.lang or self.env.lang)
                sync._sync_company(company.with_env(sync.env), commit)
            except (ChorusError, UserError) as exc:
                _logger.warning("Chorus Pro sync of company %s stopped: %s", company.id, exc)
                if commit:
                    self.env.cr.rollback()
            finally:
                self.env.cr.execute("SELECT pg_advisory_unlock(%s, %s)", [SYNC_LOCK_KEY, company.id])

    @api.model
    def _sync_company(self, company, commit=False):
        """One run for one company: unanswered deposits, then one period search of every status change (which also
        lists the invoices of the flows Chorus Pro has integrated since), then a flow report only for the flows the
        search could not settle (see ``_settle_flows``)."""
        started = fields.Datetime.now()
        client = company._l10n_fr_chorus_client()
        self._resolve_attempts(company, client, commit)
        since = self._since(company, started)
        complete = True
        if since:
            items = client.find_invoices(changed_from=since, changed_to=started + timedelta(minutes=1))
            complete = self._apply_pages(company, items, self._apply_batch, commit)
            works = self.env["l10n_fr_chorus.works.sync"]
            complete = works._sync(company, client, since, started + timedelta(minutes=1), commit) and complete
        self._settle_flows(company, client, commit)
        if not complete:
            return  # the same period is searched again next time: no status is lost
        company.sudo().l10n_fr_chorus_last_sync = started
        if commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _apply_pages(self, company, items, apply, commit):
        """``apply(company, page)`` to each page of ``items``, each in a savepoint and committed (then forgotten:
        memory stays flat whatever the number of pages); False when a page could not be applied (the period is
        searched again next time), which never stops the others."""
        complete = True
        while batch := list(islice(items, SYNC_BATCH)):
            try:
                with self.env.cr.savepoint():
                    apply(company, batch)
            except Exception:  # a broken page must not lose the others
                _logger.exception("Chorus Pro: a page of statuses could not be applied")
                complete = False
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
                self.env.invalidate_all()
        return complete

    @api.model
    def _flow_report_delay(self):
        """Minutes Chorus Pro is given to integrate a flow before its report is asked for (usually minutes)."""
        try:
            return float(self.env["ir.config_parameter"].sudo().get_param(
                "l10n_fr_chorus_pro.flow_report_delay", DEFAULT_FLOW_REPORT_DELAY))
        except ValueError:
            return DEFAULT_FLOW_REPORT_DELAY

    @api.model
    def _settle_flows(self, company, client, commit):
        """The flows not final yet, after the period search has linked the invoices it lists:

        - every invoice of the flow listed: Chorus Pro integrated the flow — recorded without a call;
        - some listed, not all: the others were refused — the report says why, at once;
        - none listed once the flow is older than the report delay: refused, incident or late — the report says.
        """
        Flow = self.env["l10n_fr_chorus.flow"].sudo()
        Move = self.env["account.move"].sudo()
        due = fields.Datetime.now() - timedelta(minutes=self._flow_report_delay())
        pending = Flow.search([("company_id", "=", company.id), ("is_final", "=", False), ("name", "!=", False)])
        for ids in split_every(SYNC_BATCH, pending.ids):
            flows = Flow.browse(ids)
            moves = defaultdict(Move.browse)
            for move in Move.search([("l10n_fr_chorus_flow_id", "in", flows.ids)]):
                moves[move.l10n_fr_chorus_flow_id.id] |= move
            to_report, integrated = [], defaultdict(Flow.browse)
            for flow in flows:
                current = moves[flow.id]
                linked = current.filtered("l10n_fr_chorus_invoice_cpp")
                if current and linked == current:
                    dates = [d for d in linked.mapped("l10n_fr_chorus_status_date") if d]
                    integrated[min(dates) if dates else fields.Datetime.now()] |= flow
                elif linked or (flow.deposit_date or fields.Datetime.now()) <= due:
                    to_report.append(flow)
            # one write per integration date, without a chatter line per flow (each invoice's chatter tells its
            # status; the flow shows its state and date): a mass send's flows are settled in a few queries
            for state_date, settled in integrated.items():
                settled.with_context(mail_notrack=True)._l10n_fr_chorus_write({
                    "state": "IN_INTEGRE", "error_message": False, "state_date": state_date})
            for flow in to_report:
                try:
                    with self.env.cr.savepoint():
                        flow._l10n_fr_chorus_update(client)
                except (ChorusTransientError, ChorusInvalidAnswer, ChorusBusinessError) as exc:
                    _logger.warning("Chorus Pro report of flow %s failed: %s", flow.name, exc.message)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
                self.env.invalidate_all()

    @api.model
    def _resolve_attempts(self, company, client, commit):
        """Deposits without answer: search Chorus Pro for their invoices, at every run, for as long as it takes."""
        Move = self.env["account.move"].sudo()
        for move in Move.search([("company_id", "=", company.id), ("l10n_fr_chorus_unknown_outcome", "=", True)]):
            try:
                with self.env.cr.savepoint():
                    self.env["l10n_fr_chorus.sender"]._link_existing(move, client)
            except ChorusError as exc:
                _logger.warning("Chorus Pro search of invoice %s failed: %s", move.id, exc.message)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _since(self, company, started):
        """Start of the status-change period to search, or None when nothing is followed any more."""
        Move = self.env["account.move"].sudo()
        base = [("company_id", "=", company.id), ("l10n_fr_chorus_flow_id", "!=", False),
                ("l10n_fr_chorus_rejection", "=", False)]
        # invoices Chorus Pro may have integrated since: in an integrated flow, or in a flow not final yet (the
        # search lists them as soon as their flow is integrated, before any report); the oldest deposit of them,
        # read in one aggregate (a mass send's thousands of invoices are not loaded)
        Flow = self.env["l10n_fr_chorus.flow"].sudo()
        [(unlinked, oldest)] = Flow._read_group([
            ("company_id", "=", company.id),
            "|", ("state", "in", ("IN_INTEGRE", "IN_INTEGRE_PARTIEL")), "&", ("is_final", "=", False),
            ("name", "!=", False),
            ("move_ids", "any", [("l10n_fr_chorus_invoice_cpp", "=", False), ("l10n_fr_chorus_rejection", "=", False)]),
        ], [], ["__count", "deposit_date:min"])
        followed = Move.search_count([*base, ("l10n_fr_chorus_invoice_cpp", "!=", False),
                                      ("l10n_fr_chorus_is_final", "=", False)], limit=1)
        if not unlinked and not followed:
            return None
        dates = [d for d in [company.l10n_fr_chorus_last_sync, oldest] if d]
        return (min(dates) if dates else started - timedelta(days=365)) - timedelta(minutes=10)

    @api.model
    def _apply_batch(self, company, batch):
        """Link the invoices of a page of search results to their moves, then apply their current status."""
        Move = self.env["account.move"].sudo()
        linked = {m.l10n_fr_chorus_invoice_cpp: m for m in Move.search([
            ("company_id", "=", company.id), ("l10n_fr_chorus_invoice_cpp", "in", [i.cpp_id for i in batch])])}
        missing = [invoice for invoice in batch if invoice.cpp_id not in linked]
        unlinked = {}
        if missing:
            for move in Move.search([
                ("company_id", "=", company.id), ("l10n_fr_chorus_invoice_cpp", "=", False),
                ("l10n_fr_chorus_rejection", "=", False),
                ("l10n_fr_chorus_flow_id.name", "in", list({i.flow_number for i in missing})),
                ("name", "in", [i.number for i in missing]),
            ]):
                unlinked[(move.l10n_fr_chorus_flow_id.name, move.name)] = move
        for invoice in batch:
            move = linked.get(invoice.cpp_id)
            vals = {}
            if move is None:
                move = unlinked.get((invoice.flow_number, invoice.number))
                if move is None:
                    continue
                vals = {"l10n_fr_chorus_invoice_cpp": invoice.cpp_id}  # written with the status: one write
            if move.l10n_fr_chorus_is_final:
                if vals:
                    move._l10n_fr_chorus_write(vals)
                continue
            move._l10n_fr_chorus_apply_status(invoice.state, observed=True, vals=vals)
