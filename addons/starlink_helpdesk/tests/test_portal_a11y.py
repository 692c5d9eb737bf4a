"""Accessibility of the Support pages of the portal: axe-core in Chromium at 390 and 1280 px,
as starlink_portal audits its own pages (no serious or critical violation)."""

import unittest
from pathlib import Path
from unittest.mock import patch

from odoo.addons.starlink_portal.tests import test_portal_accessibility as portal_a11y
from odoo.tests import tagged

from .common_portal import StarlinkHelpdeskPortalCase

# starlink_portal's readiness, and on a ticket page the portal chatter mounted: it loads its
# own bundle after the page, and its root element only exists once that load has started;
# audited before, the page would be left while the load still runs (an error in the log).
READY = f"""(async () => {{
    const ready = await {portal_a11y.READY};
    if (!location.pathname.startsWith("/my/ticket/")) {{
        return ready;
    }}
    const chatter = document.querySelector("#chatterRoot");
    return ready && Boolean(chatter?.shadowRoot?.querySelector(".o-mail-Composer"));
}})()"""


@tagged("post_install", "-at_install")
class TestPortalSupportAccessibility(StarlinkHelpdeskPortalCase):
    browser_size = "1280x800"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.axe_url = None
        if Path(portal_a11y.AXE_CORE_JS).is_file():
            axe = cls.env["ir.attachment"].create(
                {
                    "name": "axe.min.js",
                    "raw": Path(portal_a11y.AXE_CORE_JS).read_bytes(),
                    "mimetype": "text/javascript",
                    "public": True,
                }
            )
            cls.axe_url = f"/web/content/{axe.id}?download=false"

    def setUp(self):
        super().setUp()
        if not self.axe_url:
            raise unittest.SkipTest(f"axe-core is not installed ({portal_a11y.AXE_CORE_JS})")

    def audit(self, *urls):
        with patch.object(portal_a11y, "READY", READY):
            portal_a11y.TestPortalAccessibility.audit(self, *urls)

    def test_report_a_problem(self):
        self.audit(self.ticket_form_url(self.line_a), f"/my/ticket/{self.ticket_a.id}")

    def test_help_pages(self):
        self.audit("/my/help", f"/my/help/{self.article_obstruction.id}")
