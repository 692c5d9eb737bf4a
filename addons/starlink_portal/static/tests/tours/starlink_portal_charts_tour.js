/** @odoo-module **/
/**
 * Browser tests of the portal's charts and live values (test_portal_charts_browser.py):
 * the charts of a line page are drawn by Chart.js, and the refresh button replaces the
 * live values in place with the answer of the live endpoint.
 */

import { registry } from "@web/core/registry";

const STALE = "stale value";

function fail(message) {
    throw new Error(message);
}

async function liveAnswer(root) {
    const url = root.dataset.starlinkLiveUrl;
    const ids = [...root.querySelectorAll(".o_starlink_line_card[data-line-id]")].map(
        (card) => card.dataset.lineId
    );
    const response = await fetch(ids.length ? `${url}?line_ids=${ids.join(",")}` : url, {
        headers: { Accept: "application/json" },
    });
    if (!response.ok) {
        fail(`live endpoint answered ${response.status}`);
    }
    return response.json();
}

function checkBar(container, line) {
    const bar = container.querySelector(".o_starlink_usage_progress");
    if (line.limit_gb && !bar) {
        fail("the usage bar is missing after the refresh");
    }
    if (bar && Math.abs(Number(bar.getAttribute("aria-valuenow")) - line.usage_percent) > 1) {
        fail(`usage bar at ${bar.getAttribute("aria-valuenow")} %, live value ${line.usage_percent} %`);
    }
    if (container.textContent.includes(STALE)) {
        fail("the live refresh left the stale value on the page");
    }
}

// Started on a line page by the test (its url holds the line id and the range).
registry.category("web_tour.tours").add("starlink_portal_line_charts", {
    steps: () => [
        {
            content: "The charts of the line are drawn",
            trigger: "#o_starlink_line_page[data-charts-ready]",
            run() {
                const root = document.querySelector("#o_starlink_line_page");
                if (root.dataset.chartsReady === "error") {
                    fail("the charts could not be loaded");
                }
                const canvases = root.querySelectorAll("canvas.o_starlink_chart_canvas");
                const expected = ["usage", "forecast", "latency", "throughput", "availability", "quality"];
                const keys = [...canvases].map((canvas) => canvas.dataset.chart);
                for (const key of expected) {
                    if (!keys.includes(key)) {
                        fail(`no canvas for the ${key} chart`);
                    }
                }
                for (const canvas of canvases) {
                    const chart = window.Chart && window.Chart.getChart(canvas);
                    if (!chart) {
                        fail(`no Chart.js chart on the ${canvas.dataset.chart} canvas`);
                    }
                    if (canvas.getAttribute("role") !== "img" || !canvas.getAttribute("aria-label")) {
                        fail(`the ${canvas.dataset.chart} chart has no accessible name`);
                    }
                    if (!chart.data.datasets.some((d) => d.data.some((v) => v !== null))) {
                        fail(`the ${canvas.dataset.chart} chart is empty`);
                    }
                }
                const usage = window.Chart.getChart(root.querySelector('canvas[data-chart="usage"]'));
                if (usage.data.datasets.length !== 3 || usage.config.type !== "bar") {
                    fail("the usage chart is not the stacked bars of priority/standard/non-billable");
                }
            },
        },
        {
            content: "Make the live values stale",
            trigger: "#o_starlink_line_summary .o_starlink_summary_usage",
            run() {
                this.anchor.textContent = STALE;
                document.querySelector("#o_starlink_line_terminals .o_starlink_health_badge").textContent = STALE;
            },
        },
        {
            content: "Refresh the live values",
            trigger: "#o_starlink_line_summary .o_starlink_live_refresh",
            run: "click",
        },
        {
            content: "The live values are those of the live endpoint, the charts still drawn",
            trigger: "#o_starlink_line_page[data-live-refreshed]",
            async run() {
                const root = document.querySelector("#o_starlink_line_page");
                const answer = await liveAnswer(root);
                checkBar(root.querySelector(".o_starlink_summary_usage"), answer.line);
                for (const terminal of answer.line.terminals) {
                    const badge = root.querySelector(
                        `[data-terminal-id="${terminal.id}"] .o_starlink_health_badge`
                    );
                    if (!badge || badge.dataset.health !== terminal.health) {
                        fail(`terminal ${terminal.id}: badge does not show ${terminal.health}`);
                    }
                }
                if (root.textContent.includes(STALE)) {
                    fail("a stale value is still on the page");
                }
                if (!window.Chart.getChart(root.querySelector('canvas[data-chart="forecast"]'))) {
                    fail("the refresh removed the forecast chart");
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("starlink_portal_dashboard_live", {
    url: "/my/starlink",
    steps: () => [
        {
            content: "Make a card's live values stale",
            trigger: ".o_starlink_line_card .o_starlink_card_usage",
            run() {
                for (const part of document.querySelectorAll(
                    ".o_starlink_card_usage, .o_starlink_card_health"
                )) {
                    part.textContent = STALE;
                }
            },
        },
        {
            content: "Refresh the live values",
            trigger: "#o_starlink_dashboard .o_starlink_live_refresh",
            run: "click",
        },
        {
            content: "Every card shows the live endpoint's values",
            trigger: "#o_starlink_dashboard[data-live-refreshed]",
            async run() {
                const root = document.querySelector("#o_starlink_dashboard");
                const answer = await liveAnswer(root);
                if (!answer.lines.length) {
                    fail("the live endpoint returned no line");
                }
                for (const line of answer.lines) {
                    const card = root.querySelector(`.o_starlink_line_card[data-line-id="${line.id}"]`);
                    checkBar(card, line);
                    const badge = card.querySelector(".o_starlink_card_health .o_starlink_health_badge");
                    if (line.health && (!badge || badge.dataset.health !== line.health)) {
                        fail(`line ${line.id}: health badge does not show ${line.health}`);
                    }
                }
            },
        },
    ],
});
