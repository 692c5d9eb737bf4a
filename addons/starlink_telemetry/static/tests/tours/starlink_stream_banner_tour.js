/** @odoo-module **/

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("starlink_stream_banner", {
    steps: () => [
        {
            content: "The banner names the failing account and stream",
            trigger: ".o_starlink_stream_banner a:contains('Simulated account'):contains('Terminals')",
        },
        {
            content: "It opens the account",
            trigger: ".o_starlink_stream_banner a:contains('Simulated account')",
            run: "click",
        },
        {
            content: "The account's form is shown",
            trigger: ".o_form_view .o_field_widget[name='account_number']",
        },
    ],
});
