/** @odoo-module **/
/**
 * Browser test of the live values pushed through the bus (test_portal_live_bus_browser.py):
 * a line page whose terminal is online listens on the websocket; once the tour says it is
 * ready (it joins the `starlink_portal_live_tour` channel, which the test waits for), the
 * test marks the terminal obstructed in the database and sends the line's `starlink/live`
 * notification; the page shows the new health at once, by one refresh, long before its
 * poll (five minutes while the bus is connected).
 */

import { registry } from "@web/core/registry";

function fail(message) {
    throw new Error(message);
}

registry.category("web_tour.tours").add("starlink_portal_live_bus", {
    steps: () => [
        {
            content: "The line page listens to the bus, its terminal online",
            trigger: "#o_starlink_line_page[data-live-bus='connected']",
            timeout: 20000,
            run() {
                const root = document.querySelector("#o_starlink_line_page");
                const badge = root.querySelector("#o_starlink_line_terminals .o_starlink_health_badge");
                if (!badge || badge.dataset.health !== "online") {
                    fail(`the terminal shows ${badge && badge.dataset.health}, not online`);
                }
                if (root.dataset.liveRefreshed) {
                    fail("the page refreshed before any notification");
                }
                const bus = odoo.__WOWL_DEBUG__.root.env.services.bus_service;
                bus.addChannel("starlink_portal_live_tour");
            },
        },
        {
            content: "The notification brings the new health without waiting for the poll",
            trigger: "#o_starlink_line_terminals .o_starlink_health_badge[data-health='obstructed']",
            timeout: 20000,
            run() {
                const root = document.querySelector("#o_starlink_line_page");
                if (root.dataset.liveRefreshed !== "1") {
                    fail(`${root.dataset.liveRefreshed} refreshes instead of one`);
                }
                if (root.querySelector(".o_starlink_health_badge[data-health='online']")) {
                    fail("the old health is still shown");
                }
            },
        },
    ],
});
