"""A big send from the wizard, run in the background by a scheduled action woken at once (``ir.cron._trigger``),
chunk after chunk, with its progress; a notification and a summary per invoice at the end."""

from markupsafe import Markup, escape

from odoo import _, api, fields, models

DEFAULT_THRESHOLD = 50
CHUNK_SIZE = 10
CRON_XMLID = "l10n_fr_chorus_pro.ir_cron_l10n_fr_chorus_send_batch"


class L10nFrChorusSendBatch(models.Model):
    _name = "l10n_fr_chorus.send.batch"
    _description = "Chorus Pro Background Send"
    _order = "id desc"

    name = fields.Char(compute="_compute_name", help="What this background send is.")
    user_id = fields.Many2one("res.users", string="Requested By", required=True, readonly=True,
                              default=lambda self: self.env.user, ondelete="cascade",
                              help="Who asked for the send; notified at the end, in their language.")
    move_ids = fields.Many2many("account.move", "l10n_fr_chorus_send_batch_move_rel", "batch_id", "move_id",
                                string="Invoices", readonly=True, help="The invoices to send.")
    processed_move_ids = fields.Many2many("account.move", "l10n_fr_chorus_send_batch_done_rel", "batch_id",
                                          "move_id", string="Processed Invoices", readonly=True,
                                          help="The invoices already sent or refused.")
    state = fields.Selection([("queued", "Waiting"), ("running", "Sending"), ("done", "Done")], string="Status",
                             default="queued", required=True, readonly=True,
                             help="Waiting for the background job, sending, or done.")
    total_count = fields.Integer(string="Invoices to Send", readonly=True, help="How many invoices were asked for.")
    done_count = fields.Integer(string="Processed", readonly=True, help="How many have been processed so far.")
    sent_count = fields.Integer(string="Sent", readonly=True, help="How many were deposited on Chorus Pro.")
    failed_count = fields.Integer(string="Not Sent", readonly=True, help="How many could not be sent.")
    progress = fields.Float(compute="_compute_progress", help="Share of the invoices processed, in percent.")
    result_html = fields.Html(string="Outcome", readonly=True, sanitize=False,
                              help="What happened to each invoice, as it happens.")

    @api.depends("total_count")
    def _compute_name(self):
        for batch in self:
            batch.name = _("Chorus Pro send of %(count)s invoices", count=batch.total_count)

    @api.depends("done_count", "total_count")
    def _compute_progress(self):
        for batch in self:
            batch.progress = 100.0 * batch.done_count / batch.total_count if batch.total_count else 100.0

    @api.model
    def _threshold(self):
        value = self.env["ir.config_parameter"].sudo().get_param("l10n_fr_chorus_pro.background_threshold")
        try:
            return max(int(value), 1) if value else DEFAULT_THRESHOLD
        except ValueError:
            return DEFAULT_THRESHOLD

    @api.model
    def _enqueue(self, moves):
        """A batch of ``moves`` for the background job, woken at once."""
        moves._l10n_fr_chorus_check_transfer_right()
        batch = self.sudo().create({"move_ids": [(6, 0, moves.ids)], "total_count": len(moves),
                                    "user_id": self.env.user.id})
        self.env.ref(CRON_XMLID).sudo()._trigger()
        return batch.sudo(False)

    # ------------------------------------------------------------------------------------------
    # The background job
    # ------------------------------------------------------------------------------------------
    @api.model
    def _cron_send_batches(self, chunk_size=CHUNK_SIZE):
        """Send one chunk of the oldest waiting batch; commit; say what is left (Odoo 18 runs the job again while
        something remains, and a trigger wakes it up again otherwise)."""
        self.env.cr.execute(
            "SELECT id FROM l10n_fr_chorus_send_batch WHERE state IN ('queued', 'running') ORDER BY id LIMIT 1 "
            "FOR UPDATE SKIP LOCKED")
        row = self.env.cr.fetchone()
        if row:
            self.browse(row[0])._send_chunk(chunk_size)
        remaining = sum(len(batch.move_ids - batch.processed_move_ids)
                        for batch in self.search([("state", "in", ("queued", "running"))]))
        self.env["ir.cron"]._notify_progress(done=1 if row else 0, remaining=remaining)
        if remaining and not self.env.context.get("ir_cron_progress_id"):
            self.env.ref(CRON_XMLID)._trigger()
        return remaining

    def _send_chunk(self, chunk_size):
        self.ensure_one()
        user = self.user_id
        chunk = (self.move_ids - self.processed_move_ids)[:chunk_size]
        commit = self.env["account.move.send"]._can_commit()
        if self.state == "queued":
            self.state = "running"
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        sender = self.env["l10n_fr_chorus.sender"].with_context(lang=user.lang)
        results = sender._send(chunk, commit=commit) if chunk else {}
        html = Markup("").join(
            Markup('<li class="%s">%s</li>') % ("text-success" if ok else "text-danger", escape(message))
            for ok, message in results.values())
        sent = sum(1 for ok, _message in results.values() if ok)
        self.write({
            "processed_move_ids": [(4, move.id) for move in chunk],
            "done_count": self.done_count + len(chunk),
            "sent_count": self.sent_count + sent,
            "failed_count": self.failed_count + len(chunk) - sent,
            "result_html": (self.result_html or Markup("")) + (Markup("<ul>%s</ul>") % html if html else ""),
        })
        if not self.move_ids - self.processed_move_ids:
            self.state = "done"
            self._notify_done()
        if commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _notify_done(self):
        self.ensure_one()
        batch = self.with_context(lang=self.user_id.lang)
        batch.user_id._bus_send("simple_notification", {
            "type": "success" if not batch.failed_count else "warning",
            "title": _("Chorus Pro: background send finished"),
            "message": _("%(sent)s sent, %(failed)s not sent, of %(total)s invoices. The wizard and the batch list "
                         "show what happened to each one.", sent=batch.sent_count, failed=batch.failed_count,
                         total=batch.total_count),
            "sticky": True,
        })
