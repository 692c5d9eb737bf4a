"""The accessibility audit of the portal's pages (issue 9 item 7): axe-core, pinned by
tools/package-lock.json and installed by tools/setup.sh, runs in Chromium on every page a
client sees, at 390 px (a phone) and 1280 px (a desktop). A serious or critical violation fails
the test, with the rule, its impact and the elements; moderate and minor ones are logged."""

import json
import logging
import os
import unittest
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

from odoo.tests import tagged

from ..lib.requests import new_form_token
from .common_browser import StarlinkPortalBrowserCase

_logger = logging.getLogger(__name__)

# Where tools/setup.sh installs axe-core: $AXE_CORE_JS, else .local/ of the project (three
# levels above this folder).
AXE_CORE_JS = os.environ.get("AXE_CORE_JS") or str(
    Path(__file__).resolve().parents[3] / ".local" / "node_modules" / "axe-core" / "axe.min.js"
)
SIZES = ((390, 844), (1280, 800))
# The page is audited once it is complete: its lazy scripts loaded and its public widgets
# started (their requests answered: none is cut when the browser closes), the home's counters
# loaded, a line's charts drawn.
READY = """(() => {
    const exported = (name) => odoo.loader.modules.get(name)?.[Symbol.for("default")];
    const lazy = exported("@web/legacy/js/public/lazyloader");
    const root = exported("@web/legacy/js/public/public_root_instance");
    return Boolean(lazy && root) && Promise.all([lazy.allScriptsLoaded, root]).then(
        () => document.readyState === "complete"
            && !document.querySelector(".o_portal_doc_spinner")
            && !document.querySelector("#o_starlink_line_page:not([data-charts-ready])")
    );
})()"""
# Loads axe-core from the test's attachment, runs it on the page, and reports through the
# console: console.error fails the test, "test successful" ends it.
AUDIT = """(async () => {
    const where = %(where)s;
    const describe = (violation) => `${violation.id} (${violation.impact}): ${violation.help}`
        + violation.nodes.map((node) => `\\n    ${node.target.join(" ")}`).join("");
    try {
        await new Promise((resolve, reject) => {
            const script = document.createElement("script");
            script.src = %(src)s;
            script.onload = resolve;
            script.onerror = () => reject(new Error(`axe-core not loaded from ${script.src}`));
            document.head.appendChild(script);
        });
        const { violations } = await window.axe.run(document, { resultTypes: ["violations"] });
        const blocking = violations.filter((v) => ["serious", "critical"].includes(v.impact));
        for (const violation of violations.filter((v) => !blocking.includes(v))) {
            console.log("%%s", `axe-core ${where}: ${describe(violation)}`);
        }
        if (blocking.length) {
            console.error("%%s", `axe-core ${where}: ${blocking.length} serious or critical `
                + `violation(s):\\n${blocking.map(describe).join("\\n")}`);
        } else {
            console.log("%%s", `axe-core ${where}: no serious or critical violation`);
            console.log("test successful");
        }
    } catch (error) {
        console.error("%%s", `axe-core ${where}: ${error}`);
    }
})()"""


@tagged("post_install", "-at_install")
class TestPortalAccessibility(StarlinkPortalBrowserCase):
    """As a client (Alice of client A), every portal page passes axe-core with no serious or
    critical violation, on a phone and on a desktop."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.axe_url = None
        if os.path.isfile(AXE_CORE_JS):
            # Served to the page by Odoo itself (a public attachment of the test's transaction).
            axe = cls.env["ir.attachment"].create(
                {
                    "name": "axe.min.js",
                    "raw": Path(AXE_CORE_JS).read_bytes(),
                    "mimetype": "text/javascript",
                    "public": True,
                }
            )
            cls.axe_url = f"/web/content/{axe.id}?download=false"
        # A top-up waiting for approval on a second billed line: its page lists the request
        # with its state and a cancel button.
        cls.jetty = cls._line(
            "SLP-A-0021", cls.client_a, "Jetty", billing_day=cls.harbour.billing_day,
            date_start=cls.harbour.date_start, product_id=cls.small.id,
        )  # fmt: skip
        cls._bill(cls.jetty, 100.0, cls.cycle_end)
        cls.Request.with_user(cls.user_a).sudo()._portal_create(
            cls.jetty.sudo(), "top_up", None, new_form_token(), block_count=2
        )

    def setUp(self):
        super().setUp()
        if not self.axe_url:
            raise unittest.SkipTest(
                f"axe-core is not installed ({AXE_CORE_JS} is missing): run tools/setup.sh, "
                "which installs tools/package-lock.json with npm"
            )

    def audit(self, *urls):
        """Run axe-core on each of ``urls`` at each size, as Alice."""
        for url in urls:
            for width, height in SIZES:
                with (
                    self.subTest(url=url, width=width),
                    patch.object(type(self), "browser_size", f"{width}x{height}"),
                ):
                    code = AUDIT % {
                        "where": json.dumps(f"{url} at {width} px"),
                        "src": json.dumps(self.axe_url),
                    }
                    failure = None
                    try:
                        self.browser_js(url, code, ready=READY, login="sl_portal_a", timeout=60)
                    except AssertionError as error:
                        # Odoo's message starts with the whole test code: keep axe's report.
                        failure = str(error).split(f'{code}" failed', 1)[-1].strip()
                    if failure:
                        self.fail(failure)

    def test_home_and_dashboard(self):
        self.audit("/my", "/my/starlink")

    def test_line_pages(self):
        three_months = {
            "date_from": (self.today - timedelta(days=91)).isoformat(),
            "date_to": self.today.isoformat(),
            "grouping": "week",
        }
        self.audit(
            self.line_url(self.harbour),
            self.line_url(self.harbour, **three_months),
            self.line_url(self.jetty, request_notice="sent"),
        )

    def test_alert_pages(self):
        self.audit(
            "/my/starlink/alerts",
            f"/my/starlink/alerts/{self.harbour_alert.id}",
            "/my/starlink/alerts/preferences",
        )

    def test_request_pages(self):
        self.audit(
            self.line_url(self.harbour, "/plan-change", plan_id=self.big.id),
            self.line_url(self.harbour, "/top-up", blocks=2),
        )

    def test_account_pages(self):
        """Odoo's own pages the portal links to: contact details, security (two-factor
        authentication), invoices."""
        self.audit("/my/account", "/my/security", "/my/invoices")
