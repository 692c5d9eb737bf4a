/** @odoo-module **/
/**
 * Live values of the client portal: the usage figures, usage bar and terminal health of a
 * line page (/my/starlink/lines/<id>/live) or of the dashboard's visible cards
 * (/my/starlink/live?line_ids=...) are fetched again and swapped in place (no page reload):
 * - at once when the server pushes a `starlink/live` bus notification (after a telemetry
 *   batch, to the partner of a logged-in portal user) naming a line of the page;
 * - on the refresh button;
 * - by polling while the tab is visible, the fallback: every minute, every five minutes
 *   while the bus (websocket) is connected. A share-link visitor (no login) only polls.
 * The server renders the same templates as the page, so figures keep the visitor's language.
 */

import publicWidget from "@web/legacy/js/public/public_widget";
import { session } from "@web/session";
import { user } from "@web/core/user";

const DEFAULT_INTERVAL = 60000;
const BUS_INTERVAL = 300000;
const LIVE_NOTIFICATION = "starlink/live";
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
        const dataset = this.el.dataset;
        this.interval = parseInt(dataset.starlinkLiveInterval, 10) || DEFAULT_INTERVAL;
        this.busInterval = Math.max(
            this.interval,
            parseInt(dataset.starlinkLiveBusInterval, 10) || BUS_INTERVAL
        );
        this.busConnected = false;
        this.lastRefresh = Date.now();
        this.refreshCount = 0;
        this._onVisibilityChange = this._onVisibilityChange.bind(this);
        document.addEventListener("visibilitychange", this._onVisibilityChange);
        this._startBus();
        this._schedule();
        return this._super(...arguments);
    },
    /**
     * @override
     */
    destroy() {
        clearTimeout(this.timer);
        document.removeEventListener("visibilitychange", this._onVisibilityChange);
        if (this.bus) {
            this.bus.unsubscribe(LIVE_NOTIFICATION, this._onLiveNotification);
            for (const [event, handler] of this.busHandlers) {
                this.bus.removeEventListener(event, handler);
            }
        }
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
                if (this.refreshAgain) {
                    // news arrived while the answer was on its way: it may predate them
                    this.refreshAgain = false;
                    this.refresh();
                } else {
                    this._schedule();
                }
            });
        }
        return this.pending;
    },

    //--------------------------------------------------------------------------
    // Private
    //--------------------------------------------------------------------------

    /**
     * Listen to the `starlink/live` notifications of the bus (Odoo's websocket, one per
     * browser, shared by the tabs). The server sends them to the user's partner channel,
     * which Odoo subscribes a logged-in session to: nothing to listen to without login.
     */
    _startBus() {
        if (session.is_public || !user.userId) {
            return;
        }
        try {
            this.bus = this.bindService("bus_service");
        } catch {
            return; // no bus on this page: polling only
        }
        this._onLiveNotification = this._onLiveNotification.bind(this);
        const connected = () => this._setBusConnected(true);
        const disconnected = () => this._setBusConnected(false);
        this.busHandlers = [
            ["connect", connected],
            ["reconnect", connected],
            ["disconnect", disconnected],
            ["reconnecting", disconnected],
        ];
        for (const [event, handler] of this.busHandlers) {
            this.bus.addEventListener(event, handler);
        }
        this.bus.subscribe(LIVE_NOTIFICATION, this._onLiveNotification);
        this.bus.start().then(() => {
            // another tab may have connected the shared websocket already
            if (this.bus.workerState === "CONNECTED") {
                this._setBusConnected(true);
            }
        });
    },
    _setBusConnected(connected) {
        if (this.isDestroyed() || this.busConnected === connected) {
            return;
        }
        this.busConnected = connected;
        this.el.dataset.liveBus = connected ? "connected" : "disconnected";
        this._schedule();
    },
    /** Ids (strings) of the lines shown: the line page's, or the dashboard cards'. */
    _lineIds() {
        const cards = this.el.querySelectorAll(".o_starlink_line_card[data-line-id]");
        if (cards.length) {
            return [...cards].map((card) => card.dataset.lineId);
        }
        return this.el.dataset.lineId ? [this.el.dataset.lineId] : [];
    },
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
        const interval = this.busConnected ? this.busInterval : this.interval;
        const wait = Math.max(0, this.lastRefresh + interval - Date.now());
        this.timer = setTimeout(() => this.refresh(), wait);
    },

    //--------------------------------------------------------------------------
    // Handlers
    //--------------------------------------------------------------------------

    _onVisibilityChange() {
        // Hidden: no polling. Visible again: refresh at once when the interval has passed
        // or a notification came meanwhile.
        this._schedule();
    },
    /**
     * @param {Object} payload `{line_ids: [...]}`: the user's lines whose values changed
     */
    _onLiveNotification(payload) {
        const changed = new Set(((payload && payload.line_ids) || []).map(String));
        if (!this._lineIds().some((id) => changed.has(id))) {
            return;
        }
        this._setBusConnected(true); // a message came through: the websocket works
        if (document.visibilityState === "hidden") {
            this.lastRefresh = 0; // fetched as soon as the tab is shown again
        } else if (this.pending) {
            this.refreshAgain = true;
        } else {
            this.refresh();
        }
    },
    _onRefreshClick(ev) {
        ev.preventDefault();
        this.refresh();
    },
});

export default publicWidget.registry.StarlinkLiveValues;
