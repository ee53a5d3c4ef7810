"""The client secret and the technical password were stored in plain text: encrypt them, then drop the columns."""

import logging

from odoo.tools import SQL
from odoo.tools.sql import column_exists

from odoo.addons.l10n_fr_chorus_pro import credentials

_logger = logging.getLogger(__name__)

LEGACY_COLUMNS = {
    "l10n_fr_chorus_client_secret": "l10n_fr_chorus_client_secret_crypt",
    "l10n_fr_chorus_password": "l10n_fr_chorus_password_crypt",
}


def migrate(cr, version):
    for legacy, crypt in LEGACY_COLUMNS.items():
        if not column_exists(cr, "res_company", legacy):
            continue
        cr.execute(SQL("SELECT id, %(col)s FROM res_company WHERE COALESCE(%(col)s, '') != ''",
                       col=SQL.identifier(legacy)))
        for company_id, value in cr.fetchall():
            cr.execute(SQL("UPDATE res_company SET %s = %s WHERE id = %s",
                           SQL.identifier(crypt), credentials.encrypt(value), company_id))
        cr.execute(SQL("ALTER TABLE res_company DROP COLUMN %s", SQL.identifier(legacy)))
        _logger.info("Chorus Pro: %s encrypted into %s, plain column dropped", legacy, crypt)
