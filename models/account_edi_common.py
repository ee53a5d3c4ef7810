from functools import partial

from odoo import models

from .cursor_memo import once_per_cursor

# cr.cache key of the UNECE codes of the units of measure already looked up by this cursor
UNECE_CODES_KEY = "l10n_fr_chorus_pro.unece_codes"


class AccountEdiCommon(models.AbstractModel):
    _inherit = "account.edi.common"

    def _get_uom_unece_code(self, uom):
        """Odoo looks the unit's external id up in the database for every line of every invoice; a unit's code
        does not change, so each unit is looked up once per cursor (a scheduled send, a request)."""
        return once_per_cursor(self.env, UNECE_CODES_KEY, uom.id, partial(super()._get_uom_unece_code, uom))
