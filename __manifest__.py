{
    "name": "France - Chorus Pro",
    "summary": "Envoi des factures à Chorus Pro et suivi de leur statut / Send customer invoices to Chorus Pro, "
    "the French public e-invoicing portal, and follow them",
    "version": "18.0.1.1.0",
    "category": "Accounting/Localizations/EDI",
    "author": "l10n_fr_chorus_pro contributors",
    "website": "https://github.com/l10n-fr-chorus-pro/l10n_fr_chorus_pro",
    "license": "LGPL-3",
    "countries": ["fr"],
    "depends": [
        "account",
        "l10n_fr",
        "account_edi_ubl_cii",
        "l10n_fr_facturx_chorus_pro",
    ],
    "external_dependencies": {"python": ["requests", "phonenumbers", "factur-x"]},
    "data": [
        "security/l10n_fr_chorus_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "data/mail_activity_type.xml",
        "views/res_config_settings_views.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
        "views/l10n_fr_chorus_flow_views.xml",
        "views/l10n_fr_chorus_overview_views.xml",
        "wizards/l10n_fr_chorus_send_wizard_views.xml",
        "data/cii_templates.xml",
        "data/ubl_templates.xml",
    ],
    "demo": [
        "demo/chorus_pro_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "l10n_fr_chorus_pro/static/tests/tours/*.js",
        ],
    },
    "development_status": "Beta",
    "installable": True,
    "uninstall_hook": "uninstall_hook",
    "application": False,
}
