{
    "name": "France - Chorus Pro",
    "summary": "Send customer invoices to Chorus Pro, the French public e-invoicing portal, and follow them",
    "version": "18.0.1.0.0",
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
    "external_dependencies": {"python": ["requests", "phonenumbers"]},
    "data": [],
    "demo": [
        "demo/chorus_pro_demo.xml",
    ],
    "development_status": "Beta",
    "installable": True,
    "application": False,
}
