"""One OAuth token per account per server process (Starlink: 1,000 token requests per
15 minutes per IP address)."""

from odoo.tests import tagged

from .common import StarlinkSimulatorCase


@tagged("post_install", "-at_install")
class TestTokenBudget(StarlinkSimulatorCase):
    def _stats(self):
        return self.simulator.control("GET", "stats")

    def test_one_token_for_a_whole_sync_and_ten_polls(self):
        self.account._sync_inventory()
        self.account._sync_usage()
        self.account._poll_telemetry(polls=10)
        stats = self._stats()
        self.assertEqual(stats["by_route"].get("POST /public/v2/telemetry/stream"), 10, "ten polls")
        self.assertGreaterEqual(stats["api_requests"], 15)  # plans, addresses, lines, ...

        self.assertEqual(stats["token_requests"], 1)
        statuses = self.account.sync_status_ids
        self.assertEqual(set(statuses.mapped("state")), {"ok"}, statuses.mapped("message"))

    def test_new_token_only_after_a_401(self):
        self.account._poll_telemetry(polls=3)
        self.assertEqual(self._stats()["token_requests"], 1)
        self.simulator.control("POST", "faults", {"expire_tokens": True})
        self.account._poll_telemetry(polls=3)
        stats = self._stats()
        self.assertEqual(stats["token_requests"], 2)
        statuses = [e["status"] for e in stats["log"] if e["route"].endswith("/telemetry/stream")]
        self.assertEqual(statuses, [200, 200, 200, 401, 200, 200, 200])

    def test_accounts_with_other_credentials_have_their_own_token(self):
        other = self._create_account("Second", account_number="ACC-OTHER", client_id="other-id")
        self.assertIsNot(self.account._starlink_client().tokens, other._starlink_client().tokens)
        self.assertIs(
            self.account._starlink_client().tokens, self.account._starlink_client().tokens
        )
