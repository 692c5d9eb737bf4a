from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import StarlinkSimulatorCase

MODELS_LOGGER = "odoo.addons.starlink_telemetry"  # models and API client warnings


@tagged("post_install", "-at_install")
class TestFaults(StarlinkSimulatorCase):
    def _stats(self):
        return self.simulator.control("GET", "stats")

    @mute_logger(MODELS_LOGGER)
    def test_expired_token_refreshed_once(self):
        self.simulator.faults(unauthorized=1)
        self.account._sync_inventory()
        self.assertEqual(self.status("products").state, "ok")
        self.assertEqual(self.status("terminals").state, "ok")
        self.assertGreaterEqual(self._stats()["token_requests"], 2)

    @mute_logger(MODELS_LOGGER)
    def test_rate_limited_burst_is_retried(self):
        self.simulator.faults(rate_limited=2)
        self.account._sync_inventory()
        self.assertEqual(self.status("products").state, "ok")
        self.assertEqual(self._stats()["by_status"].get("429"), 2)

    @mute_logger(MODELS_LOGGER)
    def test_persistent_server_errors_reported_not_raised(self):
        self.simulator.faults(server_errors=-1, path="/public/v2/products")
        self.account._sync_inventory()
        status = self.status("products")
        self.assertEqual(status.state, "error")
        self.assertIn("503", status.message)
        # The other streams of the same account still ran.
        self.assertEqual(self.status("service_lines").state, "ok")
        # The account's summary shows the worst stream, and which one failed.
        self.assertEqual(self.account.last_sync_status, "error")
        self.assertIn("Plans: ", self.account.last_sync_message)
        Account = self.env["starlink.account"]
        self.assertIn(self.account, Account.search([("last_sync_status", "=", "error")]))
        self.assertNotIn(self.account, Account.search([("last_sync_status", "in", ["ok"])]))

    @mute_logger(MODELS_LOGGER)
    def test_bad_credentials_reported_without_the_secret(self):
        bad = self._create_account(
            "Bad secret", secret="wrong-secret-value", account_number="ACC-OTHER"
        )
        bad._sync_inventory()
        status = self.status("products", bad)
        self.assertEqual(status.state, "error")
        self.assertNotIn("wrong-secret-value", status.message)
        self.assertNotIn("wrong-secret-value", bad.last_sync_message or "")
        action = bad.action_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertNotIn("wrong-secret-value", action["params"]["message"])

    @mute_logger(MODELS_LOGGER)
    def test_one_failing_account_does_not_stop_another(self):
        bad = self._create_account("Bad secret", secret="wrong", account_number="ACC-OTHER")
        self.env["starlink.account"]._cron_sync_inventory()
        self.assertEqual(self.status("service_lines", bad).state, "error")
        self.assertEqual(self.status("service_lines").state, "ok")
        self.assertEqual(
            self.env["starlink.service.line"].search_count([("account_id", "=", self.account.id)]),
            self.simulator_terminals,
        )

    @mute_logger(MODELS_LOGGER)
    def test_slow_answer_times_out_and_is_reported(self):
        self.simulator.faults(slow=-1, slow_seconds=3, path="/public/v2/products")
        client_factory = type(self.account)._starlink_client

        def quick_client(account):
            client = client_factory(account)
            client.timeout = (1.0, 1.0)
            client.max_retries = 1
            client.backoff_base = 0.01
            return client

        type(self.account)._starlink_client = quick_client
        try:
            self.account._run_stream("products", self.account._sync_products)
        finally:
            type(self.account)._starlink_client = client_factory
        status = self.status("products")
        self.assertEqual(status.state, "error")
        self.assertIn("timed out", status.message.lower())

    @mute_logger(MODELS_LOGGER)
    def test_token_endpoint_errors_are_retried(self):
        self.simulator.faults(token_errors=2)
        self.account._sync_inventory()
        self.assertEqual(self.status("products").state, "ok")
        self.assertGreaterEqual(self._stats()["token_requests"], 3)

    @mute_logger(MODELS_LOGGER)
    def test_envelope_errors_become_a_clear_status(self):
        self.simulator.faults(envelope_errors=-1, path="/public/v2/user-terminals")
        self.account._sync_inventory()
        status = self.status("terminals")
        self.assertEqual(status.state, "error")
        self.assertIn("422", status.message)
        self.assertEqual(self.status("service_lines").state, "ok")
