from datetime import date, datetime, timedelta
from unittest.mock import patch

from odoo.addons.mail.tests.common import MockEmail
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CYCLE_END, CYCLE_START, ReportsCase

SENDING = "odoo.addons.starlink_reports.models.starlink_report_schedule_sending"
NOW = datetime(2026, 11, 6, 6, 0)


@tagged("post_install", "-at_install")
class TestReportSchedule(ReportsCase, MockEmail):
    """The scheduled action mails each period's report once, with its PDF, and retries."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Schedule = cls.env["starlink.report.schedule"]
        cls.schedule = cls.Schedule.create(
            {
                "partner_id": cls.client.id,
                "template_id": cls.env.ref("starlink_reports.starlink_report_template_monthly").id,
            }
        )
        # The report of the cycle 5 October - 4 November is due on 6 November.
        cls.schedule.next_date = date(2026, 11, 6)

    def _run(self, now=NOW, **context):
        return self.Schedule.with_context(**context)._cron_send_reports(now=now, commit=False)

    def _sent_to(self):
        return sorted(address for mail in self._mails for address in mail["email_to"])

    def _delivery(self):
        return self.env["starlink.report.delivery"].search([("schedule_id", "=", self.schedule.id)])

    def test_defaults(self):
        self.assertEqual(self.schedule.frequency, "monthly")
        self.assertEqual(self.schedule.billing_day, 5)
        self.assertEqual(self.schedule.recipient_ids, self.client | self.contact)
        self.assertEqual(self.schedule.next_period_start, CYCLE_START)
        self.assertEqual(self.schedule.next_period_end, CYCLE_END)
        # On 30 November the cycle of 5 November is not over: the last one is due.
        self.schedule._rewind_to_last_period(date(2026, 11, 30))
        self.assertEqual(self.schedule.next_date, date(2026, 11, 6))
        self.schedule._rewind_to_last_period(date(2026, 12, 6))
        self.assertEqual(self.schedule.next_date, date(2026, 12, 6))

    def test_sends_once_per_period(self):
        with self.mock_mail_gateway():
            self.assertEqual(self._run(), 1)
            self.assertEqual(self._run(), 0, "nothing is due any more")
        self.assertEqual(
            self._sent_to(), ['"Ann Ridge" <ann@example.com>', '"Ridge Farm" <ridge@example.com>']
        )
        delivery = self._delivery()
        self.assertEqual(delivery.state, "sent")
        self.assertEqual(delivery.mail_status, "sent")
        self.assertEqual((delivery.period_start, delivery.period_end), (CYCLE_START, CYCLE_END))
        self.assertEqual(self.schedule.next_date, date(2026, 12, 6))
        self.assertEqual(self.schedule.last_sent_date, NOW)
        self.assertIn("your Starlink usage report", self._mails[0]["subject"])
        # The delivery log, as staff read it: each recipient's status from Odoo's notifications.
        viewer = self._user("sl_report_viewer", "starlink_base.starlink_base_group_viewer")
        log = delivery.with_user(viewer)
        self.assertEqual(
            sorted(log.notification_ids.mapped("res_partner_id.email")),
            ["ann@example.com", "ridge@example.com"],
        )
        self.assertEqual(set(log.notification_ids.mapped("notification_status")), {"sent"})
        delivery.notification_ids[:1].notification_status = "bounce"
        self.assertEqual(delivery.mail_status, "bounce", "a bounce shows on the delivery")
        # Put back on the same day (by hand, or a second server): the period's key is taken.
        self.schedule.next_date = date(2026, 11, 6)
        with self.mock_mail_gateway():
            self._run()
        self.assertFalse(self._mails, "no second mail for the period")
        self.assertEqual(len(self._delivery()), 1)
        self.assertEqual(self.schedule.next_date, date(2026, 12, 6))

    def test_crash_after_sending_sends_no_second_mail(self):
        Schedule = type(self.Schedule)
        with (
            self.mock_mail_gateway(),
            mute_logger(SENDING),
            patch.object(
                Schedule, "_report_done", autospec=True, side_effect=RuntimeError("server killed")
            ),
        ):
            self._run()
        self.assertEqual(len(self._mails), 2, "the mail left before the crash")
        delivery = self._delivery()
        self.assertEqual(delivery.state, "queued", "the crash came before it was recorded")
        self.assertEqual(self.schedule.next_date, date(2026, 11, 6))
        with self.mock_mail_gateway():
            self._run()
        self.assertFalse(self._mails, "the next run sends nothing again")
        self.assertEqual(delivery.state, "sent")
        self.assertEqual(len(self._delivery()), 1)
        self.assertEqual(self.schedule.next_date, date(2026, 12, 6))

    def test_failed_render_is_retried_with_backoff(self):
        Schedule = type(self.Schedule)
        with (
            self.mock_mail_gateway(),
            mute_logger(SENDING),
            patch.object(
                Schedule,
                "_render_report_pdf",
                autospec=True,
                side_effect=OSError("wkhtmltopdf died"),
            ),
        ):
            self._run()
        delivery = self._delivery()
        self.assertFalse(self._mails)
        self.assertEqual((delivery.state, delivery.attempt_count), ("pending", 1))
        self.assertIn("wkhtmltopdf died", self.schedule.last_error)
        self.assertEqual(self.schedule.retry_date, NOW + timedelta(minutes=15))
        with self.mock_mail_gateway():
            self.assertEqual(self._run(NOW + timedelta(minutes=10)), 0, "not before its retry")
            self._run(NOW + timedelta(minutes=16))
        self.assertEqual(len(self._mails), 2)
        self.assertEqual(delivery.state, "sent")
        self.assertFalse(self.schedule.retry_date)
        self.assertFalse(self.schedule.last_error)

    def test_gives_up_and_tells_staff(self):
        Schedule = type(self.Schedule)
        now = NOW
        with (
            self.mock_mail_gateway(),
            mute_logger(SENDING),
            patch.object(
                Schedule, "_render_report_pdf", autospec=True, side_effect=OSError("no PDF")
            ),
        ):
            for _attempt in range(5):
                self._run(now)
                now = self.schedule.retry_date or now
        delivery = self._delivery()
        self.assertFalse(self._mails)
        self.assertEqual((delivery.state, delivery.attempt_count), ("failed", 5))
        self.assertEqual(self.schedule.next_date, date(2026, 12, 6), "the next period goes on")
        activity = self.schedule.activity_ids
        self.assertEqual(activity.summary, "Report not sent")
        self.assertIn("no PDF", activity.note)

    def test_mail_server_failure_is_retried(self):
        IrMailServer = type(self.env["ir.mail_server"])
        with (
            self.mock_mail_gateway(),
            mute_logger(SENDING),
            patch.object(
                IrMailServer, "connect", autospec=True, side_effect=ConnectionRefusedError("down")
            ),
        ):
            self._run()
        delivery = self._delivery()
        self.assertEqual(delivery.state, "queued")
        self.assertEqual(delivery.mail_status, "exception")
        self.assertEqual(delivery.attempt_count, 1)
        self.assertTrue(self.schedule.retry_date)
        with self.mock_mail_gateway():
            self._run(self.schedule.retry_date)
        self.assertEqual(len(self._mails), 2, "the same mail, sent once")
        self.assertEqual(delivery.state, "sent")
        self.assertEqual(delivery.mail_status, "sent")
        self.assertEqual(len(delivery._report_mails()), 1)

    def test_attaches_the_pdf(self):
        with self.mock_mail_gateway():
            self._run(force_report_rendering=True)
        delivery = self._delivery()
        self.assertEqual(delivery.attachment_id.mimetype, "application/pdf")
        self.assertTrue(delivery.attachment_id.raw.startswith(b"%PDF"))
        self.assertEqual(delivery.attachment_id.name, "Usage report 2026-10-05 to 2026-11-04.pdf")
        attachments = self._mails[0]["attachments"]
        self.assertEqual([name for name, _content, _type in attachments],
                         ["Usage report 2026-10-05 to 2026-11-04.pdf"])  # fmt: skip
        self.assertTrue(attachments[0][1].startswith(b"%PDF"))
        text = self._pdf_text(attachments[0][1])
        _p, _s, counted, _days = self._usage_sums(self.line)
        self.assertIn(f"{counted:,.2f}", text)

    def test_mail_in_the_client_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["starlink_reports"], ["fr_FR"])
        self.client.lang = "fr_FR"
        with self.mock_mail_gateway():
            self._run()
        self.assertIn("votre rapport de consommation Starlink", self._mails[0]["subject"])
        self.assertIn("Bonjour", self._mails[0]["body"])
        self.assertIn("05/10/2026", self._mails[0]["body"])
        self.assertEqual(
            self._delivery().attachment_id.name,
            "Rapport de consommation du 2026-10-05 au 2026-11-04.pdf",
        )


@tagged("post_install", "-at_install")
class TestReportRecordRules(ReportsCase):
    """Schedules and deliveries stay in their company; portal users read only their own
    client's sent reports (the HTTP side is in test_reports_portal)."""

    def test_company_rules(self):
        other = self.env["res.company"].create({"name": "Other Reseller"})
        template = self.env.ref("starlink_reports.starlink_report_template_monthly")
        Schedule = self.env["starlink.report.schedule"]
        mine = Schedule.create({"partner_id": self.client.id, "template_id": template.id})
        theirs = Schedule.create(
            {"partner_id": self.other_client.id, "template_id": template.id,
             "company_id": other.id}
        )  # fmt: skip
        Delivery = self.env["starlink.report.delivery"]
        values = {"period_start": CYCLE_START, "period_end": CYCLE_END, "state": "sent"}
        my_delivery = Delivery.create(
            {**values, "key": "rule:mine", "schedule_id": mine.id,
             "partner_id": self.client.id, "company_id": self.company.id}
        )  # fmt: skip
        their_delivery = Delivery.create(
            {**values, "key": "rule:theirs", "schedule_id": theirs.id,
             "partner_id": self.other_client.id, "company_id": other.id}
        )  # fmt: skip
        viewer = self._user("sl_rule_viewer", "starlink_base.starlink_base_group_viewer")
        self.assertEqual(Schedule.with_user(viewer).search([("id", "in", (mine | theirs).ids)]),
                         mine)  # fmt: skip
        deliveries = (my_delivery | their_delivery).ids
        self.assertEqual(Delivery.with_user(viewer).search([("id", "in", deliveries)]), my_delivery)
        portal = self._user("sl_rule_portal", "base.group_portal", partner_id=self.contact.id)
        self.assertEqual(Delivery.with_user(portal).search([("id", "in", deliveries)]), my_delivery)
        my_delivery.state = "queued"
        self.assertFalse(Delivery.with_user(portal).search([("id", "in", deliveries)]))
