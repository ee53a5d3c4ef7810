/** @odoo-module */
/**
 * What the Chorus Pro tours share: the configuration the Python test passes in a cookie, screenshots for the README,
 * and the way to an invoice (tests/test_chorus_tour.py drives them).
 */

export const CONFIG_COOKIE = "l10n_fr_chorus_pro_tour";
export const SCREENSHOT_MARKER = "l10n_fr_chorus_pro:screenshot:";
export const SCREENSHOT_EVENT = "l10n_fr_chorus_pro:screenshot-taken";
export const SCREENSHOT_WAIT = 20000;

export function tourConfig() {
    const prefix = `${CONFIG_COOKIE}=`;
    const cookie = document.cookie.split("; ").find((c) => c.startsWith(prefix));
    return cookie ? JSON.parse(decodeURIComponent(cookie.slice(prefix.length))) : {};
}

export function nextFrames() {
    return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
}

/**
 * Ask the Python test for a screenshot of the viewport (docs/<name>.png) and wait until it is taken.
 * With ``height``, the viewport is that tall for this screenshot only. ``prepare(anchor)`` gets the element found
 * by ``trigger``: a view may re-render between two steps, so it must not look up what an earlier step found.
 */
export function screenshot(name, prepare, height, trigger = "body") {
    return {
        content: `Screenshot ${name} for the README`,
        trigger,
        timeout: SCREENSHOT_WAIT + 5000,
        async run() {
            if (prepare) {
                prepare(this.anchor);
            }
            if (!tourConfig().screenshots) {
                return;
            }
            await nextFrames();
            await new Promise((resolve) => {
                const timer = setTimeout(resolve, SCREENSHOT_WAIT);
                const listener = (ev) => {
                    if (ev.detail === name) {
                        clearTimeout(timer);
                        window.removeEventListener(SCREENSHOT_EVENT, listener);
                        resolve();
                    }
                };
                window.addEventListener(SCREENSHOT_EVENT, listener);
                console.log(`${SCREENSHOT_MARKER}${name}${height ? `:${height}` : ""}`);
            });
        },
    };
}

export function scrollIntoView(selector, block = "start") {
    return () => document.querySelector(selector)?.scrollIntoView({ block, behavior: "instant" });
}

export function openApp(xmlid, appName) {
    return [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: `Open « ${appName} » (Odoo speaks French)`,
            trigger: `.o_app[data-menu-xmlid="${xmlid}"]:contains(${appName})`,
            run: "click",
        },
    ];
}

/** Facturation, then its « Clients » menu open (the invoices, the overview, the contracts are under it). */
export function openCustomersMenu() {
    return [
        ...openApp("account.menu_finance", "Facturation"),
        {
            content: "Menu « Clients »",
            trigger: '.o_main_navbar [data-menu-xmlid="account.menu_finance_receivables"]',
            run: "click",
        },
    ];
}

export function openInvoices() {
    return [
        ...openCustomersMenu(),
        {
            content: "« Factures »",
            trigger: '.dropdown-item[data-menu-xmlid="account.menu_action_move_out_invoice_type"]:contains(Factures)',
            run: "click",
        },
        {
            content: "The list of customer invoices",
            trigger: ".o_breadcrumb:contains(Factures)",
        },
    ];
}

export function openInvoice(name) {
    return [
        ...openInvoices(),
        {
            content: `Open the invoice ${name}`,
            trigger: `.o_list_renderer .o_data_row td[name=name]:contains(${name})`,
            run: "click",
        },
        {
            content: "Its « Chorus Pro » tab",
            trigger: ".o_form_view .o_notebook_headers a[name=l10n_fr_chorus]",
            run: "click",
        },
    ];
}

export function editField(field, key) {
    return {
        content: `Fill in ${field}`,
        trigger: `#l10n_fr_chorus_connection div[name=${field}] input`,
        run(helpers) {
            return helpers.edit(tourConfig()[key]);
        },
    };
}

export function selectRow(name) {
    return {
        content: `Select the invoice ${name}`,
        trigger: `.o_list_renderer .o_data_row:has(td[name=name]:contains(${name})) .o_list_record_selector input`,
        run: "click",
    };
}
