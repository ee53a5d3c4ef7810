/** @odoo-module */
/**
 * A works contract in French: where each statement project stands (with the project manager, with the buyer,
 * refused), then the next monthly statement project issued from the contract. Driven by
 * tests/test_chorus_works_tour.py.
 */

import { registry } from "@web/core/registry";
import { openCustomersMenu, screenshot, tourConfig } from "@l10n_fr_chorus_pro/../tests/tours/tour_utils";

function pieceRow(name, stage) {
    return {
        content: `${name} reads « ${stage} »`,
        trigger: `.o_form_view div[name=move_ids] .o_data_row:has(td:contains(${name})) td[name=l10n_fr_chorus_works_stage]:contains(${stage})`,
    };
}

registry.category("web_tour.tours").add("l10n_fr_chorus_pro_tour_works", {
    url: "/odoo",
    steps: () => [
        ...openCustomersMenu(),
        {
            content: `« ${tourConfig().contractsMenu} »`,
            trigger: `.dropdown-item[data-menu-xmlid="l10n_fr_chorus_pro.menu_l10n_fr_chorus_contract"]:contains(${tourConfig().contractsMenu})`,
            run: "click",
        },
        {
            content: `Open the contract ${tourConfig().contract}`,
            trigger: `.o_list_renderer .o_data_row td[name=name]:contains(${tourConfig().contract})`,
            run: "click",
        },
        {
            content: "The project manager is named on the contract",
            trigger: `.o_form_view div[name=moe_id] input:value(${tourConfig().moe})`,
        },
        pieceRow(tourConfig().validated, tourConfig().withBuyer),
        pieceRow(tourConfig().refused, tourConfig().refusedStage),
        {
            content: "The billing file Chorus Pro filed the validated statement in",
            trigger: `.o_form_view div[name=move_ids] td[name=l10n_fr_chorus_billing_file]:contains(${tourConfig().billingFile})`,
        },
        screenshot("chorus_pro_contract", null, 1450),
        {
            content: `« ${tourConfig().newMonthly} »`,
            trigger: `.o_form_view .o_statusbar_buttons button[name=action_new_works_piece]:contains(${tourConfig().newMonthly})`,
            run: "click",
        },
        {
            content: "The new piece opens on its Chorus Pro tab",
            trigger: ".o_form_view .o_notebook_headers a[name=l10n_fr_chorus]",
            run: "click",
        },
        {
            content: `It is a « ${tourConfig().monthly} » with the contract's project manager`,
            trigger: `.o_form_view div[name=l10n_fr_chorus_works_piece]:contains(${tourConfig().monthly})`,
        },
        {
            content: "The project manager comes from the contract",
            trigger: `.o_form_view div[name=l10n_fr_chorus_moe_id] input:value(${tourConfig().moe})`,
        },
        screenshot("chorus_pro_works_piece", null, 1100),
    ],
});
