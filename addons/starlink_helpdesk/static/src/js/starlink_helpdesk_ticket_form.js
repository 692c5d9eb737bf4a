/** @odoo-module **/
/**
 * "Report a problem" form of the client portal: when the client picks another category or
 * terminal, the suggested articles are fetched again from the server
 * (/my/starlink/lines/<id>/ticket/suggestions, the same template as the page) and swapped in.
 * Without JavaScript, the form's "Show articles for my choices" button does the same by
 * reloading the form with what was typed kept.
 */

import publicWidget from "@web/legacy/js/public/public_widget";

publicWidget.registry.StarlinkTicketSuggestions = publicWidget.Widget.extend({
    selector: "#o_starlink_ticket_form_page",
    events: {
        "change .o_starlink_ticket_refresh_on_change": "_onChoiceChange",
    },

    /**
     * @override
     */
    start() {
        this.form = this.el.querySelector("#o_starlink_ticket_form");
        this.content = this.el.querySelector(".o_starlink_ticket_suggestions_content");
        const refresh = this.el.querySelector(".o_starlink_ticket_refresh");
        if (refresh) {
            refresh.classList.add("d-none");
        }
        this.requestId = 0;
        return this._super(...arguments);
    },

    //--------------------------------------------------------------------------
    // Handlers
    //--------------------------------------------------------------------------

    async _onChoiceChange() {
        if (!this.form || !this.content) {
            return;
        }
        const params = new URLSearchParams();
        for (const name of ["category", "terminal"]) {
            const field = this.form.elements[name];
            if (field && field.value) {
                params.set(name, field.value);
            }
        }
        const requestId = ++this.requestId;
        this.content.setAttribute("aria-busy", "true");
        try {
            const response = await fetch(`${this.form.dataset.suggestionsUrl}?${params}`, {
                credentials: "same-origin",
                headers: { "X-Requested-With": "XMLHttpRequest" },
            });
            if (!response.ok || requestId !== this.requestId) {
                return;
            }
            const html = await response.text();
            const doc = new DOMParser().parseFromString(html, "text/html");
            const fresh = doc.querySelector(".o_starlink_ticket_suggestion_list");
            if (fresh) {
                this.content.replaceChildren(document.importNode(fresh, true));
            }
        } catch {
            // Offline or server error: the current suggestions stay; the form still works.
        } finally {
            if (requestId === this.requestId) {
                this.content.removeAttribute("aria-busy");
            }
        }
    },
});
