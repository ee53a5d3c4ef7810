"""Chorus Pro codes with French labels: invoice statuses, flow states, billing frames, deposit syntaxes."""

# The 56 values of ``statutFacture`` in the Factures Swagger, in its order.
INVOICE_STATUSES = [
    ('BROUILLON', "Brouillon"),
    ('A_VALIDER_1', "À valider par le premier valideur"),
    ('ERREUR_FOURNISSEUR_SUR_VALIDEUR', "Erreur du fournisseur sur le valideur"),
    ('REFUSEE_1', "Refusée par le premier valideur"),
    ('VALIDEE_1', "Validée par le premier valideur"),
    ('ABSENCE_VALIDATION_1_HORS_DELAI', "Absence de validation du premier valideur dans le délai"),
    ('A_VALIDER_2', "À valider par le second valideur"),
    ('ERREUR_COTRAITANT_SUR_VALIDEUR', "Erreur du cotraitant sur le valideur"),
    ('REFUSEE_2', "Refusée par le second valideur"),
    ('VALIDEE_2', "Validée par le second valideur"),
    ('ABSENCE_VALIDATION_2_HORS_DELAI', "Absence de validation du second valideur dans le délai"),
    ('DEPOSEE', "Déposée"),
    ('ERREUR_FOURNISSEUR_SUR_MOE', "Erreur du fournisseur sur la maîtrise d'œuvre"),
    ('EN_COURS_ACHEMINEMENT', "En cours d'acheminement"),
    ('MISE_A_DISPOSITION', "Mise à disposition du destinataire"),
    ('A_RECYCLER', "À recycler"),
    ('SUSPENDUE', "Suspendue"),
    ('REJETEE', "Rejetée"),
    ('MANDATEE', "Mandatée"),
    ('MISE_EN_PAIEMENT', "Mise en paiement"),
    ('COMPTABILISEE', "Comptabilisée"),
    ('MISE_A_DISPOSITION_COMPTABLE', "Mise à disposition du comptable"),
    ('ABANDONNEE', "Abandonnée"),
    ('SUPPRIMEE', "Supprimée"),
    ('ASSOCIEE', "Associée"),
    ('EN_COURS_TRAITEMENT_PIVOT_S', "En cours de traitement"),
    ('A_VALIDER_MOE', "À valider par la maîtrise d'œuvre"),
    ('REFUSEE_MOE', "Refusée par la maîtrise d'œuvre"),
    ('EN_ATTENTE_RECYCLAGE_FOURNISSEUR', "En attente de recyclage par le fournisseur"),
    ('ERREUR_MOE_SUR_FOURNISSEUR', "Erreur de la maîtrise d'œuvre sur le fournisseur"),
    ('ERREUR_MOA_SUR_FOURNISSEUR', "Erreur de la maîtrise d'ouvrage sur le fournisseur"),
    ('INTERPRETEE_OCR', "Interprétée par reconnaissance de caractères"),
    ('COMPLETEE', "Complétée"),
    ('ERREUR_FOURNISSEUR_SUR_MOA', "Erreur du fournisseur sur la maîtrise d'ouvrage"),
    ('ERREUR_MOE_SUR_MOA', "Erreur de la maîtrise d'œuvre sur la maîtrise d'ouvrage"),
    ('ERREUR_DESTINATAIRE_PD', "Erreur de destinataire (pièce de dépense)"),
    ('ERREUR_DESTINATAIRE_EA', "Erreur de destinataire (état d'acompte)"),
    ('SERVICE_FAIT', "Service fait"),
    ('NON_CONFORME', "Non conforme"),
    ('A_ASSOCIER_MOE', "À associer par la maîtrise d'œuvre"),
    ('ERREUR_DE_MOE', "Erreur de maîtrise d'œuvre"),
    ('MISE_A_DISPOSITION_MOE', "Mise à disposition de la maîtrise d'œuvre"),
    ('PRISE_EN_COMPTE_MOE', "Prise en compte par la maîtrise d'œuvre"),
    ('A_ASSOCIER_MOA', "À associer par la maîtrise d'ouvrage"),
    ('ERREUR_DE_MOA', "Erreur de maîtrise d'ouvrage"),
    ('REFUSEE_MOA', "Refusée par la maîtrise d'ouvrage"),
    ('A_ASSOCIER_FOURNISSEUR', "À associer par le fournisseur"),
    ('REFUSEE_FOURNISSEUR', "Refusée par le fournisseur"),
    ('A_COMPLETER', "À compléter"),
    ('TRANSMISE_MOA', "Transmise à la maîtrise d'ouvrage"),
    ('PRISE_EN_COMPTE_DESTINATAIRE', "Prise en compte par le destinataire"),
    ('REMPLACEE_PAR_A22', "Remplacée par un projet de décompte général (A22)"),
    ('DUPLIQUE_APRES_REFUS', "Dupliquée après refus"),
    ('MISE_A_DISPOSITION_MOA', "Mise à disposition de la maîtrise d'ouvrage"),
    ('PRISE_EN_COMPTE_MOA', "Prise en compte par la maîtrise d'ouvrage"),
    ('TECHNIQUE_INCONNU', "Statut technique inconnu"),
]

# No AIFE document lists final statuses: these four never change again.
FINAL_STATUSES = frozenset({'MISE_EN_PAIEMENT', 'REJETEE', 'SUPPRIMEE', 'ABANDONNEE'})

# States of a deposited flow (``etatCourantDepotFlux`` of transverses/consulterCRDetaille).
FLOW_STATES = [
    ('IN_RECU', "Reçu"),
    ('IN_TRAITE_SE_CPP', "Traité par le service d'échange"),
    ('IN_EN_ATTENTE_TRAITEMENT_CPP', "En attente de traitement"),
    ('IN_EN_COURS_TRAITEMENT_CPP', "En cours de traitement"),
    ('IN_INTEGRE', "Intégré"),
    ('IN_INTEGRE_PARTIEL', "Intégré partiellement"),
    ('IN_REJETE', "Rejeté"),
    ('IN_INCIDENTE', "Incidenté (à redéposer)"),
    ('IN_EN_ATTENTE_RETRAITEMENT_CPP', "En attente de retraitement"),
]

# States after which a flow never changes; any other (or unknown) ``IN_*`` state is pending.
FLOW_FINAL_STATES = frozenset({'IN_INTEGRE', 'IN_INTEGRE_PARTIEL', 'IN_REJETE', 'IN_INCIDENTE'})

# The ``cadreFacturation`` values of the Factures Swagger (BT-23 carries the short form, e.g. ``A1``).
BILLING_FRAMES = [
    ('A1_FACTURE_FOURNISSEUR', "A1 — Dépôt par un fournisseur d'une facture"),
    ('A2_FACTURE_FOURNISSEUR_DEJA_PAYEE', "A2 — Dépôt par un fournisseur d'une facture déjà payée"),
    ('A3_MEMOIRE_JUSTICE', "A3 — Dépôt d'un mémoire de frais de justice"),
    ('A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR', "A4 — Dépôt par un fournisseur d'un projet de décompte mensuel"),
    ('A5_ETAT_ACOMPTE_FOURNISSEUR', "A5 — Dépôt par un fournisseur d'un état d'acompte"),
    ('A6_ETAT_ACOMPTE_VALIDE_FOURNISSEUR', "A6 — Dépôt par un fournisseur d'un état d'acompte validé"),
    ('A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR', "A7 — Dépôt par un fournisseur d'un projet de décompte final"),
    ('A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR',
     "A8 — Dépôt par un fournisseur d'un décompte général et définitif"),
    ('A9_FACTURE_SOUSTRAITANT', "A9 — Dépôt par un sous-traitant d'une facture"),
    ('A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT', "A10 — Dépôt par un sous-traitant d'un projet de décompte mensuel"),
    ('A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT', "A11 — Dépôt par un sous-traitant d'un projet de décompte final"),
    ('A12_FACTURE_COTRAITANT', "A12 — Dépôt par un cotraitant d'une facture"),
    ('A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT', "A13 — Dépôt par un cotraitant d'un projet de décompte mensuel"),
    ('A14_PROJET_DECOMPTE_FINAL_COTRAITANT', "A14 — Dépôt par un cotraitant d'un projet de décompte final"),
    ('A15_ETAT_ACOMPTE_MOE', "A15 — Dépôt par la maîtrise d'œuvre d'un état d'acompte"),
    ('A16_ETAT_ACOMPTE_VALIDE_MOE', "A16 — Dépôt par la maîtrise d'œuvre d'un état d'acompte validé"),
    ('A17_PROJET_DECOMPTE_GENERAL_MOE', "A17 — Dépôt par la maîtrise d'œuvre d'un projet de décompte général"),
    ('A18_DECOMPTE_GENERAL_MOE', "A18 — Dépôt par la maîtrise d'œuvre d'un décompte général"),
    ('A19_ETAT_ACOMPTE_VALIDE_MOA', "A19 — Dépôt par la maîtrise d'ouvrage d'un état d'acompte validé"),
    ('A20_DECOMPTE_GENERAL_MOA', "A20 — Dépôt par la maîtrise d'ouvrage d'un décompte général"),
    ('A21_DEMANDE_REMBOURSEMENT_TIC', "A21 — Demande de remboursement de la TIC"),
    ('A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE',
     "A22 — Projet de décompte général déposé par le fournisseur (procédure tacite)"),
    ('A23_DECOMPTE_GENERAL_DEFINITIF_TACITE_FOURNISSEUR',
     "A23 — Décompte général et définitif tacite déposé par le fournisseur"),
    ('A24_DECOMPTE_GENERAL_DEFINITIF_TACITE_MOE',
     "A24 — Décompte général et définitif tacite déposé par la maîtrise d'œuvre"),
    ('A25_DECOMPTE_GENERAL_DEFINITIF_MOE_PROCEDURE_TACITE',
     "A25 — Décompte général et définitif déposé par la maîtrise d'œuvre (procédure tacite)"),
]

# Billing frames of works invoices (listed by facturesTravaux/rechercher).
WORKS_BILLING_FRAMES = frozenset({
    'A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR', 'A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR',
    'A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR', 'A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT',
    'A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT', 'A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT',
    'A14_PROJET_DECOMPTE_FINAL_COTRAITANT', 'A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE',
    'A23_DECOMPTE_GENERAL_DEFINITIF_TACITE_FOURNISSEUR',
})

# ``syntaxeFlux`` values of the deposit formats this addon produces.
SYNTAX_UBL = 'IN_DP_E1_UBL_INVOICE'
SYNTAX_CII = 'IN_DP_E1_CII_16B'
SYNTAX_FACTURX = 'IN_DP_E2_CII_FACTURX'
DEPOSIT_SYNTAXES = (SYNTAX_UBL, SYNTAX_CII, SYNTAX_FACTURX)
