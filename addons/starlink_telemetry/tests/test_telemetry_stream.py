import threading
import time
from datetime import timedelta

from odoo import fields, sql_db
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..lib.client import StarlinkClient
from ..lib.exceptions import StarlinkError
from .common import StarlinkSimulatorCase

MODELS_LOGGER = "odoo.addons.starlink_telemetry"  # models and API client warnings


@tagged("post_install", "-at_install")
class TestTelemetryStream(StarlinkSimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account._sync_inventory()
        cls.terminals = cls.env["starlink.terminal"].search([("account_id", "=", cls.account.id)])

    def _samples(self, **where):
        clause = " AND ".join(f"{k} = %({k})s" for k in where) or "TRUE"
        self.env.cr.execute(
            f"SELECT device_id, ts, latency_ms, downlink_mbps, obstruction_percent, terminal_id,"
            f" device_type FROM starlink_telemetry_sample WHERE {clause}",
            where,
        )
        return self.env.cr.fetchall()

    def test_poll_stores_samples_and_updates_health(self):
        self.account._poll_telemetry(polls=1)
        status = self.status("telemetry")
        self.assertEqual(status.state, "ok", status.message)
        samples = self._samples(device_type="u")
        self.assertTrue(samples)
        # Every sample is linked to its terminal (some may be in a simulated outage).
        seen = {s[5] for s in samples}
        self.assertLessEqual(seen, set(self.terminals.ids))
        self.assertGreaterEqual(len(seen), len(self.terminals) // 2)
        self.assertTrue(self._samples(device_type="r"), "router samples are stored too")
        now = fields.Datetime.now()
        self.assertTrue(all(now - timedelta(hours=2) < s[1] <= now for s in samples))
        self.terminals._update_health()
        self.assertTrue(all(t.last_seen for t in self.terminals if t.id in seen))
        # A terminal seen has a health; one in an outage the whole backlog long was never
        # seen and stays unknown.
        self.assertTrue(all(t.health != "unknown" for t in self.terminals if t.id in seen))
        self.assertTrue(any(t.software_version for t in self.terminals))

    def test_read_index_advances_per_response(self):
        self.account._poll_telemetry(polls=1)
        first = len(self._samples())
        self.account._poll_telemetry(polls=1)
        second = len(self._samples())
        self.assertGreater(first, 0)
        # The second answer holds only what is new since the first (at most a slot or two).
        self.assertLess(second - first, first)

    def test_duplicate_batch_stores_no_duplicate(self):
        self.simulator.faults(duplicate_batches=1, duplicate_rows_rate=0.3)
        self.account._poll_telemetry(polls=2)
        samples = self._samples()
        keys = {(s[0], s[1]) for s in samples}
        self.assertEqual(len(keys), len(samples))
        self.assertIn("already stored", self.status("telemetry").message)

    def test_reordered_columns_and_active_alerts_decode_right(self):
        self.simulator.faults(reorder_columns=True, alerts_column="ActiveAlerts")
        self.account._poll_telemetry(polls=1)
        samples = self._samples(device_type="u")
        self.assertTrue(samples)
        user_terminal_ids = set(self.terminals.mapped("user_terminal_id"))
        for device_id, _ts, latency, downlink, obstruction, terminal_id, _type in samples:
            self.assertIn(device_id, user_terminal_ids)
            self.assertTrue(terminal_id)
            if latency is not None:
                self.assertTrue(10 <= latency <= 2000, latency)
            if obstruction is not None:
                self.assertTrue(0 <= obstruction <= 100, obstruction)
            if downlink is not None:
                self.assertTrue(0 <= downlink <= 2000, downlink)

    @mute_logger(MODELS_LOGGER)
    def test_malformed_rows_skipped_and_reported(self):
        self.simulator.faults(malformed_telemetry_rate=0.1)
        self.account._poll_telemetry(polls=1)
        status = self.status("telemetry")
        self.assertEqual(status.state, "warning")
        self.assertGreater(status.error_count, 0)
        self.assertIn("skipped", status.message)
        self.assertTrue(self._samples())

    @mute_logger(MODELS_LOGGER)
    def test_crash_mid_batch_leaves_nothing(self):
        Sample = self.env.registry["starlink.telemetry.sample"]
        original = Sample._write_copy
        parts = []

        def crash(self, copy):
            new = original(self, copy)  # the rows of a part are in the table ...
            parts.append(new)
            if len(parts) == 2:
                raise RuntimeError("disk full")  # ... when the second part fails
            return new

        Sample._write_copy = crash
        self.patch(Sample, "_ingest_part_rows", 2)  # an answer of several parts
        try:
            self.account._poll_telemetry(polls=1)
        finally:
            Sample._write_copy = original
        self.assertEqual(len(parts), 2)
        self.assertEqual(self.status("telemetry").state, "error")
        self.assertIn("disk full", self.status("telemetry").message)
        self.assertEqual(self._samples(), [], "the failed batch is rolled back whole")

    def _patch(self, model, name, replacement):
        return self._patch_class(type(self.env[model]), name, replacement)

    def _patch_class(self, cls, name, replacement):
        original = getattr(cls, name)
        setattr(cls, name, replacement)
        self.addCleanup(setattr, cls, name, original)
        return original

    @mute_logger(MODELS_LOGGER)
    def test_batch_committed_before_status_and_health(self):
        events = []

        def ingest_payloads(model, payloads):
            for stored in ingest(model, payloads):
                events.append("batch")
                yield stored

        ingest = self._patch("starlink.telemetry.sample", "_ingest_payloads", ingest_payloads)
        self._patch("starlink.account", "_commit", lambda model: events.append("commit"))

        def status_fails(account, stream, values):
            events.append("status")
            raise RuntimeError("could not serialize access due to concurrent update")

        def health_fails(terminals, now=None):
            events.append("health")
            raise RuntimeError("could not serialize access due to concurrent update")

        self._patch("starlink.account", "_set_sync_status", status_fails)
        self._patch("starlink.terminal", "_update_health", health_fails)
        self.assertTrue(self.account._poll_telemetry(polls=1))
        # The batch is committed on its own before the status and health are written, and
        # their failures (rolled back to their savepoints) never take the batch with them.
        self.assertEqual(events, ["batch", "commit", "status", "health"])
        samples = self._samples()
        self.assertTrue(samples)
        # The next poll goes on from there: later samples only, nothing stored twice.
        self.account._poll_telemetry(polls=1)
        keys = {(s[0], s[1]) for s in self._samples()}
        self.assertEqual(len(keys), len(self._samples()))
        self.assertGreaterEqual(len(keys), len(samples))

    @mute_logger(MODELS_LOGGER)
    def test_failing_commit_after_the_batch_keeps_the_batch(self):
        """The commit of the status fails (a serialization failure against a concurrent
        sync): it is rolled back alone, the batch was committed before it."""
        events = []

        def commit(model):
            events.append("commit")
            if len(events) == 2:  # the commit of the status, after the batch's own
                raise RuntimeError("could not serialize access due to concurrent update")

        self._patch("starlink.account", "_commit", commit)
        self._patch("starlink.account", "_rollback", lambda model: events.append("rollback"))
        self.assertTrue(self.account._poll_telemetry(polls=1))
        # batch committed, status commit failed and rolled back, health committed.
        self.assertEqual(events, ["commit", "commit", "rollback", "commit"])
        samples = self._samples()
        self.assertTrue(samples, "the batch is stored")
        self.assertTrue(self.terminals.filtered("last_seen"), "health followed the batch")

    def _hold_poll_lock(self):
        """Take the account's telemetry lock from another database connection, as a poller
        of another Odoo process would; returns its cursor (close it to release)."""
        other = sql_db.db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(other.close)
        lock = self.account._stream_lock("telemetry", cr=other)
        self.assertTrue(lock.__enter__(), "the other connection takes the free lock")
        self.addCleanup(lock.__exit__, None, None, None)
        return other, lock

    def _stream_answers(self):
        """Stream calls Starlink answered (each one moved the read position)."""
        log = self.simulator.control("GET", "stats")["log"]
        return sum(e["route"] == "/public/v2/telemetry/stream" and e["status"] == 200 for e in log)

    def _record_backlog_events(self):
        """Events of a backlog poll: each stream call, each answer all stored, each commit;
        returns the events and the new samples of each answer stored."""
        events, new = [], []
        fetch = self._patch(
            "starlink.account", "_telemetry_answers",
            lambda account, client, polls, calls, *settings: (
                events.append("fetch") or payload
                for payload in fetch(account, client, polls, calls, *settings)
            ),
        )  # fmt: skip

        def answer_stored(model, answer):
            events.append("stored")
            new.append(answer.new)
            return stored(model, answer)

        stored = self._patch("starlink.telemetry.sample", "_answer_stored", answer_stored)
        self._patch("starlink.account", "_commit", lambda model: events.append("commit"))
        self.account.telemetry_batch_size = 200  # the simulator's 8-hour backlog: full answers
        return events, new

    def test_backlog_next_answer_fetched_while_the_last_is_stored(self):
        events, new = self._record_backlog_events()
        self.assertTrue(self.account._poll_telemetry(polls=3))
        # An answer is committed (then its status and health written: a commit each) once
        # the next one is fetched; the last one once the polls are spent.
        answers = [event for event in events if event != "commit"]
        self.assertEqual(answers, ["fetch", "fetch", "stored", "fetch", "stored", "stored"])
        self.assertEqual(events[:4], ["fetch", "fetch", "stored", "commit"])
        self.assertEqual(self._stream_answers(), 3)
        samples = self._samples()
        self.assertEqual(len({(s[0], s[1]) for s in samples}), len(samples))
        self.assertEqual(len(samples), sum(new), "every answer stored, each sample once")
        self.assertTrue(all(new), new)
        self.assertEqual(self.status("telemetry").state, "ok")
        self.assertEqual(
            self.status("telemetry").message, f"{new[-1]} new samples, 0 already stored"
        )

    def test_backlog_cursor_left_alone_while_an_answer_is_stored(self):
        """From the moment a part's COPY is handed to the second thread until it ends, the
        poller's own thread fetches and decodes the next answer without a query on the
        cursor, even with every cache emptied after each answer (so that a setting read
        meanwhile would query the database)."""
        in_flight, clashes = [], []

        def prepare_copy(model, by_kind, known=None):
            copy = original_prepare(model, by_kind, known)
            if copy:
                in_flight.append(threading.get_ident())  # handed over next
            return copy

        def write_copy(model, copy):
            try:
                time.sleep(0.05)  # the poller's thread goes on meanwhile
                return original_copy(model, copy)
            finally:
                in_flight.clear()

        def execute(cr, query, *args, **kwargs):
            if threading.get_ident() in in_flight:
                clashes.append(str(query)[:80])
            return original_execute(cr, query, *args, **kwargs)

        def after_batch(account, batch):
            after(account, batch)
            account.env.invalidate_all()

        Sample = "starlink.telemetry.sample"
        original_prepare = self._patch(Sample, "_prepare_copy", prepare_copy)
        original_copy = self._patch(Sample, "_write_copy", write_copy)
        original_execute = self._patch_class(type(self.env.cr), "execute", execute)
        after = self._patch("starlink.account", "_after_telemetry_batch", after_batch)
        self.account.telemetry_batch_size = 200  # the simulator's backlog: full answers
        self.assertTrue(self.account._poll_telemetry(polls=3))
        self.assertEqual(self.status("telemetry").state, "ok", self.status("telemetry").message)
        self.assertEqual(clashes, [])

    @mute_logger(MODELS_LOGGER)
    def test_backlog_answer_failing_rolls_back_alone(self):
        """The second answer of a backlog fails while the third is fetched: the first stays
        committed, the second is rolled back whole, the third (fetched, never stored) is
        lost with it and said so; the poll stops there."""
        events, new = self._record_backlog_events()

        def write_copy(model, copy):
            new = original(model, copy)  # the rows are in the table ...
            if "stored" in events:  # ... when a part of the second answer fails
                raise RuntimeError("disk full")
            return new

        original = self._patch("starlink.telemetry.sample", "_write_copy", write_copy)
        with self.assertLogs(MODELS_LOGGER, "ERROR") as logs:
            self.assertTrue(self.account._poll_telemetry(polls=5))
        self.assertEqual(events.count("fetch"), 3)
        self.assertEqual(self._stream_answers(), 3)
        self.assertEqual(len(self._samples()), new[0], "the first answer only")
        self.assertEqual(self.status("telemetry").state, "error")
        self.assertIn("disk full", self.status("telemetry").message)
        self.assertRegex(logs.output[0], r"the next answer, \d+ rows received are lost")

    @mute_logger(MODELS_LOGGER)
    def test_backlog_fetch_failing_keeps_the_answer_stored_meanwhile(self):
        events, new = self._record_backlog_events()
        calls = []

        def telemetry_stream(client, batch_size, max_linger_ms):
            calls.append(batch_size)
            if len(calls) == 2:
                raise StarlinkError("Starlink answered 503")
            return stream(client, batch_size, max_linger_ms)

        stream = self._patch_class(StarlinkClient, "telemetry_stream", telemetry_stream)
        self.assertTrue(self.account._poll_telemetry(polls=3))
        # the answer, its status and health committed, then the failure recorded
        self.assertEqual(events, ["fetch", "stored", "commit", "commit", "commit", "commit"])
        self.assertEqual(len(self._samples()), new[0], "the first answer is stored")
        self.assertEqual(self.status("telemetry").state, "error")
        self.assertIn("503", self.status("telemetry").message)

    def test_second_poller_skips_and_loses_nothing(self):
        _other, lock = self._hold_poll_lock()
        self.assertFalse(self.account._poll_telemetry(polls=2), "the second poller skips")
        # It did not call the stream: Starlink's read position has not moved, so no
        # batch was handed out that nobody stores.
        self.assertEqual(self._stream_answers(), 0)
        self.assertEqual(self._samples(), [])
        self.assertFalse(self.status("telemetry"), "a skip writes no status")
        lock.__exit__(None, None, None)
        self.assertTrue(self.account._poll_telemetry(polls=1))
        self.assertEqual(self._stream_answers(), 1)
        samples = self._samples()
        self.assertTrue(samples)
        self.assertEqual(len({(s[0], s[1]) for s in samples}), len(samples))
        self.assertEqual(
            self.status("telemetry").message,
            f"{len(samples)} new samples, 0 already stored",
            "every sample of the batch is stored, once",
        )

    def test_two_connections_race_for_the_lock(self):
        cursors = [sql_db.db_connect(self.env.cr.dbname).cursor() for _ in range(2)]
        for cursor in cursors:
            self.addCleanup(cursor.close)
        results, barrier = [], threading.Barrier(2)

        def poller(cursor):
            barrier.wait(timeout=10)
            with account._stream_lock("telemetry", cr=cursor) as locked:
                results.append(locked)
                barrier.wait(timeout=10)  # both have tried while the winner still holds it

        account = self.account

        threads = [threading.Thread(target=poller, args=(cursor,)) for cursor in cursors]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        self.assertEqual(sorted(results), [False, True])

    def test_rollup_from_stream(self):
        self.account._poll_telemetry(polls=1)
        since = fields.Datetime.now() - timedelta(hours=2)
        self.env["starlink.telemetry.hourly"]._rollup(since)
        hourly = self.env["starlink.telemetry.hourly"].search(
            [("terminal_id", "in", self.terminals.ids)]
        )
        self.assertTrue(hourly)
        self.assertEqual(sum(hourly.mapped("sample_count")), len(self._samples(device_type="u")))
        for hour in hourly.filtered("latency_avg_ms"):
            self.assertLessEqual(hour.latency_min_ms, hour.latency_avg_ms)
            self.assertLessEqual(hour.latency_avg_ms, hour.latency_max_ms)
            self.assertLessEqual(hour.latency_p95_ms, hour.latency_max_ms)

    def test_terminal_chart_draws_the_last_day(self):
        self.account._poll_telemetry(polls=1)
        chart = self.terminals[0].telemetry_chart
        self.assertIn("<svg", chart)
        self.assertIn("polyline", chart)
