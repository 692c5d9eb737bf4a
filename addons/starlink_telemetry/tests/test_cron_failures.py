"""Scheduled actions that survive one bad record (DESIGN §7).

Each test makes one unit fail and shows the others processed, the failure logged with its
reason and visible to staff, and the commits made batch by batch. A TransactionCase runs in
one transaction that is never committed: ``count_commits`` lifts the test guard of
``starlink.account._commit`` and replaces ``cr.commit`` with a spy that records what the
transaction holds at each call. It shows where the commits fall and what each one would make
durable; it cannot show data surviving a crash of the process.
"""

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.modules import module as odoo_module
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..models.starlink_telemetry_hourly import ROLLUP_RETENTION_MONTHS
from ..models.starlink_telemetry_sample import RAW_RETENTION_DAYS
from ..models.starlink_terminal import HEALTH_DEFAULTS

TODAY = date(2026, 5, 20)
NOW = datetime(2026, 5, 20, 12, 0, 0)
MODELS = "odoo.addons.starlink_telemetry.models"


class CronTestMixin:
    @contextmanager
    def count_commits(self, snapshot=lambda: None):
        """Record ``snapshot()`` at each commit the code under test asks for."""
        commits = []

        def commit():
            self.env.flush_all()
            commits.append(snapshot())

        with (
            patch.object(odoo_module, "current_test", False),
            patch.object(self.env.cr, "commit", commit),
        ):
            yield commits

    def cron_progress(self, xmlid):
        """A progress record as the cron runner makes one, and the cron's trigger count."""
        cron = self.env.ref(xmlid)
        return self.env["ir.cron.progress"].create({"cron_id": cron.id}), cron

    def trigger_count(self, cron):
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])


@tagged("post_install", "-at_install")
class TestAlertCronFailures(CronTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["starlink.alert.rule"].search([]).active = False
        cls.Alert = cls.env["starlink.alert"]
        plan = cls.env["product.product"].create(
            {"name": "100 GB", "type": "service", "is_starlink_plan": True,
             "starlink_data_limit_gb": 100}
        )  # fmt: skip
        account = cls.env["starlink.account"].create({"name": "Cron", "account_number": "ACC-CR"})
        # The rule's template puts the client's reference in the subject: it raises for the
        # client that has none.
        cls.template = cls.env.ref("starlink_telemetry.mail_template_starlink_alert").copy(
            {"subject": "{{ object.partner_id.ref.upper() }}: {{ object.name }}"}
        )
        cls.clients, cls.lines = cls.env["res.partner"], cls.env["starlink.service.line"]
        for number, ref in (("1", "ALPHA"), ("2", False), ("3", "GAMMA")):
            client = cls.env["res.partner"].create(
                {"name": f"Client {number}", "is_company": True, "ref": ref,
                 "email": f"client{number}@example.com"}
            )  # fmt: skip
            line = cls.env["starlink.service.line"].create(
                {"service_line_number": f"AST-CR-{number}", "account_id": account.id,
                 "partner_id": client.id, "product_id": plan.id, "billing_day": 1,
                 "state": "active"}
            )  # fmt: skip
            cls.env["starlink.usage.daily"]._upsert([(line.id, date(2026, 5, 2), 85.0, 0, 0, 0)])
            cls.clients |= client
            cls.lines |= line
        cls.good_lines = cls.lines[0] | cls.lines[2]
        cls.bad_line = cls.lines[1]
        cls.rule = cls.env["starlink.alert.rule"].create(
            {"name": "80", "rule_type": "usage", "threshold": 80, "company_id": False,
             "mail_template_id": cls.template.id, "service_line_ids": [(6, 0, cls.lines.ids)]}
        )  # fmt: skip
        # Only this test's alerts wait for a notification.
        cls.Alert.search([("notify_state", "=", "pending")]).notify_state = "done"

    def _mails(self, alerts):
        return self.env["mail.mail"].search(
            [("model", "=", "starlink.alert"), ("res_id", "in", alerts.ids)]
        )

    def _alert(self, line):
        return self.Alert.search(
            [("rule_id", "=", self.rule.id), ("service_line_id", "=", line.id)]
        )

    def test_mail_template_raising_for_one_client_does_not_stop_the_others(self):
        alerts = self.Alert._evaluate_rules(self.rule, TODAY, NOW, commit=False)
        self.assertEqual(len(alerts), 3)
        self.assertEqual(set(alerts.mapped("notify_state")), {"pending"})
        good = self._alert(self.good_lines[0]) | self._alert(self.good_lines[1])
        bad = self._alert(self.bad_line)

        def notified():
            states = self.Alert.search([("rule_id", "=", self.rule.id)]).mapped("notify_state")
            return states.count("done"), states.count("failed"), len(self._mails(alerts))

        with (
            self.count_commits(notified) as commits,
            self.assertLogs(f"{MODELS}.starlink_alert", "WARNING") as logs,
        ):
            self.Alert.with_context(starlink_date=TODAY)._cron_notify(batch_size=1)
        # One commit per batch of one alert, in id order: the failure in between rolls
        # nothing back.
        self.assertEqual(commits, [(1, 0, 1), (1, 1, 1), (2, 1, 2)])
        self.assertEqual(len(logs.records), 1)
        self.assertIn(f"[{bad.id}] failed", logs.output[0])
        self.assertIn("Failed to render", logs.output[0])

        self.assertEqual(good.mapped("notify_state"), ["done", "done"])
        self.assertEqual(good.mapped("client_mailed"), [True, True])
        self.assertEqual(len(self._mails(good)), 2)
        self.assertEqual(
            sorted(subject.split(":")[0] for subject in self._mails(good).mapped("subject")),
            ["ALPHA", "GAMMA"],
        )
        self.assertEqual(len(self.good_lines.activity_ids), 2)
        # The failing alert's unit is rolled back whole: no mail, no activity, no flag.
        self.assertEqual(bad.notify_state, "failed")
        self.assertFalse(bad.client_mailed)
        self.assertFalse(self._mails(bad))
        self.assertFalse(self.bad_line.activity_ids)
        self.assertIn("Failed to render", bad.notify_error)
        self.assertIn("The notification failed", bad.message_ids[0].body)

        # Never twice: a new run neither mails the told clients again nor retries the failure.
        self.Alert._cron_notify()
        self.assertEqual(len(self._mails(alerts)), 2)
        self.assertEqual(bad.notify_state, "failed")

        # Once the cause is fixed, staff retry it: mailed once.
        self.clients[1].ref = "BETA"
        bad.action_retry_notification()
        self.assertEqual(bad.notify_state, "pending")
        self.Alert._cron_notify()
        self.assertEqual(bad.notify_state, "done")
        self.assertEqual(self._mails(bad).subject.split(":")[0], "BETA")
        self.assertEqual(len(self._mails(alerts)), 3)

    def test_line_breaking_a_rule_does_not_stop_the_others(self):
        conditions_usage = type(self.Alert)._conditions_usage
        bad_line = self.bad_line

        def broken(alerts, rule, lines, today, now):
            if bad_line in lines:
                raise ZeroDivisionError("usage of AST-CR-2 is corrupt")
            return conditions_usage(alerts, rule, lines, today, now)

        def evaluated():
            return len(self.Alert.search([("rule_id", "=", self.rule.id)])), self.rule.last_run

        with (
            patch.object(type(self.Alert), "_conditions_usage", broken),
            self.count_commits(evaluated) as commits,
            self.assertLogs(f"{MODELS}.starlink_alert", "WARNING") as logs,
        ):
            created = self.Alert._cron_evaluate(today=TODAY, now=NOW)
        self.assertEqual(created.service_line_id, self.good_lines)
        self.assertFalse(self._alert(bad_line))
        # The lines' batch (its good lines kept), the rule's run record, the notifications.
        self.assertEqual(commits, [(2, False), (2, NOW), (2, NOW)])
        self.assertEqual(len(logs.records), 1)
        self.assertIn("AST-CR-2", logs.output[0])
        self.assertIn("usage of AST-CR-2 is corrupt", logs.output[0])
        # Staff see it on the rule; the good lines' clients are told.
        self.assertEqual(self.rule.last_run, NOW)
        self.assertEqual(self.rule.last_error_count, 1)
        self.assertIn("AST-CR-2", self.rule.last_error)
        self.assertIn("ZeroDivisionError: usage of AST-CR-2 is corrupt", self.rule.last_error)
        self.assertEqual(created.mapped("notify_state"), ["done", "done"])

        # Mended, the next run alerts the line and clears the error.
        with mute_logger(f"{MODELS}.starlink_alert"):  # the template still fails for client 2
            self.assertEqual(self.Alert._cron_evaluate(today=TODAY, now=NOW).service_line_id,
                             bad_line)  # fmt: skip
        self.assertEqual(self.rule.last_error_count, 0)
        self.assertFalse(self.rule.last_error)

    def test_notifications_stop_after_the_batch_budget_and_trigger_the_rest(self):
        self.clients[1].ref = "BETA"
        self.Alert._evaluate_rules(self.rule, TODAY, NOW, commit=False)
        progress, cron = self.cron_progress("starlink_telemetry.ir_cron_starlink_alert_notify")
        triggers = self.trigger_count(cron)
        notify = self.Alert.with_context(ir_cron_progress_id=progress.id)._cron_notify
        run = notify(batch_size=1, max_batches=2)
        self.assertEqual(len(run.done), 2)
        self.assertEqual((progress.done, progress.remaining), (2, 1))
        self.assertEqual(self.trigger_count(cron), triggers + 1)
        notify(batch_size=1, max_batches=2)
        self.assertEqual((progress.done, progress.remaining), (1, 0))
        self.assertEqual(self.trigger_count(cron), triggers + 1, "nothing left: no trigger")
        self.assertEqual(len(self._mails(self.Alert.search([("rule_id", "=", self.rule.id)]))), 3)


@tagged("post_install", "-at_install")
class TestForecastCronFailures(CronTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["starlink.alert.rule"].search([]).active = False
        cls.Line = cls.env["starlink.service.line"]
        # Only this test's lines are due today.
        cls.Line.search([]).forecast_run_date = TODAY
        plan = cls.env["product.product"].create(
            {"name": "100 GB", "type": "service", "is_starlink_plan": True,
             "starlink_data_limit_gb": 100}
        )  # fmt: skip
        account = cls.env["starlink.account"].create({"name": "F", "account_number": "ACC-FC"})
        cls.lines = cls.Line.create(
            [
                {"service_line_number": f"AST-FC-{i}", "account_id": account.id,
                 "state": "active", "product_id": plan.id, "billing_day": 1}
                for i in (1, 2, 3)
            ]
        )  # fmt: skip
        cls.env["starlink.usage.daily"]._upsert(
            [
                (line.id, TODAY - timedelta(days=back), 3.0 + (back % 7 == 0), 0, 0, 0)
                for line in cls.lines
                for back in range(1, 61)
            ]
        )
        cls.bad_line = cls.lines[1]

    def _broken_refresh(self, calls):
        refresh = type(self.Line)._refresh_forecasts
        bad_line = self.bad_line

        def broken(lines, today=None, history_days=180):
            calls.append(len(lines))
            if bad_line in lines:
                raise ValueError("usage history of AST-FC-2 is corrupt")
            return refresh(lines, today, history_days)

        return patch.object(type(self.Line), "_refresh_forecasts", broken)

    def test_line_breaking_the_forecast_does_not_stop_the_others(self):
        calls = []

        def forecast():
            return self.lines.filtered("forecast_date").mapped("service_line_number")

        with (
            self._broken_refresh(calls),
            self.count_commits(forecast) as commits,
            self.assertLogs(f"{MODELS}.starlink_service_line", "WARNING") as logs,
        ):
            self.assertEqual(self.Line._cron_refresh_forecasts(TODAY, batch_size=2), 2)
        # Vectorised per batch: the failing batch of two is retried line by line.
        self.assertEqual(calls, [2, 1, 1, 1])
        self.assertEqual(commits, [["AST-FC-1"], ["AST-FC-1", "AST-FC-3"]])
        self.assertEqual(len(logs.records), 1)
        self.assertIn("AST-FC-2", logs.output[0])
        good = self.lines - self.bad_line
        self.assertEqual(good.mapped("forecast_date"), [TODAY, TODAY])
        self.assertTrue(good.forecast_ids)
        self.assertFalse(self.bad_line.forecast_date)
        self.assertFalse(self.bad_line.forecast_ids)
        note = self.bad_line.message_ids[0]
        self.assertIn("The usage forecast of 2026-05-20 failed", note.body)
        self.assertIn("ValueError: usage history of AST-FC-2 is corrupt", note.body)
        # Run for today: the failing line waits for tomorrow instead of failing all day long.
        self.assertEqual(self.lines.mapped("forecast_run_date"), [TODAY] * 3)
        with self._broken_refresh(calls):
            self.assertEqual(self.Line._cron_refresh_forecasts(TODAY), 0)
        self.assertEqual(len(calls), 4)

    def test_forecast_stops_after_the_batch_budget_and_triggers_the_rest(self):
        progress, cron = self.cron_progress("starlink_telemetry.ir_cron_starlink_forecast")
        triggers = self.trigger_count(cron)
        refresh = self.Line.with_context(ir_cron_progress_id=progress.id)._cron_refresh_forecasts
        self.assertEqual(refresh(TODAY, batch_size=1, max_batches=2), 2)
        self.assertEqual((progress.done, progress.remaining), (2, 1))
        self.assertEqual(self.trigger_count(cron), triggers + 1)
        self.assertEqual(refresh(TODAY, batch_size=1, max_batches=2), 1)
        self.assertEqual((progress.done, progress.remaining), (1, 0))
        self.assertEqual(self.trigger_count(cron), triggers + 1)
        self.assertEqual(self.lines.mapped("forecast_date"), [TODAY] * 3)


@tagged("post_install", "-at_install")
class TestMaintenanceCronFailures(CronTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Sample = cls.env["starlink.telemetry.sample"]
        cls.Hourly = cls.env["starlink.telemetry.hourly"]
        cls.account = cls.env["starlink.account"].create(
            {"name": "Maintenance", "account_number": "ACC-MT", "client_id": "id",
             "client_secret": "secret"}
        )  # fmt: skip
        cls.terminals = cls.env["starlink.terminal"].create(
            [
                {"user_terminal_id": f"ut-mt-{i}", "account_id": cls.account.id}
                for i in (1, 2, 3)
            ]
        )
        cls.bad_terminal = cls.terminals[1]
        hour = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
        cls.hour = hour - timedelta(hours=1)
        cls.Sample._ingest(
            [
                (f"ut-mt-{i}", "u", cls.hour + timedelta(seconds=15 * n), 100.0, 10.0, 0.01,
                 30.0, 0.5, 3600, 0.9, None)
                for i in (1, 2, 3)
                for n in range(4)
            ]
        )  # fmt: skip
        today = fields.Date.today()
        cls.old_days = [today - timedelta(days=RAW_RETENTION_DAYS + n) for n in (3, 2, 1)]
        cls.Sample._ensure_partitions(cls.old_days)

    def _status(self):
        return self.account.sync_status_ids.filtered(lambda s: s.stream == "maintenance")

    def _rolled_up(self):
        return self.Hourly.search(
            [("terminal_id", "in", self.terminals.ids), ("hour", "=", self.hour)]
        ).terminal_id

    def test_rollup_failing_for_one_terminal_does_not_stop_the_others(self):
        rollup = type(self.Hourly)._rollup
        bad_id = self.bad_terminal.id

        def broken(hourly, since, until=None, terminal_ids=None):
            if terminal_ids is not None and bad_id in terminal_ids:
                raise ValueError("samples of ut-mt-2 are corrupt")
            return rollup(hourly, since, until, terminal_ids)

        accounts = self.account._sync_accounts()
        expired = self.Sample._get_expired_partition_days()
        hours = self.Sample._get_compactable_hours(self.Sample._compaction_horizon())
        with (
            patch.object(type(self.Hourly), "_rollup", broken),
            self.count_commits(self._rolled_up) as commits,
            self.assertLogs(f"{MODELS}.starlink_telemetry_hourly", "WARNING") as logs,
        ):
            self.account._cron_telemetry_maintenance()
        good = self.terminals - self.bad_terminal
        self.assertEqual(self._rolled_up(), good)
        # The rollup batch (its good terminals kept) is committed before anything else:
        # three partitions, each closed hour compacted, the rollup retention, then one
        # status per account.
        self.assertEqual(len(commits), 1 + len(expired) + len(hours) + 1 + len(accounts))
        self.assertEqual(commits[0], good)
        self.assertEqual(len(logs.records), 1)
        self.assertIn("ut-mt-2", logs.output[0])
        status = self._status()
        self.assertEqual(status.state, "warning")
        self.assertEqual(status.record_count, 2)
        self.assertEqual(status.error_count, 1)
        self.assertIn("ut-mt-2", status.message)
        self.assertIn("ValueError: samples of ut-mt-2 are corrupt", status.message)
        self.assertEqual(self.account.last_sync_status, "warning")
        # The other steps went on.
        self.assertFalse(set(self.old_days) & set(self.Sample._partition_days()))

    def test_partition_that_cannot_be_dropped_does_not_stop_the_others(self):
        drop = type(self.Sample)._drop_partitions
        stuck = self.old_days[1]

        def broken(sample, days):
            if stuck in days:
                raise TimeoutError("lock timeout on the partition")
            return drop(sample, days)

        def old_partitions():
            return sorted(set(self.old_days) & set(self.Sample._partition_days()))

        # One commit per expired partition, oldest first (the store may hold older ones).
        expected, left = [], list(self.old_days)
        for day in self.Sample._get_expired_partition_days():
            if day in left and day != stuck:
                left.remove(day)
            expected.append(list(left))
        with (
            patch.object(type(self.Sample), "_drop_partitions", broken),
            self.count_commits(old_partitions) as commits,
            self.assertLogs(f"{MODELS}.starlink_telemetry_sample_partitions", "WARNING") as logs,
        ):
            self.account._cron_telemetry_maintenance()
        self.assertEqual(old_partitions(), [stuck])
        # The rollup batch's commit, then one per partition.
        self.assertEqual(commits[0], self.old_days)
        self.assertEqual(commits[1 : 1 + len(expected)], expected)
        self.assertEqual(expected[-1], [stuck])
        self.assertEqual(len(logs.records), 1)
        self.assertEqual(self._rolled_up(), self.terminals)
        status = self._status()
        self.assertEqual(status.state, "warning")
        self.assertEqual(status.record_count, 3)
        self.assertIn(f"raw telemetry of {stuck}", status.message)
        self.assertIn("TimeoutError: lock timeout on the partition", status.message)

    def test_rollup_retention_failing_is_shown_and_the_rest_done(self):
        def broken(hourly, months=None):
            raise TimeoutError("statement timeout")

        with (
            patch.object(type(self.Hourly), "_prune", broken),
            self.assertLogs(f"{MODELS}.starlink_account", "WARNING") as logs,
        ):
            self.account._cron_telemetry_maintenance()
        self.assertEqual(len(logs.records), 1)
        self.assertEqual(self._rolled_up(), self.terminals)
        self.assertFalse(set(self.old_days) & set(self.Sample._partition_days()))
        status = self._status()
        self.assertEqual((status.state, status.error_count), ("warning", 1))
        self.assertIn("hourly rollups past the retention: TimeoutError", status.message)

    def test_clean_run_status(self):
        self.account._cron_telemetry_maintenance()
        status = self._status()
        self.assertEqual((status.state, status.record_count, status.error_count), ("ok", 3, 0))
        self.assertFalse(status.message)


@tagged("post_install", "-at_install")
class TestProductSyncFailures(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account = cls.env["starlink.account"].create(
            {"name": "Plans", "account_number": "ACC-PL", "client_id": "id",
             "client_secret": "secret"}
        )  # fmt: skip
        cls.known = cls.env["product.template"].create(
            {"name": "Known plan", "type": "service", "is_starlink_plan": True,
             "starlink_product_reference": "PL-KNOWN"}
        )  # fmt: skip

    @mute_logger("odoo.sql_db")  # the refused UPDATE is logged as a bad query
    def test_plan_whose_write_fails_does_not_stop_the_others(self):
        payloads = [
            {"productReferenceId": "PL-NEW-1", "name": "Plan one", "price": 50},
            # A NUL character: PostgreSQL refuses the write of this plan.
            {"productReferenceId": "PL-KNOWN", "name": "Known\x00plan"},
            {"productReferenceId": "PL-NEW-2", "name": "Plan two", "price": 80},
        ]
        sync = self.env["product.template"]._starlink_sync_products
        with self.assertLogs(f"{MODELS}.product_template", "WARNING") as logs:
            self.account._run_stream("products", lambda client: sync(self.account, payloads))
        plans = self.env["product.template"].search(
            [("starlink_product_reference", "in", ("PL-NEW-1", "PL-KNOWN", "PL-NEW-2"))]
        )
        self.assertEqual(sorted(plans.mapped("name")), ["Known plan", "Plan one", "Plan two"])
        # The plan's failure with its reason, then the account's count of skipped plans.
        self.assertEqual(len(logs.records), 2)
        self.assertIn("PL-KNOWN failed: UntranslatableCharacter", logs.output[0])
        self.assertIn("1 skipped", logs.output[1])
        status = self.account.sync_status_ids.filtered(lambda s: s.stream == "products")
        self.assertEqual((status.state, status.record_count, status.error_count),
                         ("warning", 2, 1))  # fmt: skip
        self.assertIn("PL-KNOWN: UntranslatableCharacter", status.message)
        self.assertIn("\\u0000 cannot be converted to text", status.message)


@tagged("post_install", "-at_install")
class TestSettingsDefaults(TransactionCase):
    def test_models_fall_back_on_the_settings_defaults(self):
        params = self.env["ir.config_parameter"].sudo()
        for key in ("raw_retention_days", "rollup_retention_months"):
            params.set_param(f"starlink_telemetry.{key}", False)
        for key in HEALTH_DEFAULTS:
            params.set_param(f"starlink_telemetry.health_{key}", False)
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(
            self.env["starlink.telemetry.sample"]._retention_days(),
            settings.starlink_raw_retention_days,
        )
        self.assertEqual(
            self.env["starlink.telemetry.hourly"]._retention_months(),
            settings.starlink_rollup_retention_months,
        )
        self.assertEqual(
            self.env["starlink.terminal"]._health_thresholds(),
            {key: settings[f"starlink_health_{key}"] for key in HEALTH_DEFAULTS},
        )
        self.assertEqual(
            (RAW_RETENTION_DAYS, ROLLUP_RETENTION_MONTHS),
            (settings.starlink_raw_retention_days, settings.starlink_rollup_retention_months),
        )

