"""Suspension for non-payment (issue 8, item 6; DESIGN §5 and §7).

Two lines of the simulated fleet, billed on one contract: one opted into priority data at
Starlink, one not. Their first invoice is posted in the class set-up, due at once; the
company grants 15 grace days. The simulator is the judge of what reached Starlink:
``GET /_sim/operations`` lists every opt-in/opt-out call and every cancellation.
"""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import StarlinkSimulatorCase

NONPAYMENT_LOGGER = "odoo.addons.starlink_telemetry.models.starlink_service_line_nonpayment"
CLIENT_LOGGER = "odoo.addons.starlink_telemetry.lib.client"
CRON = "starlink_telemetry.ir_cron_starlink_nonpayment"


@tagged("post_install", "-at_install")
class TestNonpayment(StarlinkSimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.company, install_demo=False
        )
        cls.company.write(
            {"starlink_nonpayment_grace_days": 15, "starlink_nonpayment_action": "opt_out",
             "starlink_nonpayment_mail": True, "starlink_nonpayment_enabled": True}
        )  # fmt: skip
        # Only this company's lines are judged (the demo has an overdue client of its own).
        cls.env["res.company"].search([("id", "!=", cls.company.id)]).write(
            {"starlink_nonpayment_enabled": False}
        )
        cls.account._sync_inventory()
        Line = cls.env["starlink.service.line"]
        lines = Line.search([("account_id", "=", cls.account.id), ("state", "=", "active")])
        client = cls.account._starlink_client()
        opted_in = lines.filtered(
            lambda line: client.get_service_line(line.service_line_number).get("optInProductId")
        )
        cls.line, cls.other_line = opted_in[:1], (lines - opted_in)[:1]
        cls.lines = cls.line | cls.other_line
        cls.client = cls.env["res.partner"].create(
            {"name": "Late Payer", "is_company": True, "email": "late@example.com",
             "lang": "en_US", "country_id": cls.env.ref("base.us").id}
        )  # fmt: skip
        today = fields.Date.context_today(cls.env["res.partner"])
        cls.lines.write({"partner_id": cls.client.id, "date_start": today - timedelta(days=3)})
        cls.lines.product_id.write({"list_price": 100.0})
        cls.lines.action_start_billing()
        contract = cls.line.billing_contract_id
        contract.recurring_create_invoice()
        cls.invoice = contract._get_related_invoices()
        cls.invoice.action_post()
        cls.due = cls.invoice.invoice_date_due
        cls.admin = new_test_user(
            cls.env, "nonpayment_admin", groups="starlink_base.starlink_base_group_admin",
            company_id=cls.company.id, company_ids=[cls.company.id],
        )  # fmt: skip
        cls.sales = new_test_user(
            cls.env, "nonpayment_sales", groups="starlink_base.starlink_base_group_sales",
            company_id=cls.company.id, company_ids=[cls.company.id],
        )  # fmt: skip

    def setUp(self):
        super().setUp()
        self.assertEqual(len(self.invoice), 1)
        self.assertEqual(self.invoice.state, "posted")
        self.assertTrue(self.line and self.other_line, "an opted-in line and another one")
        self.assertEqual(
            self.invoice.invoice_line_ids.contract_line_id.starlink_service_line_id, self.lines
        )

    # ------------------------------------------------------------------ helpers

    def run_cron(self, days_after_due):
        return self.env["starlink.service.line"]._cron_suspend_overdue(
            date=self.due + timedelta(days=days_after_due)
        )

    def operations(self):
        return self.simulator.control("GET", "operations")

    def opt_calls(self):
        return [(c["serviceLineNumber"], c["optIn"]) for c in self.operations()["opt_changes"]]

    def mails(self, line):
        """The mails to the client about ``line``."""
        return self.env["mail.mail"].search(
            [("model", "=", "starlink.service.line"), ("res_id", "=", line.id),
             ("recipient_ids", "in", self.client.ids)]
        )  # fmt: skip

    def requests(self, line, kind=None):
        domain = [("service_line_id", "=", line.id)] + ([("kind", "=", kind)] if kind else [])
        return self.env["starlink.api.request"].search(domain)

    @staticmethod
    def posted(record, text):
        return any(text in (body or "") for body in record.message_ids.mapped("body"))

    def pay(self, invoice=None):
        invoice = invoice or self.invoice
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def opted_in_at_starlink(self, line):
        reading = self.account._starlink_client().get_service_line(line.service_line_number)
        return bool(reading.get("optInProductId"))

    def end_cool_down(self):
        """Starlink refuses a second opt-in change within a day of the last one."""
        self.simulator.control("POST", "clock", {"advance_s": 86400 + 1})

    # ------------------------------------------------------------------ suspension

    def test_not_suspended_within_the_grace_days(self):
        self.assertEqual(self.run_cron(15)["suspended"], 0)
        self.assertEqual(set(self.lines.mapped("state")), {"active"})
        self.assertFalse(self.mails(self.line))
        self.assertFalse(self.requests(self.line))
        self.assertEqual(self.opt_calls(), [])

    def test_overdue_line_suspended_mailed_and_opted_out_once(self):
        result = self.run_cron(16)
        self.assertEqual(result, {"resumed": 0, "suspended": 2, "failed": 0})
        line = self.line
        self.assertEqual(line.state, "suspended")
        self.assertEqual(line.nonpayment_date, self.due + timedelta(days=16))
        self.assertEqual(line.nonpayment_invoice_ids, self.invoice)
        self.assertIn(self.invoice.name, line.nonpayment_summary)
        self.assertTrue(line.nonpayment_mailed)
        self.assertTrue(self.posted(line, "Suspended for non-payment"))
        self.assertTrue(self.posted(line, self.invoice.name))
        # one mail, to the client, naming the invoice
        mail = self.mails(line)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.client)
        self.assertIn(self.invoice.name, mail.body_html)
        self.assertIn("suspended", mail.subject)
        # the opt-out reached Starlink once; the other line was not opted in: nothing sent
        request = line.nonpayment_request_id
        self.assertEqual((request.kind, request.state), ("opt_out", "confirmed"))
        self.assertEqual(self.opt_calls(), [(line.service_line_number, False)])
        self.assertFalse(self.opted_in_at_starlink(line))
        other = self.other_line.nonpayment_request_id
        self.assertEqual((other.kind, other.state), ("opt_out", "confirmed"))
        self.assertTrue(self.posted(other, "nothing was sent"))
        # a second and a third run change nothing
        self.assertEqual(self.run_cron(16)["suspended"], 0)
        self.assertEqual(self.run_cron(17)["suspended"], 0)
        self.assertEqual(len(self.mails(line)), 1)
        self.assertEqual(len(self.requests(line)), 1)
        self.assertEqual(len(self.opt_calls()), 1)
        self.assertEqual(line.nonpayment_date, self.due + timedelta(days=16))

    def test_paid_invoice_suspends_nothing(self):
        self.pay()
        self.assertEqual(self.run_cron(30)["suspended"], 0)
        self.assertEqual(set(self.lines.mapped("state")), {"active"})
        self.assertFalse(self.mails(self.line))

    def test_line_suspended_by_hand_is_left_alone(self):
        self.line.action_suspend()
        self.run_cron(16)
        self.assertEqual(self.line.state, "suspended")
        self.assertFalse(self.line.nonpayment_date)
        self.assertFalse(self.mails(self.line))
        self.assertFalse(self.requests(self.line))
        self.assertEqual(self.opt_calls(), [], "the other line was not opted in")
        # paying does not resume a line suspended for another reason
        self.pay()
        self.run_cron(17)
        self.assertEqual(self.line.state, "suspended")
        self.assertEqual(self.other_line.state, "active")

    def test_company_without_suspension(self):
        self.company.starlink_nonpayment_enabled = False
        self.assertEqual(self.run_cron(60)["suspended"], 0)
        self.assertEqual(set(self.lines.mapped("state")), {"active"})

    def test_starlink_date_in_the_context(self):
        Line = self.env["starlink.service.line"].with_context(
            starlink_date=self.due + timedelta(days=16)
        )
        Line._cron_suspend_overdue()
        self.assertEqual(self.line.state, "suspended")

    # ------------------------------------------------------------------ resumption

    def test_payment_resumes_opts_in_and_mails(self):
        self.run_cron(16)
        self.end_cool_down()
        cron = self.env.ref(CRON)
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        self.pay()
        line = self.line
        # resumed at once by the payment, the opt-in recorded for the triggered action
        self.assertEqual(line.state, "active")
        self.assertFalse(line.nonpayment_date)
        self.assertFalse(line.nonpayment_invoice_ids)
        opt_in = self.requests(line, "opt_in")
        self.assertEqual(opt_in.state, "to_send")
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers
        )
        self.assertTrue(self.posted(line, "the overdue invoices are paid"))
        mails = self.mails(line)
        self.assertEqual(len(mails), 2)
        self.assertIn("Payment received", mails.sorted("id")[-1].subject)
        self.assertIn("active again", mails.sorted("id")[-1].body_html)
        # the triggered action sends it; the line not opted in before is not opted in
        self.assertEqual(self.run_cron(17), {"resumed": 0, "suspended": 0, "failed": 0})
        self.assertEqual(opt_in.state, "confirmed")
        self.assertEqual(
            self.opt_calls(),
            [(line.service_line_number, False), (line.service_line_number, True)],
        )
        self.assertTrue(self.opted_in_at_starlink(line))
        self.assertFalse(self.requests(self.other_line, "opt_in"))
        self.assertEqual(self.other_line.state, "active")
        # nothing more, ever
        self.run_cron(18)
        self.assertEqual(len(self.opt_calls()), 2)
        self.assertEqual(len(self.mails(line)), 2)

    def test_credit_note_resumes_through_the_daily_run(self):
        self.run_cron(16)
        self.invoice._reverse_moves([{"ref": "Commercial gesture"}], cancel=True)
        self.assertEqual(self.invoice.payment_state, "reversed")
        self.assertEqual(set(self.lines.mapped("state")), {"suspended"}, "no paid hook")
        self.assertEqual(self.run_cron(17)["resumed"], 2)
        self.assertEqual(set(self.lines.mapped("state")), {"active"})

    def test_mails_in_the_client_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["starlink_telemetry"], ["fr_FR"])
        self.env.invalidate_all()
        self.client.lang = "fr_FR"
        self.run_cron(16)
        suspended = self.mails(self.line)
        self.assertIn("suspendue : factures impayées", suspended.subject)
        self.assertIn("restent impayées après leur échéance", suspended.body_html)
        self.assertIn("plus de données prioritaires", suspended.body_html)
        self.end_cool_down()
        self.pay()
        resumed = self.mails(self.line).sorted("id")[-1]
        self.assertIn("Paiement reçu", resumed.subject)
        self.assertIn("est de nouveau active", resumed.body_html)

    def test_action_none_sends_nothing_to_starlink(self):
        self.company.starlink_nonpayment_action = "none"
        self.run_cron(16)
        self.assertEqual(set(self.lines.mapped("state")), {"suspended"})
        self.assertFalse(self.requests(self.line) | self.requests(self.other_line))
        self.assertEqual(len(self.mails(self.line)), 1)
        self.pay()
        self.run_cron(17)
        self.assertEqual(set(self.lines.mapped("state")), {"active"})
        self.assertFalse(self.requests(self.line) | self.requests(self.other_line))
        operations = self.operations()
        self.assertEqual((operations["opt_changes"], operations["cancellations"]), ([], []))

    def test_no_mail_when_switched_off(self):
        self.company.starlink_nonpayment_mail = False
        self.run_cron(16)
        self.assertEqual(self.line.state, "suspended")
        self.assertFalse(self.line.nonpayment_mailed)
        self.assertFalse(self.mails(self.line))
        self.assertTrue(self.posted(self.line, "The client was not mailed"))

    def test_cancel_deletes_once_and_is_never_resumed(self):
        self.company.starlink_nonpayment_action = "cancel"
        self.run_cron(16)
        cancellations = self.operations()["cancellations"]
        self.assertEqual(
            sorted(c["serviceLineNumber"] for c in cancellations),
            sorted(self.lines.mapped("service_line_number")),
        )
        self.assertTrue(all(c["endNow"] for c in cancellations))
        line = self.line
        self.assertEqual(line.nonpayment_request_id.kind, "cancel")
        self.assertEqual(line.nonpayment_request_id.state, "confirmed")
        # cancelled in Odoo once Starlink confirmed it: billing ends
        self.assertEqual(line.state, "cancelled")
        self.assertTrue(line.date_end)
        self.assertTrue(line.nonpayment_date)
        self.assertIn("cannot be reactivated", self.mails(line).body_html)
        self.run_cron(17)
        self.assertEqual(len(self.operations()["cancellations"]), 2, "each line deleted once")
        # paid afterwards: never resumed, Sales asked for a new activation, the client told
        self.pay()
        self.run_cron(18)
        self.assertEqual(line.state, "cancelled")
        self.assertFalse(line.nonpayment_date)
        self.assertTrue(self.posted(line, "A new activation is needed"))
        self.assertEqual(line.activity_ids.summary, "Offer a new activation")
        last = self.mails(line).sorted("id")[-1]
        self.assertIn("cannot be resumed", last.body_html)
        self.assertEqual(len(self.operations()["cancellations"]), 2)
        self.assertFalse(self.requests(line, "opt_in"))
        self.run_cron(19)
        self.assertEqual(len(line.activity_ids), 1)

    # ------------------------------------------------------------------ failures

    @mute_logger(CLIENT_LOGGER)
    def test_failing_starlink_call_still_suspends_and_shows(self):
        number = self.line.service_line_number
        self.simulator.faults(
            envelope_errors=1, path=f"/public/v2/service-lines/{number}/data/opt-out"
        )
        result = self.run_cron(16)
        self.assertEqual(result["suspended"], 2)
        self.assertEqual(set(self.lines.mapped("state")), {"suspended"})
        request = self.line.nonpayment_request_id
        self.assertEqual(request.state, "failed")
        self.assertEqual(self.line.nonpayment_request_state, "failed")
        self.assertTrue(self.posted(self.line, "refused or failed"))
        self.assertEqual(self.other_line.nonpayment_request_id.state, "confirmed")
        self.assertTrue(self.opted_in_at_starlink(self.line), "nothing applied")
        self.assertEqual(len(self.mails(self.line)), 1)
        # never sent again by the next runs
        self.run_cron(17)
        self.assertEqual(request.state, "failed")
        self.assertEqual(self.opt_calls(), [])
        # paid: nothing to undo at Starlink
        self.pay()
        self.run_cron(18)
        self.assertEqual(self.line.state, "active")
        self.assertFalse(self.requests(self.line, "opt_in"))

    @mute_logger(NONPAYMENT_LOGGER)
    def test_failing_line_does_not_stop_the_others(self):
        model = type(self.env["starlink.service.line"])
        original = model._nonpayment_mail
        broken = self.line

        def mail(line, template):
            if line == broken:
                raise UserError("the mail server refused the template")
            return original(line, template)

        with patch.object(model, "_nonpayment_mail", mail):
            result = self.run_cron(16)
        self.assertEqual((result["suspended"], result["failed"]), (1, 1))
        self.assertEqual(self.other_line.state, "suspended")
        self.assertEqual(len(self.mails(self.other_line)), 1)
        # the failing line is left as it was, the reason on it, nothing sent for it
        self.assertEqual(broken.state, "active")
        self.assertIn("the mail server refused", broken.nonpayment_error)
        self.assertTrue(self.posted(broken, "could not be handled"))
        self.assertFalse(self.requests(broken))
        self.assertEqual(self.opt_calls(), [])
        # the next run suspends it
        self.run_cron(17)
        self.assertEqual(broken.state, "suspended")
        self.assertFalse(broken.nonpayment_error)
        self.assertEqual(len(self.mails(broken)), 1)

    # ------------------------------------------------------------------ by hand

    def test_only_admins_suspend_and_resume_by_hand(self):
        line = self.line.with_user(self.sales)
        for action in ("action_suspend_nonpayment", "action_suspend"):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(line, action)()
        self.assertEqual(self.line.state, "active")
        line.with_user(self.admin).with_context(
            starlink_date=self.due + timedelta(days=1)
        ).action_suspend_nonpayment()
        self.assertEqual(self.line.state, "suspended")
        with self.assertRaises(AccessError):
            line.action_resume()
        self.assertEqual(self.line.state, "suspended")
        self.assertEqual(self.opt_calls(), [(self.line.service_line_number, False)])

    @mute_logger(CLIENT_LOGGER)
    def test_admin_suspends_before_the_grace_and_resumes_before_payment(self):
        admin_line = self.line.with_user(self.admin)
        with self.assertRaisesRegex(UserError, "no unpaid invoice past its due date"):
            admin_line.with_context(starlink_date=self.due).action_suspend_nonpayment()
        # the day after the due date: no grace by hand
        admin_line.with_context(
            starlink_date=self.due + timedelta(days=1)
        ).action_suspend_nonpayment()
        line = self.line
        self.assertEqual(line.state, "suspended")
        self.assertEqual(line.nonpayment_invoice_ids, self.invoice)
        self.assertEqual(line.nonpayment_request_id.state, "confirmed")
        self.assertTrue(self.posted(line, f"by {self.admin.name}"))
        self.assertEqual(len(self.mails(line)), 1)
        # the daily run neither resumes it (unpaid) nor suspends it again
        self.run_cron(1)
        self.assertEqual(line.state, "suspended")
        self.assertEqual(len(self.mails(line)), 1)
        # resumed by hand 20 days after the due date, unpaid
        self.end_cool_down()
        admin_line.with_context(starlink_date=self.due + timedelta(days=20)).action_resume()
        self.assertEqual(line.state, "active")
        self.assertEqual(self.requests(line, "opt_in").state, "confirmed")
        self.assertTrue(self.opted_in_at_starlink(line))
        self.assertIn("active again", self.mails(line).sorted("id")[-1].body_html)
        self.assertTrue(self.posted(line, f"Resumed by {self.admin.name} before payment"))
        self.assertEqual(line.nonpayment_exempt_until, self.due + timedelta(days=35))
        # a new grace period: the other line is suspended, this one not before it is over
        self.run_cron(21)
        self.assertEqual((line.state, self.other_line.state), ("active", "suspended"))
        self.run_cron(35)
        self.assertEqual(line.state, "active")
        self.run_cron(36)
        self.assertEqual(line.state, "suspended")
        self.assertEqual(len(self.mails(line)), 3, "suspended, resumed, suspended again")

    def test_suspend_by_hand_needs_an_unpaid_invoice(self):
        self.pay()
        with self.assertRaisesRegex(UserError, "no unpaid invoice"):
            self.line.with_user(self.admin).action_suspend_nonpayment()
        self.assertEqual(self.line.state, "active")
