from markupsafe import Markup, escape

from odoo import _, api, fields, models


class L10nFrChorusSendWizard(models.TransientModel):
    _name = "l10n_fr_chorus.send.wizard"
    _description = "Send Invoices to Chorus Pro"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True,
                                help="The invoices chosen for Chorus Pro.")
    ready_move_ids = fields.Many2many("account.move", string="Will Be Sent", compute="_compute_check",
                                      help="Invoices that pass every check and will be deposited.")
    ready_count = fields.Integer(string="Will Be Sent (Count)", compute="_compute_check",
                                 help="How many invoices pass every check.")
    blocked_count = fields.Integer(string="Cannot Be Sent", compute="_compute_check",
                                   help="Invoices that cannot be sent as they are.")
    blocked_html = fields.Html(string="What Blocks", compute="_compute_check", sanitize=False,
                               help="Why some invoices cannot be sent, and what to fix.")
    background = fields.Boolean(string="In the Background", compute="_compute_check",
                                help="So many invoices are sent by a background job, which shows its progress.")
    state = fields.Selection([("check", "Check"), ("background", "In the background"), ("done", "Done")],
                             string="Step", default="check",
                             help="The wizard first shows what will be sent, then the outcome.")
    result_html = fields.Html(string="Outcome", readonly=True, sanitize=False,
                              help="What happened to each invoice.")
    batch_id = fields.Many2one("l10n_fr_chorus.send.batch", string="Background Send", readonly=True,
                               help="The background job sending the invoices.")
    batch_state = fields.Selection(related="batch_id.state", string="Background Status",
                                   help="Waiting, sending or done.")
    batch_progress = fields.Float(related="batch_id.progress", string="Background Progress",
                                  help="Share of the invoices processed, in percent.")
    batch_done_count = fields.Integer(related="batch_id.done_count", string="Processed",
                                      help="How many invoices have been processed so far.")
    batch_total_count = fields.Integer(related="batch_id.total_count", string="To Process",
                                       help="How many invoices the background job sends.")
    batch_result_html = fields.Html(related="batch_id.result_html", string="Background Outcome",
                                    help="What happened to each invoice so far.")

    @api.depends("move_ids")
    def _compute_check(self):
        threshold = self.env["l10n_fr_chorus.send.batch"]._threshold()
        for wizard in self:
            ready = self.env["account.move"]
            rows = []
            for move in wizard.move_ids:
                errors = move._l10n_fr_chorus_check()
                if errors:
                    rows.append((move, errors))
                else:
                    ready |= move
            wizard.ready_move_ids = ready
            wizard.ready_count = len(ready)
            wizard.blocked_count = len(rows)
            wizard.background = len(ready) >= threshold
            wizard.blocked_html = self._blocked_table(rows) if rows else False

    @api.model
    def _blocked_table(self, rows):
        """One line per blocked invoice: its full number, its client, and what to fix (without the number the
        check's messages start with)."""
        body = Markup("")
        for move, errors in rows:
            prefix = _("%(invoice)s: ", invoice=move.name or _("draft invoice"))
            reasons = [error[len(prefix):] if error.startswith(prefix) else error for error in errors]
            items = Markup("").join(Markup("<li>%s</li>") % escape(reason[:1].upper() + reason[1:])
                                    for reason in reasons)
            body += Markup('<tr><td class="text-nowrap fw-bold">%s</td><td>%s</td><td><ul class="mb-0 ps-3">%s</ul>'
                           "</td></tr>") % (move.name or _("Draft"), move.partner_id.display_name, items)
        head = Markup("<thead><tr><th>%s</th><th>%s</th><th>%s</th></tr></thead>") % (
            _("Invoice"), _("Customer"), _("What to do"))
        return Markup('<table class="table table-sm mb-0">%s<tbody>%s</tbody></table>') % (head, body)

    @api.model
    def _html_list(self, lines, css=""):
        items = Markup("").join(Markup("<li>%s</li>") % escape(line) for line in lines)
        return Markup('<ul class="%s">%s</ul>') % (css, items)

    def _action_open(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Send to Chorus Pro"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "context": {"dialog_size": "extra-large"},
        }

    def action_send(self):
        self.ensure_one()
        moves = self.ready_move_ids
        if self.background:
            batch = self.env["l10n_fr_chorus.send.batch"]._enqueue(moves)
            self.write({"state": "background", "batch_id": batch.id})
            return self._action_open()
        commit = self.env["account.move.send"]._can_commit()
        results = moves._l10n_fr_chorus_send(commit=commit)
        sent = [message for ok, message in results.values() if ok]
        failed = [message for ok, message in results.values() if not ok]
        html = Markup("")
        if sent:
            html += Markup("<p><strong>%s</strong></p>") % _("Sent: %(count)s", count=len(sent))
            html += self._html_list(sent, "text-success")
        if failed:
            html += Markup("<p><strong>%s</strong></p>") % _("Not sent: %(count)s", count=len(failed))
            html += self._html_list(failed, "text-danger")
        if not results:
            html = Markup("<p>%s</p>") % _("Nothing was sent.")
        self.write({"state": "done", "result_html": html})
        return self._action_open()

    def action_refresh(self):
        """« Refresh »: the background send's progress as it is now."""
        self.ensure_one()
        return self._action_open()
