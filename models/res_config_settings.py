from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    l10n_fr_chorus_environment = fields.Selection(
        related="company_id.l10n_fr_chorus_environment", readonly=False, groups="base.group_system"
    )
    l10n_fr_chorus_sandbox_url = fields.Char(
        related="company_id.l10n_fr_chorus_sandbox_url", readonly=False, groups="base.group_system"
    )
    l10n_fr_chorus_client_id = fields.Char(
        related="company_id.l10n_fr_chorus_client_id", readonly=False, groups="base.group_system"
    )
    l10n_fr_chorus_client_secret = fields.Char(
        related="company_id.l10n_fr_chorus_client_secret", readonly=False, groups="base.group_system"
    )
    l10n_fr_chorus_login = fields.Char(
        related="company_id.l10n_fr_chorus_login", readonly=False, groups="base.group_system"
    )
    l10n_fr_chorus_password = fields.Char(
        related="company_id.l10n_fr_chorus_password", readonly=False, groups="base.group_system"
    )
    l10n_fr_chorus_start_date = fields.Date(
        related="company_id.l10n_fr_chorus_start_date", readonly=False, groups="base.group_system"
    )
    l10n_fr_chorus_format = fields.Selection(
        related="company_id.l10n_fr_chorus_format", readonly=False, groups="base.group_system"
    )
    l10n_fr_chorus_secret_expiry = fields.Date(
        related="company_id.l10n_fr_chorus_secret_expiry", readonly=False, groups="base.group_system"
    )
    l10n_fr_chorus_password_expiry = fields.Date(
        related="company_id.l10n_fr_chorus_password_expiry", groups="base.group_system"
    )
    l10n_fr_chorus_structure_name = fields.Char(
        related="company_id.l10n_fr_chorus_structure_name", groups="base.group_system"
    )

    l10n_fr_chorus_group_size = fields.Integer(
        related="company_id.l10n_fr_chorus_group_size", readonly=False, groups="base.group_system"
    )
    l10n_fr_chorus_followup_user_id = fields.Many2one(
        related="company_id.l10n_fr_chorus_followup_user_id", readonly=False, groups="base.group_system"
    )

    # the set-up checklist (res_company_chorus_setup.py)
    l10n_fr_chorus_setup_result = fields.Selection(
        related="company_id.l10n_fr_chorus_setup_result", groups="base.group_system")
    l10n_fr_chorus_setup_message = fields.Text(
        related="company_id.l10n_fr_chorus_setup_message", groups="base.group_system")
    l10n_fr_chorus_setup_date = fields.Datetime(
        related="company_id.l10n_fr_chorus_setup_date", groups="base.group_system")
    l10n_fr_chorus_step_piste = fields.Selection(
        related="company_id.l10n_fr_chorus_step_piste", groups="base.group_system")
    l10n_fr_chorus_step_registered = fields.Selection(
        related="company_id.l10n_fr_chorus_step_registered", groups="base.group_system")
    l10n_fr_chorus_step_account = fields.Selection(
        related="company_id.l10n_fr_chorus_step_account", groups="base.group_system")
    l10n_fr_chorus_step_api_connection = fields.Selection(
        related="company_id.l10n_fr_chorus_step_api_connection", groups="base.group_system")
    l10n_fr_chorus_step_odoo = fields.Selection(
        related="company_id.l10n_fr_chorus_step_odoo", groups="base.group_system")

    def action_l10n_fr_chorus_test_connection(self):
        self.ensure_one()
        return self.company_id.action_l10n_fr_chorus_test_connection()
