from odoo import models

# cr.cache key of the country groups already found to exist by this cursor while it builds Chorus Pro documents
EXISTING_GROUPS_KEY = "l10n_fr_chorus_pro.existing_country_groups"


class ResCountryGroup(models.Model):
    _inherit = "res.country.group"

    def exists(self):
        """Odoo's UBL/CII export calls ``env.ref('base.europe')`` for every tax of every line, and each call asks
        the database whether the group still exists (6 queries per UBL invoice). While this addon builds its
        documents, a group found once is known to exist for the rest of the cursor; deleting one forgets them."""
        if not self.env.context.get("l10n_fr_chorus_document"):
            return super().exists()
        known = self.env.cr.cache.setdefault(EXISTING_GROUPS_KEY, set())
        unknown = self.browse(set(self._ids) - known)
        if unknown:
            known.update(super(ResCountryGroup, unknown).exists()._ids)
        return self.browse(record_id for record_id in self._ids if record_id in known)

    def unlink(self):
        self.env.cr.cache.pop(EXISTING_GROUPS_KEY, None)
        return super().unlink()
