from odoo import api, models


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    @api.model
    def _build_wkhtmltopdf_args(self, paperformat_id, landscape, specific_paperformat_args=None,
                                set_viewport_size=False):
        """The JavaScript delay of this module's renderings (context key ``l10n_fr_chorus_print_delay``, see
        ``l10n_fr_chorus.document.pdf._report_engine``); every other rendering keeps ``report.print_delay``."""
        args = super()._build_wkhtmltopdf_args(paperformat_id, landscape,
                                               specific_paperformat_args=specific_paperformat_args,
                                               set_viewport_size=set_viewport_size)
        delay = self.env.context.get("l10n_fr_chorus_print_delay")
        if delay is not None and "--javascript-delay" in args:
            args[args.index("--javascript-delay") + 1] = str(delay)
        return args
