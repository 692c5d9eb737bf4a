"""Portal: "Report a problem" on a service line, and a client's tickets (isolation)."""

import lxml.html
import requests

from odoo.tests import tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common_portal import StarlinkHelpdeskPortalCase


@tagged("post_install", "-at_install")
class TestPortalTicketForm(StarlinkHelpdeskPortalCase):
    def test_form_own_line(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(self.ticket_form_url(self.line_a))
        self.assertEqual(response.status_code, 200)
        self.assertIn("SLP-A-0001", response.text)
        values = self.form_values(response.text, "o_starlink_ticket_form")
        self.assertTrue(values["csrf_token"])
        # The line's only terminal is preselected; categories are those shown in the portal.
        self.assertRegex(response.text, rf'<option value="{self.terminal_a.id}" selected')
        self.assertIn("Portal connection", response.text)
        self.assertNotIn("Staff only", response.text)
        self.assertNotIn("UT-PORTAL-B", response.text)

    def test_form_other_client_line_refused(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        for url in (
            self.ticket_form_url(self.line_b),
            self.ticket_form_url(self.line_b, "/suggestions"),
            self.ticket_form_url(self.browse_missing_line_id()),
        ):
            with self.subTest(url=url):
                response = self.get(url)
                self.assertRefused(response, "SLP-B-0001", "Secret vessel", "UT-PORTAL-B")

    def browse_missing_line_id(self):
        line = self.env["starlink.service.line"].search([], order="id desc", limit=1)
        return line.browse(line.id + 1000)

    def test_form_anonymous_goes_to_login(self):
        self.assertLoginRedirect(self.get(self.ticket_form_url(self.line_a)))
        self.assertLoginRedirect(self.get(self.ticket_form_url(self.line_a, "/suggestions")))

    def test_line_page_and_card_offer_report_a_problem(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        url = self.ticket_form_url(self.line_a)
        self.assertIn(f'href="{url}"', self.get(self.line_url(self.line_a)).text)
        self.assertIn(f'href="{url}"', self.get("/my/starlink").text)

    def test_line_page_lists_its_tickets(self):
        """The line page lists the line's tickets, open ones first, with a link to each;
        not another line's (nor another client's), not for a visitor with a share link."""
        closed_stage = self.env["helpdesk.ticket.stage"].search([("closed", "=", True)], limit=1)
        old = self.ticket_a.copy({"name": "Alpha old fault", "stage_id": closed_stage.id})
        other_line = self.ticket_a.copy(
            {"name": "Alpha second line", "service_line_id": self.line_a2.id,
             "terminal_id": self.terminal_a2.id}
        )  # fmt: skip
        self.authenticate("sl_portal_a", "sl_portal_a")
        html = self.get(self.line_url(self.line_a)).text
        doc = lxml.html.fromstring(html)
        rows = doc.xpath("//*[@id='o_starlink_line_tickets']//tr[hasclass('o_starlink_ticket')]")
        titles = [row.xpath("./td[2]")[0].text_content().strip() for row in rows]
        self.assertEqual(titles, ["Alpha farm drop-outs", "Alpha old fault"])
        self.assertIn(f'href="/my/ticket/{self.ticket_a.id}"', html)
        self.assertIn(f'href="/my/ticket/{old.id}"', html)
        self.assertNotIn(other_line.name, html)
        self.assertNotIn(self.ticket_b.name, html)
        # A share link shows the line, not its tickets.
        self.authenticate(None, None)
        token = self.line_a._portal_ensure_token()
        shared = self.get(self.line_url(self.line_a, access_token=token))
        self.assertEqual(shared.status_code, 200)
        self.assertNotIn("o_starlink_line_tickets", shared.text)
        self.assertNotIn(self.ticket_a.name, shared.text)


@tagged("post_install", "-at_install")
class TestPortalTicketSubmit(StarlinkHelpdeskPortalCase):
    def test_submit_creates_one_linked_ticket(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.submit(
            self.line_a,
            files={"attachment": ("dish.jpg", b"\xff\xd8 a photo", "image/jpeg")},
            subject="Drops every evening",
            description="Video calls freeze around 8 pm.\nSince Monday.",
            category=str(self.cat_connection.id),
            terminal=str(self.terminal_a.id),
        )
        tickets = self.tickets_of(self.line_a) - self.ticket_a
        self.assertEqual(len(tickets), 1)
        ticket = tickets
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(f"/my/ticket/{ticket.id}"))
        self.assertEqual(ticket.name, "Drops every evening")
        self.assertEqual(ticket.terminal_id, self.terminal_a)
        self.assertEqual(ticket.partner_id, self.user_a.partner_id)
        self.assertEqual(ticket.commercial_partner_id, self.client_a)
        self.assertEqual(ticket.category_id, self.cat_connection)
        self.assertEqual(ticket.company_id, self.line_a.company_id)
        self.assertEqual(
            ticket.channel_id, self.env.ref("helpdesk_mgmt.helpdesk_ticket_channel_web")
        )
        self.assertIn("Since Monday.", ticket.description)
        self.assertIn(self.user_a.partner_id, ticket.message_partner_ids)
        self.assertEqual(ticket.attachment_ids.mapped("name"), ["dish.jpg"])
        # The client follows it: the ticket page, with the line and the terminal.
        page = self.get(f"/my/ticket/{ticket.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Drops every evening", page.text)
        self.assertIn('id="o_starlink_ticket_line"', page.text)
        self.assertIn("SLP-A-0001", page.text)
        self.assertIn('id="o_starlink_ticket_terminal"', page.text)

    def test_submit_terminal_of_another_line_refused(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        for terminal in (self.terminal_b, self.terminal_a2):
            with self.subTest(terminal=terminal.user_terminal_id):
                response = self.submit(
                    self.line_a, subject="Hello", description="Text kept",
                    terminal=str(terminal.id),
                )  # fmt: skip
                self.assertEqual(response.status_code, 400)
                self.assertIn("This terminal is not on the service line.", response.text)
                self.assertIn("Text kept", response.text)  # nothing typed is lost
                self.assertNotIn(terminal.user_terminal_id, response.text)
        self.assertEqual(self.tickets_of(self.line_a), self.ticket_a)

    def test_submit_on_other_client_line_refused(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.submit(self.line_b, subject="Intrusion", description="x",
                               terminal=str(self.terminal_b.id))  # fmt: skip
        self.assertRefused(response, "SLP-B-0001", "Secret vessel")
        self.assertEqual(self.tickets_of(self.line_b), self.ticket_b)

    @mute_logger("odoo.http")  # Odoo logs the refused CSRF token as a warning
    def test_submit_without_csrf_refused(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.submit(
            self.line_a, csrf_token="", subject="No token", description="Otherwise valid",
            category=str(self.cat_connection.id), terminal=str(self.terminal_a.id),
        )  # fmt: skip
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.tickets_of(self.line_a), self.ticket_a)

    def test_submit_missing_or_hidden_values_kept_and_explained(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        offered, hidden = str(self.cat_connection.id), str(self.cat_internal.id)
        cases = [
            ({"subject": "", "description": "Kept", "category": offered},
             "Please give your problem a short title."),
            ({"subject": "Titled", "description": "  ", "category": offered},
             "Please describe the problem."),
            ({"subject": "Titled", "description": "x", "category": hidden},
             "Please choose one of the categories offered."),
        ]  # fmt: skip
        for data, message in cases:
            with self.subTest(message=message):
                response = self.submit(self.line_a, **data)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
                # Only this field is marked: the others were fine.
                self.assertEqual(response.text.count("invalid-feedback"), 1)
        self.assertEqual(self.tickets_of(self.line_a), self.ticket_a)

    def test_refresh_without_javascript_creates_nothing(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.submit(
            self.line_a, refresh="1", subject="Kept title", description="Kept text",
            category=str(self.cat_billing.id),
        )  # fmt: skip
        self.assertEqual(response.status_code, 200)
        self.assertIn("Kept title", response.text)
        self.assertIn("Reading your invoice lines", self.suggestion_titles(response.text))
        self.assertEqual(self.tickets_of(self.line_a), self.ticket_a)


@tagged("post_install", "-at_install")
class TestPortalTicketIsolation(StarlinkHelpdeskPortalCase):
    def test_other_client_ticket_page_refused(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(f"/my/ticket/{self.ticket_b.id}")
        self.assertRefused(
            response, self.ticket_b.name, self.ticket_b.number, "Confidential Bravo", "SLP-B-0001"
        )

    def test_colleague_ticket_page_and_list(self):
        """A ticket of another contact of the same client is the client's too."""
        self.authenticate("sl_portal_a", "sl_portal_a")
        page = self.get(f"/my/ticket/{self.ticket_a.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Alpha farm drop-outs", page.text)
        listing = self.get("/my/tickets")
        self.assertEqual(listing.status_code, 200)
        self.assertIn("Alpha farm drop-outs", listing.text)
        self.assertNotIn(self.ticket_b.name, listing.text)
        self.assertNotIn(self.ticket_b.number, listing.text)
        search = self.get(f"/my/tickets?search={self.ticket_b.number}&search_in=number")
        self.assertNotIn(self.ticket_b.name, search.text)

    def test_home_counts_own_tickets(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["ticket_count", "starlink_kb_article_count"]}
        )
        self.assertEqual(counters["ticket_count"], 1)
        self.assertEqual(
            counters["starlink_kb_article_count"],
            self.env["starlink.kb.article"].search_count([("is_published", "=", True)]),
        )
        home = self.get("/my")
        self.assertIn('href="/my/tickets"', home.text)
        self.assertIn('href="/my/help"', home.text)
        self.authenticate("sl_portal_b", "sl_portal_b")
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["ticket_count"]})
        self.assertEqual(counters["ticket_count"], 1)

    def test_close_other_client_ticket_refused(self):
        stage = self.env["helpdesk.ticket.stage"].search(
            [("close_from_portal", "=", True)], limit=1
        )
        if not stage:
            stage = self.env["helpdesk.ticket.stage"].create(
                {"name": "Solved by client", "closed": True, "close_from_portal": True}
            )
        before = self.ticket_b.stage_id
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.get(f"/ticket/close?ticket_id={self.ticket_b.id}&stage_id={stage.id}")
        self.assertRefused(response, self.ticket_b.name)
        self.assertEqual(self.ticket_b.stage_id, before)
        # His own ticket he may close.
        self.get(f"/ticket/close?ticket_id={self.ticket_a.id}&stage_id={stage.id}")
        self.assertEqual(self.ticket_a.stage_id, stage)

    def test_client_replies_on_own_ticket_only(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "helpdesk.ticket",
                "thread_id": self.ticket_a.id,
                "post_data": {"body": "Still dropping tonight", "message_type": "comment"},
            },
        )
        message = self.ticket_a.message_ids.filtered(lambda m: "Still dropping" in (m.body or ""))
        self.assertEqual(message.author_id, self.user_a.partner_id)
        try:
            self.make_jsonrpc_request(
                "/mail/message/post",
                {
                    "thread_model": "helpdesk.ticket",
                    "thread_id": self.ticket_b.id,
                    "post_data": {"body": "Intruder note", "message_type": "comment"},
                },
            )
        except (JsonRpcException, requests.HTTPError):
            pass
        else:
            self.fail("a client posted on another client's ticket")
        self.assertFalse(self.ticket_b.message_ids.filtered(lambda m: "Intruder" in (m.body or "")))


@tagged("post_install", "-at_install")
class TestPortalNewTicketLine(StarlinkHelpdeskPortalCase):
    """Helpdesk's own "New ticket" form (/new/ticket) offers the client's service lines."""

    def new_ticket_form(self, url="/new/ticket"):
        response = self.get(url)
        self.assertEqual(response.status_code, 200, response.text[:300])
        return response.text, lxml.html.fromstring(response.text)

    def submit_new_ticket(self, **data):
        _html, doc = self.new_ticket_form()
        data.setdefault("csrf_token", doc.xpath("//input[@name='csrf_token']/@value")[0])
        data.setdefault("category", self.cat_connection.id)
        data.setdefault("description", "Nothing loads since this morning.")
        return self.url_open("/submitted/ticket", data=data, allow_redirects=False)

    def test_form_offers_the_clients_lines_only(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        html, doc = self.new_ticket_form()
        options = doc.xpath("//select[@name='line']/option")
        self.assertEqual(
            [(o.get("value"), " ".join(o.text_content().split())) for o in options],
            [("", "Not about a service line"),
             (str(self.line_a.id), self.line_a.display_name),
             (str(self.line_a2.id), self.line_a2.display_name),
             (str(self.line_a3.id), self.line_a3.display_name)],
        )  # fmt: skip
        self.assertNotIn("SLP-B-0001", html)
        # a link may preselect the line
        _html, doc = self.new_ticket_form(f"/new/ticket?line={self.line_a2.id}")
        self.assertEqual(
            doc.xpath("//select[@name='line']/option[@selected]/@value"), [str(self.line_a2.id)]
        )

    def test_ticket_names_the_chosen_line(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.submit_new_ticket(subject="Barn is offline", line=self.line_a2.id)
        self.assertEqual(response.status_code, 302, response.text[:300])
        ticket = self.env["helpdesk.ticket"].search([("name", "=", "Barn is offline")])
        self.assertEqual(ticket.service_line_id, self.line_a2)
        self.assertEqual(ticket.terminal_id, self.terminal_a2, "the line's only terminal")
        self.assertEqual(ticket.partner_id, self.user_a.partner_id)
        self.assertEqual(ticket.company_id, self.line_a2.company_id)
        self.assertTrue(response.headers["Location"].endswith(f"/my/ticket/{ticket.id}"))
        # without a line, the ticket is helpdesk's plain one
        self.submit_new_ticket(subject="A general question")
        general = self.env["helpdesk.ticket"].search([("name", "=", "A general question")])
        self.assertEqual(len(general), 1)
        self.assertFalse(general.service_line_id)

    @mute_logger("odoo.http")
    def test_another_clients_line_is_refused(self):
        self.authenticate("sl_portal_a", "sl_portal_a")
        response = self.submit_new_ticket(subject="Forged line", line=self.line_b.id)
        self.assertRefused(response, "SLP-B-0001", "Secret vessel")
        self.assertFalse(self.env["helpdesk.ticket"].search([("name", "=", "Forged line")]))
