/** @odoo-module */
/**
 * The accountant's path through Chorus Pro, in French, driven by tests/test_chorus_tour.py.
 *
 * The Python test passes what only it knows (sandbox URL, invoice numbers, French labels of records) as JSON in
 * the cookie CONFIG_COOKIE, and takes the README's screenshots when a step asks for one (see screenshot()).
 */

import { registry } from "@web/core/registry";
import {
    editField,
    openApp,
    openCustomersMenu,
    openInvoice,
    openInvoices,
    screenshot,
    scrollIntoView,
    selectRow,
    tourConfig,
} from "@l10n_fr_chorus_pro/../tests/tours/tour_utils";

// ------------------------------------------------------------------------------------------------
// 1. The administrator: Settings › Chorus Pro, then a public client checked on Chorus Pro.
// ------------------------------------------------------------------------------------------------
registry.category("web_tour.tours").add("l10n_fr_chorus_pro_tour", {
    url: "/odoo",
    steps: () => [
        ...openApp("base.menu_administration", "Paramètres"),
        {
            content: "The « Facturation » settings",
            trigger: '.settings_tab .tab[data-key="account"]',
            run: "click",
        },
        {
            content: "The Chorus Pro block",
            trigger: "#l10n_fr_chorus_connection",
            run: scrollIntoView("#l10n_fr_chorus_connection", "center"),
        },
        {
            content: "Environment: the local sandbox",
            trigger: "#l10n_fr_chorus_connection div[name=l10n_fr_chorus_environment] select",
            run: 'select "sandbox"',
        },
        editField("l10n_fr_chorus_sandbox_url", "sandboxUrl"),
        editField("l10n_fr_chorus_client_id", "clientId"),
        editField("l10n_fr_chorus_client_secret", "clientSecret"),
        editField("l10n_fr_chorus_login", "login"),
        editField("l10n_fr_chorus_password", "password"),
        {
            content: "Format: UBL",
            trigger: "#l10n_fr_chorus_transfer div[name=l10n_fr_chorus_format] select",
            run: 'select "ubl"',
        },
        {
            content: "« Enregistrer » (the page reloads)",
            trigger: ".o_control_panel .o_form_button_save:contains(Enregistrer)",
            run(helpers) {
                document.body.dataset.l10nFrChorusBeforeSave = "1";
                return helpers.click();
            },
        },
        {
            content: "Settings saved and reloaded",
            trigger: "body:not([data-l10n-fr-chorus-before-save]) .o-settings-form-view",
        },
        {
            content: "Back to the « Facturation » settings",
            trigger: '.settings_tab .tab[data-key="account"]',
            run: "click",
        },
        {
            content: "The saved login is there",
            trigger: `#l10n_fr_chorus_connection div[name=l10n_fr_chorus_login] input:value(${tourConfig().login})`,
        },
        {
            content: "« Tester la connexion »",
            trigger: "#l10n_fr_chorus_connection button[name=action_l10n_fr_chorus_test_connection]:contains(Tester la connexion)",
            run: "click",
        },
        {
            content: "The green notification « Connexion avec Chorus Pro établie »",
            trigger:
                ".o_notification:has(.o_notification_bar.bg-success) .o_notification_title:contains(Connexion avec Chorus Pro établie)",
            run() {
                // Keep it on screen for the screenshot (it closes itself after a few seconds otherwise).
                this.anchor.closest(".o_notification").dispatchEvent(new MouseEvent("mouseenter"));
            },
        },
        // TODO(views): the settings form is not reloaded after the test, so the green line only shows after
        // opening Settings again. Drop these two steps once the button's action reloads the form.
        {
            content: "Open Settings again (workaround: the form is not reloaded after the test)",
            trigger: '.o_main_navbar [data-menu-xmlid="base.menu_administration"]',
            run: "click",
        },
        {
            content: "The « Facturation » settings",
            trigger: '.settings_tab .tab[data-key="account"]',
            run: "click",
        },
        {
            content: "The company's name on Chorus Pro, in green",
            trigger: `#l10n_fr_chorus_connection .text-success div[name=l10n_fr_chorus_structure_name]:contains(${
                tourConfig().structureName
            })`,
        },
        screenshot(
            "chorus_pro_settings",
            (anchor) => {
                const block = anchor.closest(".o_settings_container") || anchor;
                (block.previousElementSibling || block).scrollIntoView({ block: "start", behavior: "instant" });
            },
            undefined,
            "#l10n_fr_chorus_connection div[name=l10n_fr_chorus_structure_name]"
        ),
        {
            content: "The checklist: the five steps done, none to fix",
            trigger:
                "#l10n_fr_chorus_checklist:has(div[name=l10n_fr_chorus_step_piste] .fa-check-circle)" +
                ":has(div[name=l10n_fr_chorus_step_registered] .fa-check-circle)" +
                ":has(div[name=l10n_fr_chorus_step_odoo] .fa-check-circle):not(:has(.fa-times-circle))",
        },
        screenshot(
            "chorus_pro_checklist",
            (anchor) => {
                const block = anchor.closest(".o_settings_container") || anchor;
                (block.previousElementSibling || block).scrollIntoView({ block: "start", behavior: "instant" });
            },
            undefined,
            "#l10n_fr_chorus_checklist"
        ),
        {
            content: "Close the notification",
            trigger: ".o_notification .o_notification_close",
            run: "click",
        },

        // A public client
        ...openCustomersMenu(),
        {
            content: "« Clients »",
            trigger: '.dropdown-item[data-menu-xmlid="account.menu_account_customer"]',
            run: "click",
        },
        {
            content: "Search the town",
            trigger: ".o_searchview_input",
            run: "edit Ville de Montreuil && press Enter",
        },
        {
            content: "The search is applied",
            trigger: ".o_searchview_facet:contains(Ville de Montreuil)",
        },
        {
            content: "Open it",
            trigger: ".o_kanban_record:contains(Ville de Montreuil-sur-Loire)",
            run: "click",
        },
        {
            content: "SIRET and « Client Chorus Pro » are in the « Ventes & Achats » tab",
            trigger: ".o_form_view .o_notebook_headers a[name=sales_purchases]",
            run: "click",
        },
        {
            content: "The SIRET",
            trigger: ".o_form_view div[name=siret] input:value(21750001600019)",
        },
        {
            content: "The « Client Chorus Pro » flag",
            trigger: ".o_form_view label.o_form_label:contains(Client Chorus Pro)",
        },
        {
            content: "Tick it",
            trigger: ".o_form_view div[name=l10n_fr_chorus_client] input[type=checkbox]",
            run: "click",
        },
        {
            content: "The « Chorus Pro » tab appears",
            trigger: ".o_form_view .o_notebook_headers a[name=l10n_fr_chorus_pro]",
            run: "click",
        },
        {
            content: "« Vérifier sur Chorus Pro »",
            trigger: ".o_form_view button[name=action_l10n_fr_chorus_check]:contains(Vérifier sur Chorus Pro)",
            run: "click",
        },
        {
            content: "Its services appear",
            trigger: ".o_form_view div[name=l10n_fr_chorus_service_ids] .o_data_row:contains(SERVICES_TECHNIQUES)",
        },
        {
            content: "Its name on Chorus Pro",
            trigger: ".o_form_view div[name=l10n_fr_chorus_structure_name]:contains(Commune de Montreuil-sur-Loire)",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
        screenshot("chorus_pro_partner", scrollIntoView(".o_form_view .o_notebook", "end")),
    ],
});

// ------------------------------------------------------------------------------------------------
// 2. An accountant of the « Chorus Pro Transfer » group creates, posts and sends invoices.
// ------------------------------------------------------------------------------------------------
registry.category("web_tour.tours").add("l10n_fr_chorus_pro_tour_send", {
    url: "/odoo",
    steps: () => [
        ...openInvoices(),
        {
            content: "« Nouveau »",
            trigger: ".o_control_panel .o_list_button_add:contains(Nouveau)",
            run: "click",
        },
        {
            content: "The customer: the town",
            trigger: ".o_form_view div[name=partner_id] input",
            run: "edit Ville de Montreuil",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Ville de Montreuil-sur-Loire)",
            run: "click",
        },
        {
            content: "« Ajouter une ligne »",
            trigger: ".o_form_view div[name=invoice_line_ids] .o_field_x2many_list_row_add a:contains(Ajouter une ligne)",
            run: "click",
        },
        {
            content: "The product",
            trigger: ".o_form_view div[name=invoice_line_ids] div[name=product_id] input",
            run: "edit Entretien des espaces",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Entretien des espaces verts)",
            run: "click",
        },
        {
            content: "The « Chorus Pro » tab",
            trigger: ".o_form_view .o_notebook_headers a[name=l10n_fr_chorus]",
            run: "click",
        },
        {
            content: "Transferred via Chorus Pro: ticked by default for a Chorus Pro client",
            trigger: ".o_form_view div[name=l10n_fr_chorus_transfer] input:checked",
        },
        {
            content: "Pick the service",
            trigger: ".o_form_view div[name=l10n_fr_chorus_service_id] input",
            run: "click",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(SERVICES_TECHNIQUES)",
            run: "click",
        },
        {
            content: "The service is chosen: its code is what goes to Chorus Pro, no second field to fill",
            trigger: ".o_form_view div[name=l10n_fr_chorus_service_id] input:value(SERVICES_TECHNIQUES)",
        },
        {
            content: "The raw service code field is hidden once a service is chosen",
            trigger: ".o_form_view:not(:has(div[name=buyer_reference]))",
        },
        {
            content: "« Confirmer »",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_post]:contains(Confirmer)",
            run: "click",
        },
        {
            content: "« Envoyer à Chorus Pro »",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_l10n_fr_chorus_send]:contains(Envoyer à Chorus Pro)",
            run: "click",
        },
        {
            content: "The wizard lists the invoice",
            trigger: ".modal div[name=ready_move_ids] .o_data_row:contains(SERVICES_TECHNIQUES)",
        },
        {
            content: "Confirm: « Envoyer à Chorus Pro »",
            trigger: ".modal .modal-footer button[name=action_send]:contains(Envoyer à Chorus Pro)",
            run: "click",
        },
        {
            content: "Sent",
            trigger: ".modal div[name=result_html] .text-success li:contains(CPP)",
        },
        {
            content: "« Fermer »",
            trigger: ".modal .modal-footer button.btn-secondary:contains(Fermer)",
            run: "click",
        },
        {
            content: "The transfer state changed",
            trigger: `.o_form_view div[name=l10n_fr_chorus_state] .badge:contains(${tourConfig().deposited})`,
        },
        {
            content: "The flow number",
            trigger: ".o_form_view div[name=l10n_fr_chorus_flow_id]:contains(CPP)",
        },
        {
            content: "No second send",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name=action_l10n_fr_chorus_send]))",
        },
        {
            content: "The chatter tells where it went",
            trigger: ".o-mail-Chatter .o-mail-Message-body:contains(CPP)",
        },

        // Two more invoices, sent together from the list
        {
            content: "Back to the invoices",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Factures)",
            run: "click",
        },
        ...(tourConfig().batch || []).map(selectRow),
        {
            content: "« Actions »",
            trigger: ".o_control_panel .o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: `« ${tourConfig().sendAction} »`,
            trigger: `.o-dropdown--menu .o_menu_item:contains(${tourConfig().sendAction})`,
            run: "click",
        },
        {
            content: "One invoice will be sent",
            trigger: ".modal div[name=ready_move_ids] .o_data_row:contains(Lycée Jean Moulin)",
        },
        {
            content: "The other one is held back, with what to fix",
            trigger: `.modal div[name=blocked_html] tr:contains(${tourConfig().blocked})`,
        },
        screenshot("chorus_pro_send_wizard"),
        {
            content: "Send",
            trigger: ".modal .modal-footer button[name=action_send]",
            run: "click",
        },
        {
            content: "Sent",
            trigger: ".modal div[name=result_html] .text-success li:contains(CPP)",
        },
        {
            content: "« Fermer »",
            trigger: ".modal .modal-footer button.btn-secondary:contains(Fermer)",
            run: "click",
        },
        {
            content: "The list shows the new transfer state",
            trigger: `.o_list_renderer .o_data_row:has(td[name=name]:contains(${
                tourConfig().batch[0]
            })) td[name=l10n_fr_chorus_state]:contains(${tourConfig().deposited})`,
        },
    ],
});

// ------------------------------------------------------------------------------------------------
// 3. Chorus Pro moved the invoice on: « Mettre à jour le statut ».
// ------------------------------------------------------------------------------------------------
registry.category("web_tour.tours").add("l10n_fr_chorus_pro_tour_status", {
    url: "/odoo",
    steps: () => [
        ...openInvoice(tourConfig().invoice),
        {
            content: "« Mettre à jour le statut »",
            trigger:
                ".o_form_view .o_statusbar_buttons button[name=action_l10n_fr_chorus_refresh_status]:contains(Mettre à jour le statut)",
            run: "click",
        },
        {
            content: "The new Chorus Pro status",
            trigger: `.o_form_view div[name=l10n_fr_chorus_status]:contains(${tourConfig().status})`,
        },
        {
            content: "The invoice is on Chorus Pro",
            trigger: `.o_form_view div[name=l10n_fr_chorus_state] .badge:contains(${tourConfig().integrated})`,
        },
        {
            content: "Its history",
            trigger: ".o_form_view div[name=l10n_fr_chorus_history_ids] .o_data_row:eq(2)",
        },
        {
            content: "The chatter line",
            trigger: `.o-mail-Chatter .o-mail-Message-tracking:has(.o-mail-Message-trackingField:contains(Statut Chorus Pro)) .o-mail-Message-trackingNew:contains(${
                tourConfig().status
            })`,
        },
        // Taller: the invoice, its Chorus Pro tab and the chatter in one picture.
        screenshot("chorus_pro_invoice", () => document.querySelector(".o_content")?.scrollTo(0, 0), 1500),

        // The invoices by Chorus Pro status
        {
            content: "Back to the invoices",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Factures)",
            run: "click",
        },
        {
            content: "Search options",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "The filter « Chorus Pro : à traiter »",
            trigger: ".o_filter_menu .o_menu_item:contains(Chorus Pro : à traiter)",
        },
        {
            content: "Group by « Statut Chorus Pro »",
            trigger: ".o_group_by_menu .o_menu_item:contains(Statut Chorus Pro)",
            run: "click",
        },
        {
            content: "The invoice's status is a group",
            trigger: `.o_list_renderer .o_group_header:contains(${tourConfig().status})`,
        },
    ],
});

// ------------------------------------------------------------------------------------------------
// 4. An accountant outside the « Chorus Pro Transfer » group cannot send.
// ------------------------------------------------------------------------------------------------
registry.category("web_tour.tours").add("l10n_fr_chorus_pro_tour_no_transfer_right", {
    url: "/odoo",
    steps: () => [
        ...openInvoice(tourConfig().invoice),
        {
            content: "The invoice is waiting for Chorus Pro",
            trigger: `.o_form_view div[name=l10n_fr_chorus_state] .badge:contains(${tourConfig().toSend})`,
        },
        {
            content: "The header is there (« Envoyer »)…",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_invoice_sent]",
        },
        {
            content: "… without « Envoyer à Chorus Pro » nor « Mettre à jour le statut »",
            trigger:
                ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_l10n_fr_chorus_send])):not(:has(button[name=action_l10n_fr_chorus_refresh_status]))",
        },
        {
            content: "Back to the invoices",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Factures)",
            run: "click",
        },
        selectRow(tourConfig().invoice),
        {
            content: "« Actions »",
            trigger: ".o_control_panel .o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "The status update is offered",
            trigger: `.o-dropdown--menu .o_menu_item:contains(${tourConfig().refreshAction})`,
        },
        {
            content: "The send is not",
            trigger: `.o-dropdown--menu:not(:has(.o_menu_item:contains(${tourConfig().sendAction})))`,
        },
    ],
});

registry.category("web_tour.tours").add("l10n_fr_chorus_pro_tour_overview", {
    url: "/odoo",
    steps: () => [
        ...openCustomersMenu(),
        {
            content: "« Chorus Pro »: the overview",
            trigger: '.dropdown-item[data-menu-xmlid="l10n_fr_chorus_pro.menu_l10n_fr_chorus_overview"]',
            run: "click",
        },
        {
            content: "A card per state, with its count",
            trigger: `.o_kanban_record:contains(${tourConfig().inProgress}) .fs-2:contains(${
                tourConfig().inProgressCount
            })`,
        },
        screenshot("chorus_pro_overview"),
        {
            content: "Open the invoices in progress",
            trigger: `.o_kanban_record:contains(${tourConfig().inProgress})`,
            run: "click",
        },
        {
            content: "Their list",
            trigger: `.o_list_view .o_data_row:contains(${tourConfig().invoice})`,
        },
    ],
});
