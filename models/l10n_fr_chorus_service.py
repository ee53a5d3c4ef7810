from odoo import fields, models


class L10nFrChorusService(models.Model):
    _name = "l10n_fr_chorus.service"
    _description = "Chorus Pro Service of a Public Buyer"
    _order = "partner_id, active desc, code"
    _rec_names_search = ["code", "name"]

    partner_id = fields.Many2one(
        "res.partner",
        string="Public Buyer",
        required=True,
        ondelete="cascade",
        index=True,
        help="The public structure (Client Chorus Pro) this service belongs to.",
    )
    company_id = fields.Many2one(
        related="partner_id.company_id",
        store=True,
        string="Company",
        help="Company of the public buyer's contact, if it is restricted to one company.",
    )
    code = fields.Char(string="Service Code", required=True, help="Code of the service (« service exécutant »).")
    name = fields.Char(string="Service Name", required=True, help="Name of the service on Chorus Pro.")
    chorus_id = fields.Char(string="Chorus Pro Service ID", help="idService on Chorus Pro.")
    active = fields.Boolean(
        default=True,
        help="Inactive services cannot receive invoices on Chorus Pro.",
    )
    commitment_required = fields.Boolean(
        string="Commitment Number Required",
        help="Invoices sent to this service must carry a commitment number (engagement juridique).",
    )

    _sql_constraints = [
        ("partner_code_unique", "unique(partner_id, code)", "A service code appears once per public buyer."),
    ]

    def _compute_display_name(self):
        for service in self:
            service.display_name = f"{service.code} - {service.name}" if service.name else service.code
