from datetime import timedelta
from itertools import islice

from odoo import api, models

from ..chorus_client import WORKS_BILLING_FRAMES
from .l10n_fr_chorus_sync import SYNC_BATCH


class L10nFrChorusWorksSync(models.AbstractModel):
    """Works pieces in the status sync: facturesTravaux/rechercher gives each piece's status in the MOE / MOA
    circuit and its billing file. Run by the scheduled sync (l10n_fr_chorus.sync) after the invoice search, over the
    same period, only while the company has works pieces to follow."""

    _name = "l10n_fr_chorus.works.sync"
    _description = "Chorus Pro Works Piece Sync"

    @api.model
    def _followed(self, company):
        return self.env["account.move"].sudo().search_count([
            ("company_id", "=", company.id), ("l10n_fr_chorus_flow_id", "!=", False),
            ("l10n_fr_chorus_billing_frame", "in", list(WORKS_BILLING_FRAMES)),
            ("l10n_fr_chorus_is_final", "=", False)], limit=1)

    @api.model
    def _sync(self, company, client, since, until, commit=False):
        """Apply the works pieces changed in the period; False when a page could not be applied (the period is
        searched again next time)."""
        if not self._followed(company):
            return True
        pieces = client.find_works_pieces(changed_from=since, changed_to=until)
        return self.env["l10n_fr_chorus.sync"]._apply_pages(company, pieces, self._apply_batch, commit)

    @api.model
    def _refresh(self, moves, client):
        """« Mettre à jour le statut » on works pieces of one company: their status and billing file from the works
        listing, since the oldest of their deposits."""
        pieces = moves.filtered(lambda m: m.l10n_fr_chorus_billing_frame in WORKS_BILLING_FRAMES
                                and m.l10n_fr_chorus_flow_id.deposit_date)
        if not pieces:
            return
        since = min(pieces.l10n_fr_chorus_flow_id.mapped("deposit_date")) - timedelta(minutes=10)
        listed = client.find_works_pieces(changed_from=since)
        while batch := list(islice(listed, SYNC_BATCH)):
            self._apply_batch(pieces.company_id, batch)

    @api.model
    def _apply_batch(self, company, batch):
        Move = self.env["account.move"].sudo()
        base = [("company_id", "=", company.id), ("l10n_fr_chorus_flow_id", "!=", False),
                ("l10n_fr_chorus_billing_frame", "in", list(WORKS_BILLING_FRAMES))]
        linked = {m.l10n_fr_chorus_invoice_cpp: m for m in Move.search(
            [*base, ("l10n_fr_chorus_invoice_cpp", "in", [piece.cpp_id for piece in batch])])}
        missing = [piece.number for piece in batch if piece.cpp_id not in linked]
        unlinked = {m.name: m for m in Move.search([
            *base, ("l10n_fr_chorus_invoice_cpp", "=", False), ("l10n_fr_chorus_rejection", "=", False),
            ("name", "in", missing)])} if missing else {}
        for piece in batch:
            move = linked.get(piece.cpp_id) or unlinked.get(piece.number)
            if move is None:
                continue
            vals = {}
            if not move.l10n_fr_chorus_invoice_cpp:
                vals["l10n_fr_chorus_invoice_cpp"] = piece.cpp_id
            if piece.billing_file and piece.billing_file != move.l10n_fr_chorus_billing_file:
                vals["l10n_fr_chorus_billing_file"] = piece.billing_file
            if not move.l10n_fr_chorus_is_final:
                move._l10n_fr_chorus_apply_status(piece.state, observed=True, vals=vals)  # one write
            elif vals:
                move._l10n_fr_chorus_write(vals)
