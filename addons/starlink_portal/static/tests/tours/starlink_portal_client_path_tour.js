/** @odoo-module **/
/**
 * A client's path through the portal (test_portal_browser.py): from /my to the dashboard, a
 * line's page, another date range, its CSV export, then a plan upgrade, from the choice of the
 * plan to the request waiting for approval on the line page.
 *
 * The test's line is "Harbour office" (SLP-A-0020), on a 100 GB plan, with daily usage of the
 * last months; "Portal Big 200 GB" is an offered, bigger plan.
 */

import { registry } from "@web/core/registry";

const LINE = "Harbour office";
const NUMBER = "SLP-A-0020";
const BIG_PLAN = "Portal Big 200 GB";
// What a step saw, for the steps of the next pages (the tour's own module is loaded again on
// each page).
const STORE = "starlink_portal_client_path";

function fail(message) {
    throw new Error(message);
}

function remember(values) {
    const known = JSON.parse(sessionStorage.getItem(STORE) || "{}");
    sessionStorage.setItem(STORE, JSON.stringify({ ...known, ...values }));
}

function recall(key) {
    const value = JSON.parse(sessionStorage.getItem(STORE) || "{}")[key];
    if (value === undefined) {
        fail(`nothing remembered as ${key}`);
    }
    return value;
}

/** ``iso`` (YYYY-MM-DD) moved by ``days``. */
function shiftDay(iso, days) {
    const day = new Date(`${iso}T00:00:00Z`);
    day.setUTCDate(day.getUTCDate() + days);
    return day.toISOString().slice(0, 10);
}

function daysBetween(from, to) {
    return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86400000) + 1;
}

/**
 * Pick ``iso`` in a date input, as its date picker does: typing into an <input type="date">
 * one character at a time (the tour's "edit") leaves it empty.
 */
async function fillDate(helpers, input, iso) {
    await helpers.click();
    input.value = iso;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
    if (input.value !== iso) {
        fail(`the date input ${input.id} refused ${iso}`);
    }
}

/** A displayed amount ("$ 1,234.56", "1 234,56 €") as a number. */
function amountOf(text) {
    const digits = text.replace(/[^\d.,-]/g, "");
    const match = digits.match(/^(-?[\d.,]*?)[.,](\d{2})$/);
    return match ? Number(`${match[1].replace(/[.,]/g, "")}.${match[2]}`) : Number(digits);
}

registry.category("web_tour.tours").add("starlink_portal_client_path", {
    url: "/my",
    steps: () => [
        {
            content: "Clear what a previous run remembered",
            trigger: "body",
            run() {
                sessionStorage.removeItem(STORE);
            },
        },
        {
            content: "Open the service lines from the portal home",
            trigger: ".o_portal_my_home a[href='/my/starlink']",
            run: "click",
        },
        {
            content: `Open the line ${LINE} from its card on the dashboard`,
            trigger: `#o_starlink_line_cards .o_starlink_line_card:contains(${LINE}) a.o_starlink_line_link`,
            run: "click",
        },
        {
            content: "The line page shows the current cycle; choose the 30 days before it",
            trigger: `#o_starlink_line_header:contains(${LINE})`,
            run() {
                const chart = document.querySelector("#o_starlink_line_usage_chart");
                const cycleStart = chart.dataset.dateFrom;
                if (document.querySelector("#o_starlink_date_from").value !== cycleStart) {
                    fail("the range form does not start with the current cycle");
                }
                remember({ from: shiftDay(cycleStart, -30), to: shiftDay(cycleStart, -1) });
            },
        },
        {
            content: "Fill the first day of the range",
            trigger: "#o_starlink_line_range #o_starlink_date_from",
            async run(helpers) {
                await fillDate(helpers, this.anchor, recall("from"));
            },
        },
        {
            content: "Fill the last day of the range",
            trigger: "#o_starlink_line_range #o_starlink_date_to",
            async run(helpers) {
                await fillDate(helpers, this.anchor, recall("to"));
            },
        },
        {
            content: "Group by day",
            trigger: "#o_starlink_line_range #o_starlink_grouping",
            run: "select day",
        },
        {
            content: "Show the range",
            trigger: "#o_starlink_line_range button[type='submit']",
            async run(helpers) {
                const from = document.querySelector("#o_starlink_date_from").value;
                const to = document.querySelector("#o_starlink_date_to").value;
                if (from !== recall("from") || to !== recall("to")) {
                    fail(`the range form holds ${from} to ${to}`);
                }
                // Gone with this page: the next step waits for the page of the new range.
                document.body.classList.add("o_starlink_tour_old_range");
                await helpers.click();
            },
        },
        {
            content: "The usage table shows the chosen range, one row a day",
            trigger: "body:not(.o_starlink_tour_old_range) #o_starlink_line_usage_chart[data-grouping='day']",
            run() {
                const from = recall("from");
                const to = recall("to");
                const chart = this.anchor;
                if (chart.dataset.dateFrom !== from || chart.dataset.dateTo !== to) {
                    fail(`the page shows ${chart.dataset.dateFrom} to ${chart.dataset.dateTo}, not ${from} to ${to}`);
                }
                const days = [
                    ...document.querySelectorAll("#o_starlink_line_usage_table .o_starlink_usage_row"),
                ].map((row) => row.dataset.date);
                if (days.length !== daysBetween(from, to) || days[0] !== from || days.at(-1) !== to) {
                    fail(`the table holds ${days.length} days from ${days[0]} to ${days.at(-1)}`);
                }
                if (document.querySelector("#o_starlink_date_to").value !== to) {
                    fail("the range form lost the chosen last day");
                }
            },
        },
        {
            content: "Export the range as CSV: the file holds every day of the range, of this line only",
            trigger: "#o_starlink_line_actions a.o_starlink_export_csv",
            async run(helpers) {
                const link = this.anchor;
                // The download is read here rather than saved by the browser.
                link.addEventListener("click", (event) => event.preventDefault(), { once: true });
                await helpers.click();
                const response = await fetch(link.href);
                if (!response.ok || !response.headers.get("Content-Type").startsWith("text/csv")) {
                    fail(`the CSV export answered ${response.status} ${response.headers.get("Content-Type")}`);
                }
                const [header, ...rows] = (await response.text())
                    .trim()
                    .split(/\r?\n/)
                    .map((row) => row.split(","));
                const dateColumn = header.indexOf("Date");
                const lineColumn = header.indexOf("Service Line");
                if (dateColumn < 0 || lineColumn < 0) {
                    fail(`unexpected CSV header: ${header.join(",")}`);
                }
                const from = recall("from");
                const to = recall("to");
                const days = rows.map((row) => row[dateColumn]);
                if (days.length !== daysBetween(from, to) || days[0] !== from || days.at(-1) !== to) {
                    fail(`the CSV holds ${days.length} days from ${days[0]} to ${days.at(-1)}, not ${from} to ${to}`);
                }
                const others = rows.filter((row) => row[lineColumn] !== NUMBER);
                if (others.length) {
                    fail(`the CSV holds rows of another line than ${NUMBER}: ${others[0]}`);
                }
            },
        },
        {
            content: "Go to the plan change",
            trigger: "#o_starlink_line_actions .o_starlink_goto_plan_change",
            run: "click",
        },
        {
            content: `Choose ${BIG_PLAN}: its monthly price and the amount charged now are shown`,
            trigger: `#o_starlink_line_plan_change .o_starlink_plan_option:contains(${BIG_PLAN})`,
            async run(helpers) {
                const text = this.anchor.textContent.replace(/\s+/g, " ");
                const price = text.match(/ ([^ ]+ ?[\d.,]+|[\d.,]+ ?[^ ]+) ?\/mo/);
                const now = text.match(/Upgrade at once, (.+?) now/);
                if (!price || !now) {
                    fail(`the option does not show the monthly price and the amount charged now: ${text}`);
                }
                if (!(amountOf(price[1]) > 0 && amountOf(now[1]) > 0)) {
                    fail(`the option shows no price or charges nothing now: ${text}`);
                }
                remember({ price: amountOf(price[1]), now: amountOf(now[1]) });
                await helpers.click();
                if (!this.anchor.querySelector("input[type='radio']").checked) {
                    fail("choosing the plan did not select it");
                }
            },
        },
        {
            content: "Review the plan change",
            trigger: "#o_starlink_line_plan_change form.o_starlink_plan_change_form button[type='submit']",
            run: "click",
        },
        {
            content: "The review shows the new plan, its price and the prorated amount charged now",
            trigger: `#o_starlink_request_review .o_starlink_review_quote:contains(${BIG_PLAN})`,
            run() {
                const price = amountOf(this.anchor.querySelector(".o_starlink_review_price").textContent);
                const amount = this.anchor.querySelector(".o_starlink_review_amount");
                const explain = this.anchor.querySelector(".o_starlink_review_explain").textContent;
                if (price !== recall("price")) {
                    fail(`the review shows a price of ${price}, the line page ${recall("price")}`);
                }
                if (Number(amount.dataset.amount) !== recall("now")) {
                    fail(`the review charges ${amount.dataset.amount} now, the line page said ${recall("now")}`);
                }
                if (!/days of this cycle/.test(explain)) {
                    fail(`the review does not explain the prorated amount: ${explain}`);
                }
            },
        },
        {
            content: "Confirm the plan change",
            trigger: "#o_starlink_request_review form.o_starlink_request_confirm button[type='submit']",
            run: "click",
        },
        {
            content: "Back on the line page, the request is listed, waiting for approval",
            trigger: `#o_starlink_line_request_list .o_starlink_request:contains(${BIG_PLAN}) .o_starlink_request_state[data-state='waiting']`,
            run() {
                if (!document.querySelector(".o_starlink_request_notice")) {
                    fail("no notice that the request was sent");
                }
                if (!document.querySelector("#o_starlink_line_plan_change").textContent.includes("waiting")) {
                    fail("the plan change form is still offered while a change waits");
                }
                sessionStorage.removeItem(STORE);
            },
        },
    ],
});
