from markupsafe import Markup

from odoo import _, api, models
from odoo.exceptions import UserError


class L10nFrChorusFollowUp(models.AbstractModel):
    """What a person must do after a Chorus Pro decision: an activity for the salesperson, closed when the invoice
    moves on."""

    _name = "l10n_fr_chorus.follow.up"
    _description = "Chorus Pro Follow-up"

    @api.model
    def _user(self, move):
        """Who acts on the invoice: its salesperson, else the company's follow-up user, else the current user —
        never OdooBot (invoices created by imports or scheduled actions carry it), whom nobody reads."""
        for user in (move.invoice_user_id, move.company_id.l10n_fr_chorus_followup_user_id, self.env.user):
            if user and user.active and not user._is_superuser():
                return user
        return move.invoice_user_id or self.env.user

    @api.model
    def _for_user(self, move):
        """This model and ``move`` in the language of the user the activity is for."""
        lang = self._user(move).lang or self.env.lang
        return self.with_context(lang=lang), move.with_context(lang=lang)

    @api.model
    def _on_status(self, move, status, comment=None):
        """An activity when the buyer needs something; close it when the invoice moves on."""
        self, move = self._for_user(move)
        notes = {
            "SUSPENDUE": _("The buyer suspended the invoice: a document is missing. Press « Complete on Chorus "
                           "Pro » on the invoice to send the documents and a comment, so that processing resumes."),
            "A_RECYCLER": _("The buyer asks to recycle the invoice: press « Recycle » on the invoice to correct the "
                            "service or the commitment number; the invoice keeps its number."),
            "REJETEE": _("The buyer rejected the invoice; Chorus Pro keeps its number. Press « Replace the Rejected "
                         "Invoice »: a credit note (not sent to Chorus Pro) cancels it in the books and a new invoice "
                         "is prepared, ready to send."),
            "REFUSEE_MOE": _("The project manager (MOE) refused this works piece, which stops its billing circuit. "
                             "Press « Issue a New Piece »: a credit note (not sent to Chorus Pro) cancels it in the "
                             "books and a new piece is prepared, ready to correct and send."),
            "REFUSEE_MOA": _("The buyer (MOA) refused this works piece, which stops its billing circuit. Press "
                             "« Issue a New Piece »: a credit note (not sent to Chorus Pro) cancels it in the books "
                             "and a new piece is prepared, ready to correct and send."),
        }
        activity_type = self.env.ref("l10n_fr_chorus_pro.mail_activity_type_chorus")
        label = move._l10n_fr_chorus_status_label(status)
        open_activities = move.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        if open_activities:
            open_activities.action_feedback(feedback=_("Chorus Pro status is now %(status)s.", status=label))
        if status in notes:
            note = notes[status] + (Markup("<br/>") + _("Comment: %(comment)s", comment=comment) if comment else "")
            move.activity_schedule(
                activity_type_id=activity_type.id,
                summary=_("Chorus Pro: %(status)s", status=label),
                note=note,
                user_id=self._user(move).id,
            )

    @api.model
    def _hints(self, reason):
        """What to fix, and where, for Chorus Pro's reason (AIFE's French wording)."""
        text = (reason or "").lower()
        rules = [
            (("identifiant fournisseur",), _("the company's SIRET (Settings › Companies), and that the technical "
                                             "account may deposit for it on Chorus Pro")),
            (("identifiant destinataire", "est inactive"), _("the client's SIRET; then press « Check on Chorus "
                                                              "Pro » on the client")),
            (("code service", "le service"), _("the buyer's service, on the invoice's Chorus Pro tab (press « Check "
                                               "on Chorus Pro » on the client to refresh its services)")),
            (("engagement",), _("the commitment number (« engagement juridique »), on the invoice's Chorus Pro tab")),
            (("numéro de la facture",), _("the invoice number: shorten the journal's sequence prefix")),
            (("moyen de paiement",), _("the bank account (Recipient Bank) of the invoice")),
            (("devise",), _("the currency: Chorus Pro takes invoices in euros")),
            (("montants",), _("the invoice lines, taxes and rounding")),
        ]
        found = [hint for keys, hint in rules if any(key in text for key in keys)]
        return (" " + _("What to fix: %(hints)s.", hints="; ".join(found))) if found else ""

    @api.model
    def _on_rejection(self, move, reason):
        """Chorus Pro refused the deposited invoice (flow rejected, or this invoice in a partial flow)."""
        self, move = self._for_user(move)
        reason += self._hints(reason)
        if move.l10n_fr_chorus_rejection == reason:
            return
        move._l10n_fr_chorus_write({"l10n_fr_chorus_rejection": reason})
        activity_type = self.env.ref("l10n_fr_chorus_pro.mail_activity_type_chorus")
        move.activity_schedule(
            activity_type_id=activity_type.id,
            summary=_("Chorus Pro refused the invoice"),
            note=_("%(reason)s Fix the invoice, then send it again.", reason=reason),
            user_id=self._user(move).id,
        )


    @api.model
    def _replace(self, moves):
        """Invoices the buyer rejected: cancelled in the books by a credit note that is not transferred (it says
        why), and copied into new draft invoices (new numbers once confirmed); opens them."""
        new_moves = self.env["account.move"]
        activity_type = self.env.ref("l10n_fr_chorus_pro.mail_activity_type_chorus")
        for move in moves:
            if not move._l10n_fr_chorus_can_replace() or move.payment_state == "reversed":
                raise UserError(_("%(invoice)s: only an invoice the buyer rejected on Chorus Pro, and not cancelled "
                                  "yet, can be replaced.", invoice=move.name))
            credit_note = move._reverse_moves(default_values_list=[{
                "ref": _("Cancels %(invoice)s, rejected on Chorus Pro", invoice=move.name),
                "l10n_fr_chorus_transfer": False,
            }], cancel=True)
            credit_note.message_post(body=_(
                "Not sent to Chorus Pro: this credit note cancels in the books invoice %(invoice)s, which the buyer "
                "rejected on Chorus Pro (Chorus Pro never accepted it, there is nothing to credit there).",
                invoice=move.name))
            new_move = move.copy({"invoice_date": False, "ref": move.ref})
            new_move.message_post(body=_("Replaces invoice %(invoice)s (Chorus Pro: %(status)s): check it, confirm it, "
                                         "then send it to Chorus Pro.", invoice=move.name,
                                         status=move._l10n_fr_chorus_status_label(move.l10n_fr_chorus_status)))
            move.message_post(body=_("Replaced: credit note %(credit_note)s, new invoice to confirm and send.",
                                     credit_note=credit_note.name))
            move.activity_ids.filtered(lambda a: a.activity_type_id == activity_type).action_feedback(
                feedback=_("Replaced by a new invoice."))
            new_moves |= new_move
        action = {"type": "ir.actions.act_window", "res_model": "account.move", "name": _("New Invoices"),
                  "context": {"default_move_type": "out_invoice"}}
        if len(new_moves) == 1:
            return {**action, "view_mode": "form", "res_id": new_moves.id}
        return {**action, "view_mode": "list,form", "domain": [("id", "in", new_moves.ids)]}
