from datetime import date

import lxml.html

from odoo import Command
from odoo.tests import new_test_user

from .common import StarlinkPortalCase


class StarlinkPortalRequestCase(StarlinkPortalCase):
    """Client A's line "Quarry" billed on day 1 on a 100.00 plan, invoiced up to 31 January
    2027; bigger and smaller plans offered in the portal, one not offered; a 25.00 data block;
    a salesperson for client A. Tests freeze the day at 11 January 2027 (21 of 31 days left).
    """

    frozen_now = "2027-01-11 10:00:00"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Request = cls.env["starlink.portal.request"]
        # Only this fixture's plans and data block are offered (not the demo's).
        offered = cls.env["product.product"].search(
            ["|", ("starlink_portal_offered", "=", True), ("starlink_top_up_block", "=", True)]
        )
        offered.write({"starlink_portal_offered": False, "starlink_top_up_block": False})
        cls.small = cls._offered_plan("Portal Small 100 GB", "SL-PT-100", 100, 100.0)
        cls.big = cls._offered_plan("Portal Big 200 GB", "SL-PT-200", 200, 200.0)
        cls.tiny = cls._offered_plan("Portal Tiny 50 GB", "SL-PT-50", 50, 60.0)
        cls.hidden = cls._offered_plan("Portal Hidden 1 TB", "SL-PT-1TB", 1000, 300.0)
        cls.hidden.starlink_portal_offered = False
        cls.block = cls.env["product.product"].create(
            {"name": "Portal Data Block", "type": "service", "list_price": 25.0,
             "starlink_top_up_block": True, "taxes_id": [Command.clear()]}
        )  # fmt: skip
        cls.sales = new_test_user(
            cls.env,
            login="sl_portal_sales",
            groups="starlink_base.starlink_base_group_sales",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.client_a.user_id = cls.sales
        cls.line_q = cls._line(
            "SLP-A-0010", cls.client_a, "Quarry", billing_day=1, date_start=date(2026, 12, 1),
            product_id=cls.small.id,
        )  # fmt: skip
        cls._bill(cls.line_q, 100.0, date(2027, 1, 31))

    @classmethod
    def _offered_plan(cls, name, reference, limit, price):
        plan = cls._plan(name, limit, price, overage=1.0)
        plan.write({"starlink_product_reference": reference, "starlink_portal_offered": True})
        return plan

    @classmethod
    def _bill(cls, line, price, invoiced_to):
        """Put ``line`` on a contract at ``price`` a month, invoiced up to ``invoiced_to``."""
        contract = cls.env["contract.contract"].create(
            {
                "name": f"Contract {line.service_line_number}",
                "partner_id": line.partner_id.id,
                "company_id": cls.company.id,
                "contract_line_ids": [
                    Command.create(
                        {
                            "product_id": line.product_id.id,
                            "name": line.product_id.name,
                            "quantity": 1,
                            "price_unit": price,
                            "starlink_service_line_id": line.id,
                            "date_start": line.date_start,
                        }
                    )
                ],
            }
        )
        contract_line = contract.contract_line_ids
        contract_line.last_date_invoiced = invoiced_to
        line.contract_line_id = contract_line
        return contract_line

    # ------------------------------------------------------------------ helpers

    def requests(self, line=None):
        return self.Request.search([("service_line_id", "=", (line or self.line_q).id)])

    @staticmethod
    def form_values(html, css_class):
        """The inputs of the first form with ``css_class`` in ``html``: {name: value}."""
        doc = lxml.html.fromstring(html)
        forms = doc.xpath(f"//form[contains(concat(' ', @class, ' '), ' {css_class} ')]")
        assert forms, f"no form .{css_class} in the page"
        return {field.get("name"): field.get("value") for field in forms[0].xpath(".//input")}

    def review(self, suffix, **query):
        """GET a review page; return (response, confirmation form values)."""
        response = self.get(self.line_url(self.line_q, suffix, **query))
        self.assertEqual(response.status_code, 200, response.text[:300])
        return response, self.form_values(response.text, "o_starlink_request_confirm")

    def post(self, url, data):
        return self.url_open(url, data=data, allow_redirects=False)

    def csrf_token(self):
        """A CSRF token of the current session, from a page with a form."""
        response = self.get("/my/starlink/alerts/preferences")
        return self.form_values(response.text, "o_starlink_preferences_form")["csrf_token"]
