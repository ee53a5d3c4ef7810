"""The deposited file was only on the flow: mark it as deposited, and attach it to each invoice of the flow."""

import logging

from odoo import SUPERUSER_ID, api

from odoo.addons.l10n_fr_chorus_pro.models.chorus_facts import as_addon

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    Attachment = as_addon(env["ir.attachment"])
    flows = env["l10n_fr_chorus.flow"].search([("attachment_id", "!=", False)])
    copies = []
    for flow in flows:
        attachment = flow.attachment_id
        as_addon(attachment).write({"l10n_fr_chorus_flow_id": flow.id})
        attached = set(Attachment.search([("l10n_fr_chorus_flow_id", "=", flow.id),
                                          ("res_model", "=", "account.move")]).mapped("res_id"))
        copies += [{"name": attachment.name, "raw": attachment.raw, "res_model": "account.move", "res_id": move.id,
                    "l10n_fr_chorus_flow_id": flow.id} for move in flow.move_ids if move.id not in attached]
    Attachment.create(copies)
    _logger.info("Chorus Pro: %s deposited files marked, %s attached to their invoices", len(flows), len(copies))
