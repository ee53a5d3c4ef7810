/** @odoo-module */
/**
 * After a Chorus Pro decision, no dead end: a suspended invoice completed from Odoo, a to-recycle invoice
 * recycled, a rejected invoice replaced — in French, driven by tests/test_chorus_tour.py (test_decisions_*).
 */

import { registry } from "@web/core/registry";
import { openInvoice, screenshot, tourConfig } from "@l10n_fr_chorus_pro/../tests/tours/tour_utils";

function statusIs(label) {
    return {
        content: `The Chorus Pro status reads « ${label} »`,
        trigger: `.o_form_view div[name=l10n_fr_chorus_status]:contains(${label})`,
    };
}

function clickHeaderButton(name, label) {
    return {
        content: `« ${label} »`,
        trigger: `.o_form_view .o_statusbar_buttons button[name=${name}]:contains(${label})`,
        run: "click",
    };
}

function dialogButton(name, label) {
    return {
        content: `« ${label} » in the dialog`,
        trigger: `.modal-dialog .modal-footer button[name=${name}]:contains(${label})`,
        run: "click",
    };
}

// « Suspendue »: documents and a comment sent to the buyer, the processing resumes.
registry.category("web_tour.tours").add("l10n_fr_chorus_pro_tour_complete", {
    url: "/odoo",
    steps: () => [
        ...openInvoice(tourConfig().invoice),
        statusIs(tourConfig().suspended),
        {
            content: "The buyer's comment is on the invoice",
            trigger: `.o_form_view:contains(${tourConfig().buyerComment})`,
        },
        clickHeaderButton("action_l10n_fr_chorus_complete", tourConfig().completeLabel),
        {
            content: "The wizard shows what the buyer wrote",
            trigger: `.modal-dialog .alert-warning:contains(${tourConfig().buyerComment})`,
        },
        {
            content: "Pick the invoice's delivery note",
            trigger: ".modal-dialog div[name=move_attachment_ids] input",
            run: `edit ${tourConfig().document}`,
        },
        {
            content: "The delivery note is offered",
            trigger: `.o-autocomplete--dropdown-menu a:contains(${tourConfig().document})`,
            run: "click",
        },
        {
            content: "A comment for the buyer",
            trigger: ".modal-dialog div[name=comment] input, .modal-dialog div[name=comment] textarea",
            run: `edit ${tourConfig().comment}`,
        },
        screenshot("chorus_pro_complete", null, null, `.modal-dialog .o_tag:contains(${tourConfig().document})`),
        dialogButton("action_complete", tourConfig().completeLabel),
        statusIs(tourConfig().completed),
        {
            content: "The chatter says what was sent",
            trigger: `.o-mail-Chatter .o-mail-Message-body:contains(${tourConfig().document})`,
        },
    ],
});

// « À recycler »: the service (and commitment) the buyer asks to correct, checked against its rules.
registry.category("web_tour.tours").add("l10n_fr_chorus_pro_tour_recycle", {
    url: "/odoo",
    steps: () => [
        ...openInvoice(tourConfig().invoice),
        statusIs(tourConfig().toRecycle),
        clickHeaderButton("action_l10n_fr_chorus_recycle", tourConfig().recycleLabel),
        {
            content: "Choose the right service",
            trigger: ".modal-dialog div[name=service_id] input",
            run: `edit ${tourConfig().serviceSearch}`,
        },
        {
            content: `The service « ${tourConfig().serviceName} »`,
            trigger: `.o-autocomplete--dropdown-menu a:contains(${tourConfig().serviceName})`,
            run: "click",
        },
        {
            content: "Its commitment number (the service requires one)",
            trigger: ".modal-dialog div[name=commitment] input",
            run: `edit ${tourConfig().commitment}`,
        },
        screenshot("chorus_pro_recycle", null, null, `.modal-dialog div[name=service_id] input:value(${tourConfig().serviceName})`),
        dialogButton("action_recycle", tourConfig().recycleLabel),
        statusIs(tourConfig().deposited),
        {
            content: "The invoice follows the correction",
            trigger: `.o_form_view div[name=l10n_fr_chorus_service_id]:contains(${tourConfig().serviceName})`,
        },
    ],
});

// « Rejetée »: never sent again; cancelled by a credit note (not transferred) and replaced by a new invoice.
registry.category("web_tour.tours").add("l10n_fr_chorus_pro_tour_replace", {
    url: "/odoo",
    steps: () => [
        ...openInvoice(tourConfig().invoice),
        statusIs(tourConfig().rejected),
        {
            content: "No « Envoyer à Chorus Pro » for a number Chorus Pro rejected",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_l10n_fr_chorus_send]))",
        },
        screenshot("chorus_pro_rejected", () => document.querySelector(".o_content")?.scrollTo(0, 0), 1300),
        clickHeaderButton("action_l10n_fr_chorus_replace", tourConfig().replaceLabel),
        {
            content: "Odoo says what will happen, in French",
            trigger: `.modal-dialog .modal-body:contains(${tourConfig().confirmText})`,
        },
        {
            content: "Go on",
            trigger: ".modal-dialog .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The new invoice, a draft ready to confirm and send",
            trigger: `.o_form_view .o_statusbar_status .o_arrow_button_current:contains(${tourConfig().draft})`,
        },
        {
            content: "It is for the same public buyer",
            trigger: `.o_form_view div[name=partner_id] input:value(${tourConfig().buyer})`,
        },
    ],
});
