"""The accountant's Chorus Pro overview: one card per company and follow-up category, read from stored fields."""

from datetime import datetime, time, timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL

# The categories partition every invoice transferred to Chorus Pro (state not « not concerned »): the state first
# (to send, in error), then the stored follow-up summary (to handle, in progress, payment initiated, rejected).
CATEGORIES = [
    ("to_send", "To send"),
    ("error", "In error"),
    ("to_handle", "To handle"),
    ("in_progress", "In progress"),
    ("paid", "Payment initiated"),
    ("rejected", "Rejected"),
]
CATEGORY_DOMAINS = {
    "to_send": [("l10n_fr_chorus_state", "=", "to_send")],
    "error": [("l10n_fr_chorus_state", "=", "error")],
    "to_handle": [("l10n_fr_chorus_summary", "=", "to_handle"), ("l10n_fr_chorus_state", "!=", "error")],
    "in_progress": [("l10n_fr_chorus_summary", "=", "in_progress")],
    "paid": [("l10n_fr_chorus_summary", "=", "paid")],
    "rejected": [("l10n_fr_chorus_summary", "=", "rejected")],
}
# Final categories: nothing is waiting, so nothing is « stuck ».
FINAL_CATEGORIES = ("paid", "rejected")
DEFAULT_STUCK_DAYS = 15


class L10nFrChorusOverview(models.Model):
    _name = "l10n_fr_chorus.overview"
    _description = "Chorus Pro Overview"
    _auto = False
    _order = "company_id, sequence"
    _rec_name = "category"

    company_id = fields.Many2one("res.company", readonly=True,
                                 help="The company whose invoices are counted.")
    currency_id = fields.Many2one("res.currency", readonly=True,
                                  help="The company's currency, in which the amounts are added up.")
    category = fields.Selection(CATEGORIES, string="Chorus Pro Follow-up", readonly=True,
                                help="To send: posted, not deposited yet. In error: the last attempt failed. To "
                                "handle: Chorus Pro suspended it or asks for a change. In progress: on its way on "
                                "Chorus Pro. Payment initiated. Rejected.")
    sequence = fields.Integer(readonly=True, help="Order of the cards.")
    invoice_count = fields.Integer(string="Invoices", readonly=True, help="Invoices and credit notes in this state.")
    amount_total = fields.Monetary(string="Amount", readonly=True, currency_field="currency_id",
                                   help="Total amount, taxes included, in the company's currency (credit notes "
                                   "count negatively).")
    oldest_date = fields.Datetime(string="Waiting Since", readonly=True,
                                  help="When the invoice that has waited longest in this state got there (its last "
                                  "Chorus Pro status, or its invoice date when it has none).")
    oldest_move_id = fields.Many2one("account.move", string="Oldest Invoice", readonly=True,
                                     help="The invoice that has waited longest in this state.")
    stuck_count = fields.Integer(string="Stuck", readonly=True,
                                 help="Invoices in this state for longer than the number of days set in the system "
                                 "parameter l10n_fr_chorus_pro.stuck_days (15 by default).")
    stuck_days = fields.Integer(string="Stuck After (Days)", compute="_compute_stuck_days",
                                help="After how many days in the same state an invoice counts as stuck.")

    @api.model
    def _stuck_days(self):
        value = self.env["ir.config_parameter"].sudo().get_param("l10n_fr_chorus_pro.stuck_days")
        try:
            return max(int(value), 1) if value else DEFAULT_STUCK_DAYS
        except ValueError:
            return DEFAULT_STUCK_DAYS

    @api.model
    def _stuck_limit(self):
        """Midnight (UTC) N days ago: an invoice waiting since before it is stuck."""
        return datetime.combine(fields.Date.today() - timedelta(days=self._stuck_days()), time.min)

    def _compute_stuck_days(self):
        days = self._stuck_days()
        for row in self:
            row.stuck_days = days

    @property
    def _table_query(self):
        categories = SQL(", ").join(
            SQL("(%s, %s)", code, sequence) for sequence, (code, _label) in enumerate(CATEGORIES, start=1))
        limit = self._stuck_limit()
        # 10 * company id + sequence: a stable id per card
        return SQL(
            """
            WITH categories(category, sequence) AS (VALUES %(categories)s),
            moves AS (
                SELECT move.id, move.company_id, move.amount_total_signed,
                       COALESCE(move.l10n_fr_chorus_status_date, move.invoice_date::timestamp,
                                move.create_date) AS since,
                       CASE WHEN move.l10n_fr_chorus_state IN ('to_send', 'error') THEN move.l10n_fr_chorus_state
                            ELSE move.l10n_fr_chorus_summary END AS category
                  FROM account_move move
                 WHERE move.l10n_fr_chorus_state IN
                       ('to_send', 'sending', 'deposited', 'integrated', 'paid', 'rejected', 'error')
            )
            SELECT 10 * company.id + categories.sequence AS id,
                   company.id AS company_id,
                   company.currency_id AS currency_id,
                   categories.category AS category,
                   categories.sequence AS sequence,
                   COUNT(moves.id) AS invoice_count,
                   COALESCE(SUM(moves.amount_total_signed), 0) AS amount_total,
                   MIN(moves.since) AS oldest_date,
                   (ARRAY_AGG(moves.id ORDER BY moves.since, moves.id))[1] AS oldest_move_id,
                   CASE WHEN categories.category IN %(final)s THEN 0
                        ELSE COUNT(moves.id) FILTER (WHERE moves.since < %(limit)s) END AS stuck_count
              FROM res_company company
             CROSS JOIN categories
              LEFT JOIN moves ON moves.company_id = company.id AND moves.category = categories.category
             GROUP BY company.id, company.currency_id, categories.category, categories.sequence
            """,
            categories=categories,
            final=FINAL_CATEGORIES,
            limit=limit,
        )

    # ------------------------------------------------------------------------------------------
    # Opening the invoices behind a card
    # ------------------------------------------------------------------------------------------
    def _invoice_domain(self, stuck=False):
        self.ensure_one()
        domain = [("company_id", "=", self.company_id.id), *CATEGORY_DOMAINS[self.category]]
        if stuck:
            limit = self._stuck_limit()
            domain += ["|", ("l10n_fr_chorus_status_date", "<", limit),
                       "&", ("l10n_fr_chorus_status_date", "=", False),
                       ("invoice_date", "<", fields.Date.to_date(limit))]
        return domain

    def _invoice_action(self, name, domain):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "account.move",
            "view_mode": "list,form,pivot,graph",
            "views": [
                (self.env.ref("account.view_out_invoice_tree").id, "list"),
                (False, "form"),
                (self.env.ref("l10n_fr_chorus_pro.view_move_pivot_l10n_fr_chorus").id, "pivot"),
                (self.env.ref("l10n_fr_chorus_pro.view_move_graph_l10n_fr_chorus").id, "graph"),
            ],
            "search_view_id": [self.env.ref("account.view_account_invoice_filter").id, "search"],
            "domain": domain,
            "context": {"default_move_type": "out_invoice", "create": False},
        }

    def _category_label(self):
        return dict(self._fields["category"]._description_selection(self.env))[self.category]

    def action_open_invoices(self):
        return self._invoice_action(_("Chorus Pro: %(category)s", category=self._category_label()),
                                    self._invoice_domain())

    def action_open_stuck(self):
        return self._invoice_action(
            _("Chorus Pro: %(category)s for more than %(days)s days", category=self._category_label(),
              days=self._stuck_days()),
            self._invoice_domain(stuck=True))

    def action_open_oldest(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.oldest_move_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
