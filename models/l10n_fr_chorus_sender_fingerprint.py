from odoo import _, api, models

# What a document is made of, as the versions of its rows: PostgreSQL gives an updated row a new xmin (the
# transaction that made it) and a new ctid (even within one transaction), whoever updates it. The rows: the
# invoice, its lines, partners, bank account, journal, company, contract, services, previous piece and supporting
# documents. The same fingerprint before the intent means the document built ahead is still the invoice's.
_V = "{0}.id || ':' || {0}.xmin::text || {0}.ctid::text"
FINGERPRINT_SQL = f"""
    SELECT m.id, md5(concat_ws('|', {_V.format("m")}, {_V.format("c")},
        (SELECT string_agg({_V.format("l")}, ',' ORDER BY l.id) FROM account_move_line l WHERE l.move_id = m.id),
        (SELECT string_agg({_V.format("p")}, ',' ORDER BY p.id) FROM res_partner p
          WHERE p.id IN (m.partner_id, m.commercial_partner_id, m.partner_shipping_id, m.l10n_fr_chorus_moe_id,
                         c.partner_id)),
        (SELECT {_V.format("b")} FROM res_partner_bank b WHERE b.id = m.partner_bank_id),
        (SELECT {_V.format("j")} FROM account_journal j WHERE j.id = m.journal_id),
        (SELECT {_V.format("k")} FROM l10n_fr_chorus_contract k WHERE k.id = m.l10n_fr_chorus_contract_id),
        (SELECT {_V.format("v")} FROM account_move v WHERE v.id = m.l10n_fr_chorus_previous_piece_id),
        (SELECT string_agg({_V.format("s")}, ',' ORDER BY s.id) FROM l10n_fr_chorus_service s
          WHERE s.partner_id = m.commercial_partner_id),
        (SELECT string_agg({_V.format("a")}, ',' ORDER BY a.id) FROM l10n_fr_chorus_move_attachment_rel r
           JOIN ir_attachment a ON a.id = r.attachment_id WHERE r.move_id = m.id)))
      FROM account_move m JOIN res_company c ON c.id = m.company_id
     WHERE m.id IN %s
"""


class L10nFrChorusSender(models.AbstractModel):
    """Is the document built ahead still the invoice's? Compared just before the intent, under the row locks."""

    _inherit = "l10n_fr_chorus.sender"

    @api.model
    def _fingerprints(self, moves, lock=False):
        """``{invoice id: fingerprint}`` of what each invoice's document is made of (see ``FINGERPRINT_SQL``);
        ``lock``: the invoices' rows stay locked until the commit (None when one of them was changed since this
        transaction began)."""
        if lock:  # the rows locked by the same statement, in the order of their ids
            rows = self._select_locking(FINGERPRINT_SQL + " ORDER BY m.id FOR NO KEY UPDATE OF m", moves.ids)
            return None if rows is None else dict(rows)
        self.env.cr.execute(FINGERPRINT_SQL, [tuple(moves.ids)])
        return dict(self.env.cr.fetchall())

    @api.model
    def _still_ready(self, moves, run):
        """Before the intent: ``(invoices to deposit, outcome of the others)``. The invoices' rows are locked;
        one changed since its document was built is checked again and its document dropped (built again)."""
        current = self._fingerprints(moves, lock=True)
        if current is None:  # changed by another transaction meanwhile: next run
            outcome = {}
            for move in moves:
                outcome.update(self._busy(move))
            return moves.browse(), outcome
        ready, outcome = moves.browse(), {}
        for move in moves:
            built = run.built.get(move.id)
            if built and built.fingerprint == current.get(move.id):
                ready |= move
                continue
            run.built.pop(move.id, None)
            move.invalidate_recordset()
            if run.companies.get(move.id, move.company_id.id) != move.company_id.id:  # its group is another's
                outcome[move] = (False, _("%(invoice)s moved to another company while it was being sent: it "
                                          "will be sent by the next run.", invoice=move.name))
                continue
            checked = self._check(move, run)
            if checked[move] is None:
                ready |= move
            else:
                outcome.update(checked)
        return ready, outcome
