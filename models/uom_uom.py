from odoo import models

from .cursor_memo import once_per_cursor

# cr.cache key of the UNECE codes (Odoo's account mapping) of the units already looked up by this cursor
UNECE_CODES_KEY = "l10n_fr_chorus_pro.uom_unece_codes"


class UomUom(models.Model):
    _inherit = "uom.uom"

    def _get_unece_code(self):
        """Odoo's invoice export values look each line's product unit up in ``ir.model.data`` (2 queries per
        2-line invoice); a unit's external ids do not change, so each unit is looked up once per cursor."""
        return once_per_cursor(self.env, UNECE_CODES_KEY, self.id, super()._get_unece_code)
