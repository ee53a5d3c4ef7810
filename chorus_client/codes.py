"""Chorus Pro codes and their labels: invoice statuses, flow states, billing frames, deposit syntaxes.

Labels are in English; i18n/fr.po gives the official French wording of Chorus Pro.
"""

# The 56 values of ``statutFacture`` in the Factures Swagger, in its order.
INVOICE_STATUSES = [
    ('BROUILLON', "Draft"),
    ('A_VALIDER_1', "To be validated by the first validator"),
    ('ERREUR_FOURNISSEUR_SUR_VALIDEUR', "Supplier error on the validator"),
    ('REFUSEE_1', "Refused by the first validator"),
    ('VALIDEE_1', "Validated by the first validator"),
    ('ABSENCE_VALIDATION_1_HORS_DELAI', "Not validated by the first validator in time"),
    ('A_VALIDER_2', "To be validated by the second validator"),
    ('ERREUR_COTRAITANT_SUR_VALIDEUR', "Co-contractor error on the validator"),
    ('REFUSEE_2', "Refused by the second validator"),
    ('VALIDEE_2', "Validated by the second validator"),
    ('ABSENCE_VALIDATION_2_HORS_DELAI', "Not validated by the second validator in time"),
    ('DEPOSEE', "Deposited"),
    ('ERREUR_FOURNISSEUR_SUR_MOE', "Supplier error on the project manager"),
    ('EN_COURS_ACHEMINEMENT', "Being routed"),
    ('MISE_A_DISPOSITION', "Made available to the recipient"),
    ('A_RECYCLER', "To recycle"),
    ('SUSPENDUE', "Suspended"),
    ('REJETEE', "Rejected"),
    ('MANDATEE', "Payment order issued"),
    ('MISE_EN_PAIEMENT', "Payment initiated"),
    ('COMPTABILISEE', "Accounted for"),
    ('MISE_A_DISPOSITION_COMPTABLE', "Made available to the public accountant"),
    ('ABANDONNEE', "Abandoned"),
    ('SUPPRIMEE', "Deleted"),
    ('ASSOCIEE', "Associated"),
    ('EN_COURS_TRAITEMENT_PIVOT_S', "Processing"),
    ('A_VALIDER_MOE', "To be validated by the project manager"),
    ('REFUSEE_MOE', "Refused by the project manager"),
    ('EN_ATTENTE_RECYCLAGE_FOURNISSEUR', "Awaiting recycling by the supplier"),
    ('ERREUR_MOE_SUR_FOURNISSEUR', "Project manager error on the supplier"),
    ('ERREUR_MOA_SUR_FOURNISSEUR', "Project owner error on the supplier"),
    ('INTERPRETEE_OCR', "Read by character recognition (OCR)"),
    ('COMPLETEE', "Completed"),
    ('ERREUR_FOURNISSEUR_SUR_MOA', "Supplier error on the project owner"),
    ('ERREUR_MOE_SUR_MOA', "Project manager error on the project owner"),
    ('ERREUR_DESTINATAIRE_PD', "Recipient error (expense document)"),
    ('ERREUR_DESTINATAIRE_EA', "Recipient error (progress payment statement)"),
    ('SERVICE_FAIT', "Service rendered"),
    ('NON_CONFORME', "Non-compliant"),
    ('A_ASSOCIER_MOE', "To be associated by the project manager"),
    ('ERREUR_DE_MOE', "Project manager error"),
    ('MISE_A_DISPOSITION_MOE', "Made available to the project manager"),
    ('PRISE_EN_COMPTE_MOE', "Acknowledged by the project manager"),
    ('A_ASSOCIER_MOA', "To be associated by the project owner"),
    ('ERREUR_DE_MOA', "Project owner error"),
    ('REFUSEE_MOA', "Refused by the project owner"),
    ('A_ASSOCIER_FOURNISSEUR', "To be associated by the supplier"),
    ('REFUSEE_FOURNISSEUR', "Refused by the supplier"),
    ('A_COMPLETER', "To be completed"),
    ('TRANSMISE_MOA', "Sent to the project owner"),
    ('PRISE_EN_COMPTE_DESTINATAIRE', "Acknowledged by the recipient"),
    ('REMPLACEE_PAR_A22', "Replaced by a draft general statement (A22)"),
    ('DUPLIQUE_APRES_REFUS', "Duplicated after refusal"),
    ('MISE_A_DISPOSITION_MOA', "Made available to the project owner"),
    ('PRISE_EN_COMPTE_MOA', "Acknowledged by the project owner"),
    ('TECHNIQUE_INCONNU', "Unknown technical status"),
]

# No AIFE document lists final statuses: these four never change again.
FINAL_STATUSES = frozenset({'MISE_EN_PAIEMENT', 'REJETEE', 'SUPPRIMEE', 'ABANDONNEE'})
# A refusal by the project manager or the project owner stops the billing circuit of a works piece (AIFE): the
# contractor issues a new piece. Final too.
FINAL_STATUSES |= frozenset({'REFUSEE_MOE', 'REFUSEE_MOA'})

# States of a deposited flow (``etatCourantDepotFlux`` of transverses/consulterCRDetaille).
FLOW_STATES = [
    ('IN_RECU', "Received"),
    ('IN_TRAITE_SE_CPP', "Processed by the exchange service"),
    ('IN_EN_ATTENTE_TRAITEMENT_CPP', "Awaiting processing"),
    ('IN_EN_COURS_TRAITEMENT_CPP', "Processing"),
    ('IN_INTEGRE', "Integrated"),
    ('IN_INTEGRE_PARTIEL', "Partially integrated"),
    ('IN_REJETE', "Flow rejected"),
    ('IN_INCIDENTE', "Incident (to be deposited again)"),
    ('IN_EN_ATTENTE_RETRAITEMENT_CPP', "Awaiting reprocessing"),
]

# States after which a flow never changes; any other (or unknown) ``IN_*`` state is pending.
FLOW_FINAL_STATES = frozenset({'IN_INTEGRE', 'IN_INTEGRE_PARTIEL', 'IN_REJETE', 'IN_INCIDENTE'})

# The ``cadreFacturation`` values of the Factures Swagger (BT-23 carries the short form, e.g. ``A1``).
BILLING_FRAMES = [
    ('A1_FACTURE_FOURNISSEUR', "A1 — Supplier invoice"),
    ('A2_FACTURE_FOURNISSEUR_DEJA_PAYEE', "A2 — Supplier invoice already paid"),
    ('A3_MEMOIRE_JUSTICE', "A3 — Statement of legal costs"),
    ('A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR', "A4 — Supplier draft monthly statement"),
    ('A5_ETAT_ACOMPTE_FOURNISSEUR', "A5 — Supplier progress payment statement"),
    ('A6_ETAT_ACOMPTE_VALIDE_FOURNISSEUR', "A6 — Supplier validated progress payment statement"),
    ('A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR', "A7 — Supplier draft final statement"),
    ('A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR', "A8 — Supplier final general statement"),
    ('A9_FACTURE_SOUSTRAITANT', "A9 — Subcontractor invoice"),
    ('A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT', "A10 — Subcontractor draft monthly statement"),
    ('A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT', "A11 — Subcontractor draft final statement"),
    ('A12_FACTURE_COTRAITANT', "A12 — Co-contractor invoice"),
    ('A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT', "A13 — Co-contractor draft monthly statement"),
    ('A14_PROJET_DECOMPTE_FINAL_COTRAITANT', "A14 — Co-contractor draft final statement"),
    ('A15_ETAT_ACOMPTE_MOE', "A15 — Project manager progress payment statement"),
    ('A16_ETAT_ACOMPTE_VALIDE_MOE', "A16 — Project manager validated progress payment statement"),
    ('A17_PROJET_DECOMPTE_GENERAL_MOE', "A17 — Project manager draft general statement"),
    ('A18_DECOMPTE_GENERAL_MOE', "A18 — Project manager general statement"),
    ('A19_ETAT_ACOMPTE_VALIDE_MOA', "A19 — Project owner validated progress payment statement"),
    ('A20_DECOMPTE_GENERAL_MOA', "A20 — Project owner general statement"),
    ('A21_DEMANDE_REMBOURSEMENT_TIC', "A21 — Refund request for the domestic consumption tax (TIC)"),
    ('A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE',
     "A22 — Supplier draft general statement (tacit procedure)"),
    ('A23_DECOMPTE_GENERAL_DEFINITIF_TACITE_FOURNISSEUR', "A23 — Supplier tacit final general statement"),
    ('A24_DECOMPTE_GENERAL_DEFINITIF_TACITE_MOE', "A24 — Project manager tacit final general statement"),
    ('A25_DECOMPTE_GENERAL_DEFINITIF_MOE_PROCEDURE_TACITE',
     "A25 — Project manager final general statement (tacit procedure)"),
]

# Billing frames of works invoices (listed by facturesTravaux/rechercher).
WORKS_BILLING_FRAMES = frozenset({
    'A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR', 'A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR',
    'A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR', 'A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT',
    'A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT', 'A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT',
    'A14_PROJET_DECOMPTE_FINAL_COTRAITANT', 'A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE',
    'A23_DECOMPTE_GENERAL_DEFINITIF_TACITE_FOURNISSEUR',
})

# Works pieces a contractor deposits, by kind of piece and kind of contractor (« titulaire », sub-contractor,
# co-contractor): what the accountant picks, and the billing frame it takes.
WORKS_PIECES = {
    'monthly': {'holder': 'A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR',
                'subcontractor': 'A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT',
                'cocontractor': 'A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT'},
    'final': {'holder': 'A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR',
              'subcontractor': 'A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT',
              'cocontractor': 'A14_PROJET_DECOMPTE_FINAL_COTRAITANT'},
    'general': {'holder': 'A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR'},
    'tacit_draft': {'holder': 'A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE'},
    'tacit_general': {'holder': 'A23_DECOMPTE_GENERAL_DEFINITIF_TACITE_FOURNISSEUR'},
}
# Statement projects go to the project manager (MOE) first: the piece must name it.
WORKS_MOE_FRAMES = frozenset(WORKS_PIECES['monthly'].values()) | frozenset(WORKS_PIECES['final'].values())
# Pieces that close a billing file refer to the piece before them (BT-25), of one of these frames.
WORKS_PREVIOUS_FRAMES = {
    'A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR': frozenset({'A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR'}),
    'A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE': frozenset({'A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR'}),
    'A23_DECOMPTE_GENERAL_DEFINITIF_TACITE_FOURNISSEUR': frozenset({
        'A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE'}),
}
# Works statuses: with the project manager, with the project owner (the buyer), refused by either.
WORKS_MOE_STATUSES = frozenset({'A_VALIDER_MOE', 'MISE_A_DISPOSITION_MOE', 'PRISE_EN_COMPTE_MOE', 'A_ASSOCIER_MOE'})
WORKS_MOA_STATUSES = frozenset({'TRANSMISE_MOA', 'MISE_A_DISPOSITION_MOA', 'PRISE_EN_COMPTE_MOA', 'A_ASSOCIER_MOA'})
WORKS_REFUSED_STATUSES = frozenset({'REFUSEE_MOE', 'REFUSEE_MOA'})

# ``syntaxeFlux`` values of the deposit formats this addon produces.
SYNTAX_UBL = 'IN_DP_E1_UBL_INVOICE'
SYNTAX_CII = 'IN_DP_E1_CII_16B'
SYNTAX_FACTURX = 'IN_DP_E2_CII_FACTURX'
DEPOSIT_SYNTAXES = (SYNTAX_UBL, SYNTAX_CII, SYNTAX_FACTURX)
