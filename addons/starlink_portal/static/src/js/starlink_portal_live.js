/** @odoo-module **/
/**
 * Live values of the client portal: the usage figures, usage bar and terminal health of a
 * line page (/my/starlink/lines/<id>/live) or of the dashboard's visible cards
 * (/my/starlink/live?line_ids=...) are fetched again every minute while the tab is
 * visible, and on the refresh button, then swapped in place: no page reload. The server
 * renders the same templates as the page, so figures keep the visitor's language.
 */

import publicWidget from "@web/legacy/js/public/public_widget";

const DEFAULT_INTERVAL = 60000;
// Parts of a line page section replaced by the fresh ones (null: the whole section).
const LINE_PARTS = {
    o_starlink_line_summary: [".o_starlink_summary_usage", ".o_starlink_summary_stats"],
    o_starlink_line_terminals: null,
};
const CARD_PARTS = [".o_starlink_card_usage", ".o_starlink_card_facts"];

/** Replace `current` by `fresh` (from another document) when they differ. */
function swap(current, fresh) {
    if (!current || !fresh || current.outerHTML === fresh.outerHTML) {
        return false;
    }
    current.replaceWith(document.importNode(fresh, true));
    return true;
}

function parse(html) {
    return new DOMParser().parseFromString(html || "", "text/html");
}

publicWidget.registry.StarlinkLiveValues = publicWidget.Widget.extend({
    selector: "[data-starlink-live-url]",
    events: {
        "click .o_starlink_live_refresh": "_onRefreshClick",
    },

    /**
     * @override
     */
    start() {
        this.interval = parseInt(this.el.dataset.starlinkLiveInterval, 10) || DEFAULT_INTERVAL;
        this.lastRefresh = Date.now();
        this.refreshCount = 0;
        this._onVisibilityChange = this._onVisibilityChange.bind(this);
        document.addEventListener("visibilitychange", this._onVisibilityChange);
        this._schedule();
        return this._super(...arguments);
    },
    /**
     * @override
     */
    destroy() {
        clearTimeout(this.timer);
        document.removeEventListener("visibilitychange", this._onVisibilityChange);
        this._super(...arguments);
    },

    //--------------------------------------------------------------------------
    // Public
    //--------------------------------------------------------------------------

    /**
     * Fetch the live values and update the page; one request at a time.
     *
     * @returns {Promise<Object|null>} the answer, or null when it failed
     */
    refresh() {
        if (!this.pending) {
            this.pending = this._fetch().finally(() => {
                this.pending = null;
                this._schedule();
            });
        }
        return this.pending;
    },

    //--------------------------------------------------------------------------
    // Private
    //--------------------------------------------------------------------------

    _url() {
        const url = this.el.dataset.starlinkLiveUrl;
        const cards = this.el.querySelectorAll(".o_starlink_line_card[data-line-id]");
        if (!cards.length) {
            return url;
        }
        const ids = [...cards].map((card) => card.dataset.lineId).join(",");
        return `${url}${url.includes("?") ? "&" : "?"}line_ids=${ids}`;
    },
    async _fetch() {
        this.el.classList.add("o_starlink_live_loading");
        try {
            const response = await fetch(this._url(), {
                headers: { Accept: "application/json" },
                credentials: "same-origin",
            });
            if (!response.ok) {
                throw new Error(`HTTP ${response.status}`);
            }
            const data = await response.json();
            if (data.sections) {
                this._applySections(data.sections);
            }
            if (data.cards) {
                this._applyCards(data.cards);
            }
            this.lastRefresh = Date.now();
            this.refreshCount += 1;
            this.el.dataset.liveRefreshed = String(this.refreshCount);
            this.el.classList.remove("o_starlink_live_failed");
            this._setTime(data.refreshed_at, data.refreshed_label);
            return data;
        } catch (error) {
            this.el.classList.add("o_starlink_live_failed");
            console.warn("Starlink portal live values:", error.message);
            return null;
        } finally {
            this.el.classList.remove("o_starlink_live_loading");
        }
    },
    _applySections(sections) {
        for (const [id, html] of Object.entries(sections)) {
            const current = document.getElementById(id);
            const fresh = parse(html).getElementById(id);
            if (!current || !fresh || !(id in LINE_PARTS)) {
                continue;
            }
            const parts = LINE_PARTS[id];
            if (!parts) {
                swap(current, fresh);
                continue;
            }
            for (const selector of parts) {
                swap(current.querySelector(selector), fresh.querySelector(selector));
            }
        }
    },
    _applyCards(cards) {
        for (const [id, html] of Object.entries(cards)) {
            const card = this.el.querySelector(`.o_starlink_line_card[data-line-id="${id}"]`);
            const fresh = parse(html).querySelector(".o_starlink_line_card");
            if (!card || !fresh) {
                continue;
            }
            for (const selector of CARD_PARTS) {
                swap(card.querySelector(selector), fresh.querySelector(selector));
            }
        }
    },
    /**
     * Show when the values were read: the server's time label (the visitor's time format, as
     * the page's other times); the page itself shows the time it was rendered.
     *
     * @param {string} refreshedAt ISO moment in UTC
     * @param {string} label
     */
    _setTime(refreshedAt, label) {
        if (!label) {
            return;
        }
        for (const time of this.el.querySelectorAll(".o_starlink_live_time")) {
            time.textContent = label;
            if (refreshedAt) {
                time.setAttribute("datetime", `${refreshedAt}Z`);
            }
        }
    },
    _schedule() {
        clearTimeout(this.timer);
        if (document.visibilityState === "hidden") {
            return;
        }
        const wait = Math.max(0, this.lastRefresh + this.interval - Date.now());
        this.timer = setTimeout(() => this.refresh(), wait);
    },

    //--------------------------------------------------------------------------
    // Handlers
    //--------------------------------------------------------------------------

    _onVisibilityChange() {
        // Hidden: no polling. Visible again: refresh at once when a minute has passed.
        this._schedule();
    },
    _onRefreshClick(ev) {
        ev.preventDefault();
        this.refresh();
    },
});

export default publicWidget.registry.StarlinkLiveValues;
