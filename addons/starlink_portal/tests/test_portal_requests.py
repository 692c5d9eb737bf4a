"""Plan change and top-up requests from the line page (issue 9 item 4): the quote shown
before confirming, one request per confirmation form, another client's line refused,
anonymous visitors sent to the login, forms without a valid CSRF token refused."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common_requests import StarlinkPortalRequestCase


@tagged("post_install", "-at_install")
class TestPortalRequests(StarlinkPortalRequestCase):
    def setUp(self):
        super().setUp()
        freezer = freeze_time(self.frozen_now)
        freezer.start()
        self.addCleanup(freezer.stop)

    # ------------------------------------------------------------------ quotes

    def test_upgrade_quote_shown_before_confirming(self):
        """100.00 → 200.00 on 11 January, cycle 1-31 January invoiced in advance: the 21 days
        left at the difference, 100 × 21 / 31 = 67.74, hand-checked."""
        self.authenticate("sl_portal_a", "sl_portal_a")
        page = self.get(self.line_url(self.line_q))
        section = page.text.split('id="o_starlink_line_requests"')[1].split("</section>")[0]
        option = section.split(f'data-plan-id="{self.big.id}"')[1].split("</label>")[0]
        self.assertIn("200.00", option)
        self.assertIn("67.74", option)
        self.assertIn("Upgrade at once", option)
        self.assertNotIn(self.hidden.name, section, "a plan not offered is not listed")
        self.assertNotIn(f'value="{self.small.id}"', section, "not the current plan")

        response, form = self.review("/plan-change", plan_id=self.big.id)
        quote = response.text.split('class="row mb-0 o_starlink_review_quote"')[1].split("</dl>")[0]
        self.assertIn("67.74", quote)
        self.assertIn("200.00", quote)
        self.assertIn("100.00", quote)
        self.assertIn("21", quote)
        self.assertIn("31", quote)
        self.assertEqual(form["amount_shown"], "67.74")
        self.assertEqual(form["plan_id"], str(self.big.id))
        self.assertTrue(form["csrf_token"] and form["form_token"])
        self.assertFalse(self.requests(), "nothing is recorded before confirming")

    def test_confirm_creates_one_request_even_when_submitted_twice(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        __, form = self.review("/plan-change", plan_id=self.big.id)
        url = self.line_url(self.line_q, "/plan-change")
        first = self.post(url, form)
        self.assertEqual(first.status_code, 303)
        self.assertIn(
            f"/my/starlink/lines/{self.line_q.id}?request_notice=sent", first.headers["Location"]
        )
        second = self.post(url, form)
        self.assertEqual(second.status_code, 303, "the same form again: back to the line")
        request = self.requests()
        self.assertEqual(len(request), 1)
        self.assertRecordValues(
            request,
            [{"kind": "plan_change", "state": "to_approve", "client_state": "waiting",
              "product_id": self.big.id, "current_product_id": self.small.id,
              "is_upgrade": True, "old_price": 100.0, "price": 200.0, "amount_now": 67.74,
              "effective_date": date(2027, 1, 11), "requested_by_id": self.user_a.id,
              "partner_id": self.client_a.id}],
        )  # fmt: skip
        # Sales are told: an activity for the client's salesperson, a note on the line.
        self.assertEqual(request.activity_ids.user_id, self.sales)
        self.assertIn("Portal Big 200 GB", self.line_q.message_ids[0].body)
        # A new form for the same line while one waits: refused, still one request.
        refused = self.get(self.line_url(self.line_q, "/plan-change", plan_id=self.tiny.id))
        self.assertIn("request_notice=pending", refused.headers["Location"])
        form["form_token"] = "x" * 32
        self.post(url, form)
        self.assertEqual(len(self.requests()), 1)
        # The client sees the request and its state on the line page.
        page = self.get(self.line_url(self.line_q, request_notice="sent"))
        listed = page.text.split('id="o_starlink_line_request_list"')[1].split("</section>")[0]
        self.assertIn(f'data-request-id="{request.id}"', listed)
        self.assertIn("Waiting for approval", listed)
        self.assertIn("sent to our team", page.text)

    def test_downgrade_is_scheduled_for_the_next_cycle(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response, form = self.review("/plan-change", plan_id=self.tiny.id)
        self.assertEqual(form["amount_shown"], "0.00")
        self.assertIn("at the next cycle", response.text)
        self.post(self.line_url(self.line_q, "/plan-change"), form)
        self.assertRecordValues(
            self.requests(),
            [{"is_upgrade": False, "amount_now": 0.0, "price": 60.0,
              "effective_date": date(2027, 2, 1)}],
        )  # fmt: skip

    def test_top_up_charged_once_at_its_price(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        page = self.get(self.line_url(self.line_q))
        self.assertIn('id="o_starlink_top_up_blocks"', page.text)
        response, form = self.review("/top-up", blocks=3)
        self.assertIn("75.00", response.text)
        self.assertEqual(form["blocks"], "3")
        url = self.line_url(self.line_q, "/top-up")
        self.post(url, form)
        self.post(url, form)
        self.assertRecordValues(
            self.requests(),
            [{"kind": "top_up", "block_count": 3, "data_gb": 150.0, "price": 25.0,
              "amount_now": 75.0, "product_id": self.block.id}],
        )  # fmt: skip

    def test_choices_not_offered_are_refused(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        __, form = self.review("/plan-change", plan_id=self.big.id)
        for plan in (self.hidden, self.small):
            response = self.post(
                self.line_url(self.line_q, "/plan-change"), dict(form, plan_id=plan.id)
            )
            self.assertEqual(response.status_code, 303)
        __, form = self.review("/top-up", blocks=1)
        for blocks in ("0", "11", "-2", "1.5"):
            self.post(self.line_url(self.line_q, "/top-up"), dict(form, blocks=blocks))
        self.assertFalse(self.requests())

    def test_an_amount_higher_than_shown_asks_again(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        __, form = self.review("/plan-change", plan_id=self.big.id)
        response = self.post(
            self.line_url(self.line_q, "/plan-change"), dict(form, amount_shown="10.00")
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("The amount changed", response.text)
        self.assertFalse(self.requests())

    # ------------------------------------------------------------------ who may ask

    def test_another_clients_line_is_refused_and_nothing_created(self):
        self.authenticate("sl_portal_b", "sl_portal_b")
        review = self.get(self.line_url(self.line_q, "/plan-change", plan_id=self.big.id))
        self.assertRefused(review, "Quarry", "SLP-A-0010")
        csrf = self.csrf_token()
        for suffix, data in (
            ("/plan-change", {"plan_id": self.big.id}),
            ("/top-up", {"blocks": 1}),
        ):
            response = self.post(
                self.line_url(self.line_q, suffix),
                dict(data, csrf_token=csrf, form_token="b" * 32, amount_shown="1000"),
            )
            self.assertRefused(response, "Quarry", "SLP-A-0010")
        self.assertFalse(self.requests())
        page = self.get(self.line_url(self.line_b))
        self.assertEqual(page.status_code, 200)
        self.assertIn('id="o_starlink_line_requests"', page.text, "B asks for his own line")

    def test_another_clients_request_cannot_be_cancelled(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        __, form = self.review("/top-up", blocks=1)
        self.post(self.line_url(self.line_q, "/top-up"), form)
        request = self.requests()
        self.authenticate("sl_portal_b", "sl_portal_b")
        response = self.post(
            f"/my/starlink/requests/{request.id}/cancel", {"csrf_token": self.csrf_token()}
        )
        self.assertRefused(response, "Quarry")
        self.assertEqual(request.state, "to_approve")
        # A form token of A's request replayed by B: refused, A's request untouched.
        response = self.post(
            self.line_url(self.line_b, "/top-up"),
            dict(form, csrf_token=self.csrf_token()),
        )
        self.assertRefused(response, "Quarry")
        self.assertFalse(self.requests(self.line_b))

    def test_client_cancels_a_request_waiting_for_approval(self):
        self.authenticate("sl_portal_a2", "sl_portal_a2")  # another contact of client A
        __, form = self.review("/top-up", blocks=2)
        self.post(self.line_url(self.line_q, "/top-up"), form)
        request = self.requests()
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.post(
            f"/my/starlink/requests/{request.id}/cancel", {"csrf_token": self.csrf_token()}
        )
        self.assertIn("request_notice=cancelled", response.headers["Location"])
        self.assertEqual((request.state, request.client_state), ("cancelled", "cancelled"))
        self.assertFalse(request.activity_ids)
        with self.assertRaises(UserError):
            request.with_user(self.sales).action_approve()

    def test_anonymous_visitor_is_sent_to_login(self):
        for url in (
            self.line_url(self.line_q, "/plan-change", plan_id=self.big.id),
            self.line_url(self.line_q, "/top-up", blocks=1),
        ):
            self.assertLoginRedirect(self.get(url))
        response = self.post(
            self.line_url(self.line_q, "/top-up"),
            {"blocks": 1, "form_token": "c" * 32, "amount_shown": "25"},
        )
        self.assertLoginRedirect(response)
        self.assertFalse(self.requests())

    def test_share_link_visitor_sees_no_request_form(self):
        token = self.line_q._portal_ensure_token()
        page = self.get(self.line_url(self.line_q, access_token=token))
        self.assertEqual(page.status_code, 200)
        self.assertNotIn('id="o_starlink_line_requests"', page.text)

    @mute_logger("odoo.http")
    def test_missing_or_invalid_csrf_token_is_refused(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        __, form = self.review("/top-up", blocks=1)
        url = self.line_url(self.line_q, "/top-up")
        without = dict(form)
        del without["csrf_token"]
        self.assertEqual(self.post(url, without).status_code, 400)
        self.assertEqual(self.post(url, dict(form, csrf_token="forged")).status_code, 400)
        self.assertFalse(self.requests())
        self.assertEqual(self.post(url, form).status_code, 303)
        self.assertEqual(len(self.requests()), 1)

    # ------------------------------------------------------------------ approval

    def test_approval_is_refused_when_the_quote_no_longer_holds(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        __, form = self.review("/plan-change", plan_id=self.big.id)
        self.post(self.line_url(self.line_q, "/plan-change"), form)
        request = self.requests()
        self.big.list_price = 400.0  # the upgrade would now cost more than the client saw
        with self.assertRaises(UserError):
            request.with_user(self.sales).action_approve()
        viewer = new_test_user(
            self.env, login="sl_portal_viewer", groups="starlink_base.starlink_base_group_viewer",
            company_id=self.company.id, company_ids=[self.company.id],
        )  # fmt: skip
        with self.assertRaises(AccessError):
            request.with_user(viewer).action_approve()
        request.refuse_reason = "Please call us to discuss the bigger plans."
        request.with_user(self.sales).action_refuse()
        self.assertEqual(request.client_state, "refused")
        page = self.get(self.line_url(self.line_q))
        self.assertIn("Declined", page.text)
        self.assertIn("Please call us", page.text)
