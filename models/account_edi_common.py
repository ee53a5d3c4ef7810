from odoo import models

# cr.cache key of the UNECE codes of the units of measure already looked up by this cursor
UNECE_CODES_KEY = "l10n_fr_chorus_pro.unece_codes"


class AccountEdiCommon(models.AbstractModel):
    _inherit = "account.edi.common"

    def _get_uom_unece_code(self, uom):
        """Odoo looks the unit's external id up in the database for every line of every invoice; a unit's code
        does not change, so each unit is looked up once per cursor (a scheduled send, a request)."""
        codes = self.env.cr.cache.setdefault(UNECE_CODES_KEY, {})
        if uom.id not in codes:
            codes[uom.id] = super()._get_uom_unece_code(uom)
        return codes[uom.id]
