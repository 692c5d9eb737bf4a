from freezegun import freeze_time

from odoo import Command, fields
from odoo.addons.starlink_base.lib.billing_cycle import cycle_bounds
from odoo.addons.starlink_telemetry.tests.common import (
    SIM_CLIENT_ID,
    SIM_CLIENT_SECRET,
    SimulatorProcess,
)
from odoo.tests import HttpCase, new_test_user

from .common_requests import StarlinkPortalRequestCase


class StarlinkPortalSimCase(HttpCase):
    """The simulator's fleet synchronised into the current company, its lines on three
    plans offered in the portal, a 25.00 data block, a client with a portal user and his
    salesperson, each in his time zone (none: UTC). Odoo's clock (``freeze_time``) and the
    simulator's (``/_sim/clock``) are pinned together at ``frozen_now`` (UTC).
    ``self.today`` is the day billing counts from: the company's.
    """

    frozen_now = None  # "YYYY-MM-DD HH:MM:SS", UTC
    company_tz = portal_tz = sales_tz = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.partner_id.tz = cls.company_tz
        cls.simulator = SimulatorProcess(terminals=6)
        cls.addClassCleanup(cls.simulator.stop)
        cls.simulator.control(
            "POST", "clock", {"now": cls.frozen_now.replace(" ", "T") + "Z", "speed": 0}
        )
        freezer = freeze_time(cls.frozen_now)
        freezer.start()
        cls.addClassCleanup(freezer.stop)
        config = cls.simulator.control("GET", "config")
        cls.account = cls.env["starlink.account"].create(
            {
                "name": "Portal requests at Starlink",
                "account_number": config["account_number"],
                "company_id": cls.company.id,
                "api_base_url": f"{cls.simulator.url}/api",
                "token_url": f"{cls.simulator.url}/api/auth/connect/token",
                "client_id": SIM_CLIENT_ID,
                "client_secret": SIM_CLIENT_SECRET,
                "telemetry_linger_ms": 0,
            }
        )
        cls.account._sync_inventory()
        cls.env["product.product"].search([("starlink_top_up_block", "=", True)]).write(
            {"starlink_top_up_block": False}
        )
        plans = cls.env["product.product"].with_context(active_test=False)
        prices = {"SL-LP-50GB": 100.0, "SL-LP-1TB": 180.0, "SL-LP-2TB": 250.0}
        cls.plans = {}
        for reference, price in prices.items():
            plan = plans.search([("starlink_product_reference", "=", reference)], limit=1)
            plan.write(
                {"list_price": price, "starlink_portal_offered": True, "active": True,
                 "sale_ok": True, "taxes_id": [Command.clear()]}
            )  # fmt: skip
            cls.plans[reference] = plan
        cls.block = cls.env["product.product"].create(
            {"name": "Data Block 50 GB (portal test)", "type": "service", "list_price": 25.0,
             "starlink_top_up_block": True, "taxes_id": [Command.clear()]}
        )  # fmt: skip
        cls.sales = new_test_user(
            cls.env, login="sl_portal_sim_sales", groups="starlink_base.starlink_base_group_sales",
            company_id=cls.company.id, company_ids=[cls.company.id], tz=cls.sales_tz,
        )  # fmt: skip
        cls.client = cls.env["res.partner"].create(
            {"name": "Portal Sim Client", "is_company": True, "user_id": cls.sales.id,
             "country_id": cls.env.ref("base.us").id, "email": "sim.client@example.com"}
        )  # fmt: skip
        contact = cls.env["res.partner"].create(
            {
                "name": "Sim Contact",
                "parent_id": cls.client.id,
                "email": "sl_portal_sim@example.com",
            }
        )
        cls.portal_user = new_test_user(
            cls.env, login="sl_portal_sim", password="sl_portal_sim", groups="base.group_portal",
            partner_id=contact.id, company_id=cls.company.id, company_ids=[cls.company.id],
            tz=cls.portal_tz,
        )  # fmt: skip
        lines = cls.env["starlink.service.line"].search(
            [("account_id", "=", cls.account.id), ("state", "=", "active")]
        )
        cls.cheap_line = lines.filtered(lambda ln: ln.product_id == cls.plans["SL-LP-50GB"])[:1]
        cls.mid_line = lines.filtered(lambda ln: ln.product_id == cls.plans["SL-LP-1TB"])[:1]
        (cls.cheap_line | cls.mid_line).partner_id = cls.client

    def setUp(self):
        super().setUp()
        self.assertTrue(self.cheap_line and self.mid_line, "the simulator's fleet changed")
        self.simulator.reset()
        self.account._starlink_client().invalidate_token()
        self.today = self.cheap_line._starlink_today()

    # ------------------------------------------------------------------ helpers

    def operations(self):
        return self.simulator.control("GET", "operations")

    def start_billing(self, line):
        """Bill ``line`` from the start of its current cycle, invoiced in advance to its end.

        The line's billing day is Starlink's (the day its current cycle started there): the
        inventory sync leaves it at its default.
        """
        reading = self.account._starlink_client().get_service_line(line.service_line_number)
        cycle = reading["dataBlocks"]["recurringBlocksCurrentBillingCycle"][0]
        line.billing_day = fields.Date.to_date(cycle["startDate"][:10]).day
        line.date_start = cycle_bounds(line.billing_day, self.today)[0]
        line.action_start_billing()
        contract = line.contract_line_id.contract_id
        contract.recurring_create_invoice()
        self.assertEqual(
            line.contract_line_id.last_date_invoiced, cycle_bounds(line.billing_day, self.today)[1]
        )
        return contract

    def ask(self, line, suffix, **query):
        """The client confirms a request on ``line`` in the portal; return the request."""
        self.authenticate("sl_portal_sim", "sl_portal_sim")
        url = f"/my/starlink/lines/{line.id}{suffix}"
        review = self.url_open(
            url + "?" + "&".join(f"{k}={v}" for k, v in query.items()), allow_redirects=False
        )
        self.assertEqual(review.status_code, 200, review.text[:300])
        form = StarlinkPortalRequestCase.form_values(review.text, "o_starlink_request_confirm")
        response = self.url_open(url, data=form, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        request = self.env["starlink.portal.request"].search(
            [("service_line_id", "=", line.id)], limit=1
        )
        self.assertEqual(request.state, "to_approve")
        return request
