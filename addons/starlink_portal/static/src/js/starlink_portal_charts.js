/** @odoo-module **/
/**
 * Charts of a service line's portal page, drawn with the Chart.js that Odoo ships
 * (bundle "web.chartjs_lib", loaded on demand, no CDN). The series come from
 * /my/starlink/lines/<id>/charts for the page's range and grouping; each canvas is an
 * image whose aria-label summarises it (the usage table stays as its text).
 */

import { loadBundle } from "@web/core/assets";
import publicWidget from "@web/legacy/js/public/public_widget";

const MANY_POINTS = 62;

/** "#rrggbb" with an alpha, as rgba(). */
export function withAlpha(hex, alpha) {
    const value = (hex || "#000000").replace("#", "");
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(value.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

function reducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

publicWidget.registry.StarlinkLineCharts = publicWidget.Widget.extend({
    selector: "#o_starlink_line_page[data-charts-url]",

    /**
     * @override
     */
    start() {
        this.charts = [];
        this.lang = document.documentElement.lang || undefined;
        this.chartsReady = this._loadCharts();
        return this._super(...arguments);
    },
    /**
     * @override
     */
    destroy() {
        for (const chart of this.charts || []) {
            chart.destroy();
        }
        this.charts = [];
        this._super(...arguments);
    },

    //--------------------------------------------------------------------------
    // Private
    //--------------------------------------------------------------------------

    _chartsUrl() {
        const box = this.el.querySelector("#o_starlink_line_usage_chart");
        const params = new URLSearchParams();
        if (box) {
            for (const [key, attribute] of [
                ["date_from", "dateFrom"],
                ["date_to", "dateTo"],
                ["grouping", "grouping"],
            ]) {
                if (box.dataset[attribute]) {
                    params.set(key, box.dataset[attribute]);
                }
            }
        }
        if (this.el.dataset.accessToken) {
            params.set("access_token", this.el.dataset.accessToken);
        }
        return `${this.el.dataset.chartsUrl}?${params.toString()}`;
    },
    async _loadCharts() {
        if (!this.el.querySelector("canvas.o_starlink_chart_canvas")) {
            return;
        }
        try {
            const [response] = await Promise.all([
                fetch(this._chartsUrl(), {
                    headers: { Accept: "application/json" },
                    credentials: "same-origin",
                }),
                loadBundle("web.chartjs_lib"),
            ]);
            if (!response.ok) {
                throw new Error(`charts: HTTP ${response.status}`);
            }
            this.data = await response.json();
            this._setDefaults();
            this._drawUsage(this.data.usage);
            this._drawForecast(this.data.forecast);
            this._drawPerformance(this.data.performance);
            this.el.dataset.chartsReady = String(this.charts.length);
        } catch (error) {
            for (const element of this.el.querySelectorAll(".o_starlink_chart_error")) {
                element.classList.remove("d-none");
            }
            this.el.dataset.chartsReady = "error";
            console.warn("Starlink portal charts:", error.message);
        }
    },
    _setDefaults() {
        const style = getComputedStyle(document.body);
        const Chart = window.Chart;
        Chart.defaults.font.family = style.fontFamily;
        Chart.defaults.color = style.getPropertyValue("--bs-secondary-color").trim() || "#5c6670";
        Chart.defaults.borderColor =
            style.getPropertyValue("--bs-border-color").trim() || "#dee2e6";
    },
    _canvas(key) {
        return this.el.querySelector(`canvas.o_starlink_chart_canvas[data-chart="${key}"]`);
    },
    _number(value, digits = 1) {
        if (value === null || value === undefined) {
            return "—";
        }
        return new Intl.NumberFormat(this.lang, {
            maximumFractionDigits: digits,
            minimumFractionDigits: 0,
        }).format(value);
    },
    /** Options shared by every chart: responsive, legend below, readable ticks. */
    _options({ titles, unit, stacked = false, yMax = null, legend = true, digits = 1, lines = false }) {
        return {
            responsive: true,
            maintainAspectRatio: false,
            animation: reducedMotion() ? false : { duration: 400 },
            interaction: { mode: "index", intersect: false },
            plugins: {
                legend: {
                    display: legend,
                    position: "bottom",
                    labels: {
                        boxWidth: lines ? 24 : 12,
                        boxHeight: 12,
                        padding: 12,
                        usePointStyle: lines,
                        // no entry for a band's lower edge or a series without any point
                        filter: (item, data) => {
                            const dataset = data.datasets[item.datasetIndex];
                            return (
                                !dataset.legendHidden &&
                                dataset.data.some((value) => value !== null && value !== undefined)
                            );
                        },
                    },
                },
                tooltip: {
                    callbacks: {
                        title: (items) => (items.length ? titles[items[0].dataIndex] : ""),
                        label: (item) =>
                            `${item.dataset.label}: ${this._number(item.parsed.y, digits)} ${unit}`,
                    },
                    filter: (item) => !item.dataset.tooltipHidden && item.parsed.y !== null,
                },
            },
            scales: {
                x: {
                    stacked,
                    grid: { display: false },
                    ticks: { autoSkip: true, maxRotation: 0, autoSkipPadding: 8 },
                },
                y: {
                    stacked,
                    beginAtZero: true,
                    max: yMax ?? undefined,
                    title: { display: true, text: unit },
                    ticks: { callback: (value) => this._number(value, digits) },
                },
            },
        };
    },
    _draw(key, config, ariaLabel) {
        const canvas = this._canvas(key);
        if (!canvas) {
            return null;
        }
        if (ariaLabel) {
            canvas.setAttribute("aria-label", ariaLabel);
            canvas.textContent = ariaLabel;
        }
        const chart = new window.Chart(canvas, config);
        this.charts.push(chart);
        return chart;
    },
    _drawUsage(usage) {
        if (!usage) {
            return;
        }
        if (!usage.has_data) {
            // Nothing reported in the range: the table says so, an empty chart says nothing.
            this._canvas("usage")?.closest(".o_starlink_line_usage_chart")?.classList.add("d-none");
            return;
        }
        const many = usage.labels.length > MANY_POINTS;
        this._draw(
            "usage",
            {
                type: "bar",
                data: {
                    labels: usage.labels,
                    datasets: usage.datasets.map((dataset) => ({
                        label: dataset.label,
                        data: dataset.data,
                        backgroundColor: dataset.color,
                        borderColor: dataset.color,
                        borderWidth: 0,
                        barPercentage: many ? 1 : 0.8,
                        categoryPercentage: many ? 1 : 0.8,
                        maxBarThickness: 48,
                    })),
                },
                options: this._options({ titles: usage.titles, unit: usage.unit, stacked: true }),
            },
            usage.aria_label
        );
    },
    _drawForecast(forecast) {
        const canvas = this._canvas("forecast");
        if (!forecast || !canvas) {
            return;
        }
        const sets = forecast.datasets;
        const line = {
            pointRadius: 0,
            pointHoverRadius: 3,
            borderWidth: 2,
            fill: false,
            pointStyle: "line",
        };
        const datasets = [
            {
                ...line,
                label: sets.actual.label,
                data: sets.actual.data,
                borderColor: sets.actual.color,
                backgroundColor: sets.actual.color,
            },
        ];
        if (forecast.has_forecast) {
            datasets.push(
                {
                    ...line,
                    label: sets.predicted.label,
                    data: sets.predicted.data,
                    borderColor: sets.predicted.color,
                    backgroundColor: sets.predicted.color,
                    borderDash: [6, 4],
                    spanGaps: true,
                },
                {
                    ...line,
                    label: sets.lower.label,
                    data: sets.lower.data,
                    borderWidth: 0,
                    spanGaps: true,
                    legendHidden: true,
                    tooltipHidden: true,
                },
                {
                    ...line,
                    label: sets.upper.label,
                    data: sets.upper.data,
                    borderWidth: 0,
                    spanGaps: true,
                    fill: "-1",
                    pointStyle: "rect",
                    backgroundColor: withAlpha(sets.upper.color, 0.2),
                    borderColor: withAlpha(sets.upper.color, 0.2),
                    tooltipHidden: true,
                }
            );
        }
        if (forecast.limit_gb) {
            datasets.push({
                ...line,
                label: sets.limit.label,
                data: forecast.days.map(() => forecast.limit_gb),
                borderColor: sets.limit.color,
                backgroundColor: sets.limit.color,
                borderDash: [2, 3],
                borderWidth: 1.5,
            });
        }
        const options = this._options({
            titles: forecast.titles,
            unit: forecast.unit,
            lines: true,
        });
        this._draw("forecast", { type: "line", data: { labels: forecast.labels, datasets }, options },
            forecast.aria_label);
    },
    _drawPerformance(performance) {
        if (!performance) {
            return;
        }
        const many = performance.labels.length > MANY_POINTS / 2;
        for (const chart of performance.charts) {
            this._draw(
                chart.key,
                {
                    type: "line",
                    data: {
                        labels: performance.labels,
                        datasets: chart.datasets.map((dataset) => ({
                            label: dataset.label,
                            data: dataset.data,
                            borderColor: dataset.color,
                            backgroundColor: dataset.color,
                            borderWidth: 2,
                            pointRadius: many ? 0 : 2,
                            pointHoverRadius: 3,
                            pointStyle: many ? "line" : "circle",
                            fill: false,
                        })),
                    },
                    options: this._options({
                        titles: performance.titles,
                        unit: chart.unit,
                        yMax: chart.y_max,
                        legend: chart.datasets.length > 1,
                        digits: chart.unit === "ms" ? 0 : 2,
                        lines: true,
                    }),
                },
                chart.aria_label
            );
        }
    },
});

export default publicWidget.registry.StarlinkLineCharts;
