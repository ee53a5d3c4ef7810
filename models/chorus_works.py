"""What a works piece (« facture de travaux ») adds to the invoice XML: its project manager (MOE) and the piece
before it. Plain functions of an invoice, shared by the CII (Factur-X) and UBL builders.

ASSUMED, in this one place (no AIFE document found; the sandbox reads the same, chorus_sandbox/parsing.py):
- the MOE travels as an invoice note (BT-22) with subject code AAI reading ``MOE:<SIRET>[/<service code>]``
  (valid EN 16931 in UBL and in Factur-X EN 16931, where no party element is free for it);
- the previous piece of the billing file travels in BT-25 (« preceding invoice reference »), its EN 16931 place;
- works pieces are deposited with the ordinary syntaxes (E1 UBL / CII, E2 Factur-X), the frame in BT-23, not
  with the dedicated works flows (E4/E5) whose ``syntaxeFlux`` is not published.
"""

from ..chorus_client import WORKS_BILLING_FRAMES, WORKS_MOE_FRAMES

MOE_NOTE_PREFIX = "MOE:"
MOE_NOTE_SUBJECT = "AAI"


def is_works_piece(invoice):
    return invoice.l10n_fr_chorus_billing_frame in WORKS_BILLING_FRAMES


def moe_note(invoice):
    """``MOE:<SIRET>[/<service>]`` for a statement project (it goes to its project manager first), else ''."""
    moe = invoice.l10n_fr_chorus_moe_id.commercial_partner_id
    if invoice.l10n_fr_chorus_billing_frame not in WORKS_MOE_FRAMES or not moe.siret:
        return ""
    service = (invoice.l10n_fr_chorus_moe_service_code or "").strip()
    return MOE_NOTE_PREFIX + moe.siret + (f"/{service}" if service else "")


def previous_piece(invoice):
    """The previous piece of the billing file (BT-25), or an empty recordset."""
    return invoice.l10n_fr_chorus_previous_piece_id if is_works_piece(invoice) else invoice.browse()
