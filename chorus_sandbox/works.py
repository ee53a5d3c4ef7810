"""The works circuit of the sandbox (« factures de travaux »): a statement project goes to the project manager (MOE),
who validates or refuses it, then to the project owner (MOA, the public buyer), then to payment. Mixed into
SandboxState through FlowProcessing.

What AIFE says and the sandbox plays: a monthly statement project (A4, A10, A13) or a final statement project (A7,
A11, A14) is made available to the MOE, who has 7 days to process it; an MOE refusal stops the billing circuit
(the contractor issues a new piece); since 19 February 2025 a piece cannot be refused for a wrong amount (the MOE
corrects the amounts in its own statement). A closing piece (A8, A22, A23) goes to the MOA directly.

ASSUMED (not documented by AIFE, kept here): the statuses a piece goes through (MISE_A_DISPOSITION_MOE →
PRISE_EN_COMPTE_MOE → TRANSMISE_MOA → MISE_A_DISPOSITION_MOA → PRISE_EN_COMPTE_MOA → MANDATEE → … →
MISE_EN_PAIEMENT), that an MOE silent past its deadline lets the piece go to the MOA with a comment, and the billing
file numbers (``DF-<year>-<n>``).
"""

import itertools
from datetime import timedelta

from . import data
from .records import SandboxError, now

try:  # inside Odoo, the addon's packages
    from ..chorus_client import codes
except ImportError:  # `python -m chorus_sandbox` from the repository
    from chorus_client import codes

_BILLING_FILES = itertools.count(1)

# The MOE's refusal reasons offered on the portal (AIFE's list; « Erreur de montant » no longer refuses).
MOE_REFUSAL_REASONS = (
    'Erreur de destinataire',
    'Pièce justificative manquante ou illisible',
    'Erreur de cadre de facturation',
    'Document en doublon',
    'Travaux non réalisés',
    'Autre motif',
)
AMOUNT_ERROR = 'Erreur de montant'
# Steps a piece takes by itself as time moves on; it then waits for the MOE's or the MOA's decision.
WORKS_STEPS = {
    'MISE_A_DISPOSITION_MOE': 'PRISE_EN_COMPTE_MOE',
    'TRANSMISE_MOA': 'MISE_A_DISPOSITION_MOA',
    'MISE_A_DISPOSITION_MOA': 'PRISE_EN_COMPTE_MOA',
}


class WorksCircuit:
    """Works pieces of :class:`~.state.SandboxState`: their billing file, their way through MOE and MOA."""

    def _is_works(self, invoice):
        return invoice.billing_frame in codes.WORKS_BILLING_FRAMES

    def _file_works_piece(self, invoice):
        """A new works piece: its MOE, its previous piece and billing file (a new file unless it follows one)."""
        if not self._is_works(invoice):
            return
        parsed = invoice.parsed
        moe = self.find_structure(siret=parsed.moe_siret)
        invoice.moe_id = moe['idStructureCPP'] if moe else None
        previous = next((other for other in self.invoices.values() if other is not invoice and parsed.origin_number
                         and other.parsed.number == parsed.origin_number
                         and other.parsed.supplier_siret == parsed.supplier_siret), None)
        invoice.previous_id = previous.id if previous else None
        invoice.billing_file = previous.billing_file if previous and previous.billing_file else \
            f'DF-{now():%Y}-{next(_BILLING_FILES):06d}'

    def _advance_works_piece(self, invoice):
        """One step of a works piece: True when it moved, False when it waits for a decision, None when it is not
        in the works part of its way (then the ordinary way applies)."""
        if not self._is_works(invoice):
            return None
        status = invoice.status
        if status == 'DEPOSEE':
            if invoice.billing_frame in codes.WORKS_MOE_FRAMES:
                invoice.moe_due = now() + timedelta(days=data.MOE_DEADLINE_DAYS)
                self._set_status(invoice, 'MISE_A_DISPOSITION_MOE', '')
            else:
                self._set_status(invoice, 'TRANSMISE_MOA', '')
            return True
        if status in ('MISE_A_DISPOSITION_MOE', 'PRISE_EN_COMPTE_MOE') and invoice.moe_due and now() >= invoice.moe_due:
            self._set_status(invoice, 'TRANSMISE_MOA', (
                f"Délai de traitement de la maîtrise d'œuvre dépassé ({data.MOE_DEADLINE_DAYS} jours) : la pièce "
                "est transmise à la maîtrise d'ouvrage."))
            return True
        following = WORKS_STEPS.get(status)
        if following:
            self._set_status(invoice, following, '')
            return True
        # waiting for a decision (PRISE_EN_COMPTE_MOE / _MOA), refused, or on the ordinary way to payment
        return False if status in ('PRISE_EN_COMPTE_MOE', 'PRISE_EN_COMPTE_MOA', 'REFUSEE_MOE', 'REFUSEE_MOA') else None

    # ------------------------------------------------------------------ control: the MOE's and the MOA's part

    def works_decide(self, actor, decision, invoice_id=None, invoice_number=None, reason='', comment='',
                     accepted_amount=None):
        """The MOE or the MOA (``actor``) validates or refuses a piece (``decision``: ``validate`` / ``refuse``).

        A refusal takes one of :data:`MOE_REFUSAL_REASONS` (« Erreur de montant » is refused: the MOE corrects the
        amounts instead, ``accepted_amount``).
        """
        if actor not in ('MOE', 'MOA') or decision not in ('validate', 'refuse'):
            raise ValueError("actor is MOE or MOA, decision is validate or refuse")
        with self.lock:
            invoice = self.find_invoice(invoice_id, invoice_number)
            if not self._is_works(invoice):
                raise SandboxError(20010, f"La facture {invoice.parsed.number} n'est pas une pièce de travaux.")
            expected = {'MOE': ('MISE_A_DISPOSITION_MOE', 'PRISE_EN_COMPTE_MOE'),
                        'MOA': ('TRANSMISE_MOA', 'MISE_A_DISPOSITION_MOA', 'PRISE_EN_COMPTE_MOA')}[actor]
            if invoice.status not in expected:
                raise SandboxError(20011, f"La pièce {invoice.parsed.number} n'est pas à traiter par la "
                                          f"{'maîtrise d’œuvre' if actor == 'MOE' else 'maîtrise d’ouvrage'} "
                                          f"(statut {invoice.status}).")
            if decision == 'refuse':
                if reason == AMOUNT_ERROR:
                    raise SandboxError(20012, "Une erreur de montant ne permet pas de refuser la pièce : corrigez "
                                              "les montants dans votre propre pièce de facturation.")
                if reason not in MOE_REFUSAL_REASONS:
                    raise ValueError(f'reason is one of {list(MOE_REFUSAL_REASONS)}')
                text = f'{reason} : {comment}' if comment else reason
                self._set_status(invoice, f'REFUSEE_{actor}', text)
            elif actor == 'MOE':
                text = comment
                if accepted_amount is not None:
                    text = (f"Montant admis par la maîtrise d'œuvre : {float(accepted_amount):.2f} € HT. "
                            f"{comment}").strip()
                self._set_status(invoice, 'TRANSMISE_MOA', text)
            else:
                self._set_status(invoice, 'MANDATEE', comment)
        return {'invoice_id': invoice.id, 'status': invoice.status}

    def works_expire(self, invoice_id=None, invoice_number=None):
        """The MOE's deadline of a piece is over: at the next step of time it goes to the MOA."""
        with self.lock:
            invoice = self.find_invoice(invoice_id, invoice_number)
            invoice.moe_due = now() - timedelta(seconds=1)
        return {'invoice_id': invoice.id, 'moe_due': str(invoice.moe_due)}
