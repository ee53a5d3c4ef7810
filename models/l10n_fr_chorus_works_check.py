from odoo import _, api, models

from ..chorus_client import WORKS_BILLING_FRAMES, WORKS_MOE_FRAMES, WORKS_PIECES, WORKS_PREVIOUS_FRAMES

FRAME_ROLE = {frame: role for frames in WORKS_PIECES.values() for role, frame in frames.items()}


class L10nFrChorusWorksCheck(models.AbstractModel):
    """What Chorus Pro refuses in a contract's invoice or a works piece, checked before the deposit: the contract's
    circuit, the project manager (MOE), the kind of contractor, the previous piece."""

    _name = "l10n_fr_chorus.works.check"
    _description = "Chorus Pro Works Piece Checks"

    @api.model
    def _frame_label(self, frame):
        selection = self.env["account.move"]._fields["l10n_fr_chorus_billing_frame"]._description_selection(self.env)
        return dict(selection).get(frame, frame)

    @api.model
    def _static_errors(self, move):
        """What the piece itself gets wrong (project manager, kind of contractor), whatever Chorus Pro holds."""
        return self._errors(move, static=True)

    @api.model
    def _errors(self, move, static=False):
        errors = []
        contract = move.l10n_fr_chorus_contract_id
        frame = move.l10n_fr_chorus_billing_frame
        if contract and not contract.chorus_transfer:
            errors.append(_("the contract %(contract)s is invoiced outside Chorus Pro: untick « Transfer via Chorus "
                            "Pro » on the invoice, or tick it on the contract.", contract=contract.display_name))
        if frame not in WORKS_BILLING_FRAMES:
            return errors
        label = self._frame_label(frame)
        if frame in WORKS_MOE_FRAMES:
            moe = move.l10n_fr_chorus_moe_id.commercial_partner_id
            if not moe:
                errors.append(_("a « %(frame)s » goes to the project manager (MOE) first: choose the project manager "
                                "on the contract or in the invoice's Chorus Pro tab.", frame=label))
            elif not moe.siret:
                errors.append(_("the project manager %(moe)s has no SIRET: Chorus Pro identifies it by its SIRET, "
                                "fill it in on its contact form.", moe=moe.display_name))
        role = FRAME_ROLE.get(frame)
        if contract and role and contract.contractor_role != role:
            roles = dict(contract._fields["contractor_role"]._description_selection(self.env))
            errors.append(_("a « %(frame)s » is deposited by a %(frame_role)s, but on the contract %(contract)s the "
                            "company is %(role)s: choose the billing frame of its kind.", frame=label,
                            frame_role=roles.get(role), contract=contract.display_name,
                            role=roles.get(contract.contractor_role)))
        expected = WORKS_PREVIOUS_FRAMES.get(frame)
        if expected and not static:
            previous = move.l10n_fr_chorus_previous_piece_id
            names = ", ".join(self._frame_label(code) for code in sorted(expected))
            if not previous:
                errors.append(_("a « %(frame)s » follows a « %(expected)s » of the same billing file: choose it as "
                                "« Previous Piece » in the invoice's Chorus Pro tab.", frame=label, expected=names))
            elif previous.l10n_fr_chorus_billing_frame not in expected:
                errors.append(_("the previous piece %(previous)s is a « %(previous_frame)s »; a « %(frame)s » follows "
                                "a « %(expected)s ».", previous=previous.name,
                                previous_frame=self._frame_label(previous.l10n_fr_chorus_billing_frame),
                                frame=label, expected=names))
            elif not previous.l10n_fr_chorus_invoice_cpp:
                errors.append(_("the previous piece %(previous)s is not on Chorus Pro yet: send it first.",
                                previous=previous.name))
        return errors
