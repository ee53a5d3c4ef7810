from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class L10nFrChorusCompleteWizard(models.TransientModel):
    """« Compléter sur Chorus Pro »: the documents the buyer misses and a comment, for a suspended invoice."""

    _name = "l10n_fr_chorus.complete.wizard"
    _inherit = "l10n_fr_chorus.decision.wizard"
    _description = "Complete an Invoice on Chorus Pro"

    move_attachment_ids = fields.Many2many(
        "ir.attachment", "l10n_fr_chorus_complete_wizard_move_attachment_rel", "wizard_id", "attachment_id",
        string="Invoice Documents",
        domain="[('res_model', '=', 'account.move'), ('res_id', '=', move_id), ('l10n_fr_chorus_flow_id', '=', False)]",
        help="Documents already attached to the invoice, to send to Chorus Pro (not the invoice file Chorus Pro "
        "already has).",
    )
    new_attachment_ids = fields.Many2many(
        "ir.attachment", "l10n_fr_chorus_complete_wizard_new_attachment_rel", "wizard_id", "attachment_id",
        string="New Documents",
        help="Documents to add: 10 MB each at most, a name of 50 characters at most, a file type Chorus Pro takes "
        "(PDF, images, office documents…). They are attached to the invoice as well.",
    )

    def _documents(self):
        return self.move_attachment_ids | self.new_attachment_ids

    def _check_documents(self):
        move = self.move_id
        check = self.env["l10n_fr_chorus.invoice.check"]
        prefix = _("%(invoice)s: ", invoice=move.name)
        errors = [prefix + message
                  for attachment in self._documents() for message in check._attachment_errors(attachment)]
        if not self._documents() and not (self.comment or "").strip():
            errors.append(_("Add a document or a comment for the buyer: Chorus Pro needs one of them."))
        if errors:
            raise UserError("\n".join(errors))

    def action_complete(self):
        """Upload each document, call « compléter », then read the invoice's status again."""
        self._check_move("SUSPENDUE")
        self._check_documents()
        move, documents, comment = self.move_id, self._documents(), (self.comment or "").strip()

        def complete(client):
            file_ids = [client.upload(attachment.raw, attachment.name,
                                      attachment.mimetype or "application/octet-stream")
                        for attachment in documents]
            return client.complete(move.l10n_fr_chorus_invoice_cpp, file_ids, comment)

        self._call(complete)
        self.new_attachment_ids.write({"res_model": "account.move", "res_id": move.id})
        move.message_post(body=self._message(documents, comment))
        return self._refresh()

    @api.model
    def _message(self, documents, comment):
        body = Markup("<p>%s</p>") % _("Completed on Chorus Pro.")
        if documents:
            body += Markup("<p>%s</p><ul>%s</ul>") % (
                _("Documents sent:"),
                Markup("").join(Markup("<li>%s</li>") % escape(name) for name in documents.mapped("name")))
        if comment:
            body += Markup("<p>%s</p>") % _("Comment: %(comment)s", comment=comment)
        return body
