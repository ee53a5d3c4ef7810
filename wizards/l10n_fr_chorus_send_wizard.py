from markupsafe import Markup, escape

from odoo import _, api, fields, models


class L10nFrChorusSendWizard(models.TransientModel):
    _name = "l10n_fr_chorus.send.wizard"
    _description = "Send Invoices to Chorus Pro"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True,
                                help="The invoices chosen for Chorus Pro.")
    ready_move_ids = fields.Many2many("account.move", string="Will Be Sent", compute="_compute_check",
                                      help="Invoices that pass every check and will be deposited.")
    blocked_count = fields.Integer(string="Cannot Be Sent", compute="_compute_check",
                                   help="Invoices that cannot be sent as they are.")
    blocked_html = fields.Html(string="What Blocks", compute="_compute_check", sanitize=False,
                               help="Why some invoices cannot be sent, and what to fix.")
    state = fields.Selection([("check", "Check"), ("done", "Done")], string="Step", default="check",
                             help="The wizard first shows what will be sent, then the outcome.")
    result_html = fields.Html(string="Outcome", readonly=True, sanitize=False,
                              help="What happened to each invoice.")

    @api.depends("move_ids")
    def _compute_check(self):
        for wizard in self:
            ready = self.env["account.move"]
            problems = []
            for move in wizard.move_ids:
                errors = move._l10n_fr_chorus_check()
                if errors:
                    problems.extend(errors)
                else:
                    ready |= move
            wizard.ready_move_ids = ready
            wizard.blocked_count = len(wizard.move_ids) - len(ready)
            count = wizard.blocked_count
            title = (_("This invoice cannot be sent:") if count == 1
                     else _("%(count)s invoices cannot be sent:", count=count))
            wizard.blocked_html = (Markup("<p><strong>%s</strong></p>") % title + self._html_list(problems)
                                   if problems else False)

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
        }

    def action_send(self):
        self.ensure_one()
        moves = self.ready_move_ids
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
