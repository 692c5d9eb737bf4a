"""Test base: a real Starlink API simulator process on a free local port."""

import json
import os
import socket
import subprocess
import sys
import time
import unittest
from pathlib import Path
from urllib.request import Request, urlopen

from odoo.tests import TransactionCase, new_test_user

TOOLS_DIR = Path(__file__).resolve().parents[3] / "tools"
SIM_CLIENT_ID = "starlink-sim-client"
SIM_CLIENT_SECRET = "starlink-sim-secret"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SimulatorProcess:
    """The simulator (tools/starlink_simulator) run as a separate process over real HTTP."""

    def __init__(self, terminals=6, seed=7, backlog_s=600):
        if not (TOOLS_DIR / "starlink_simulator").is_dir():
            raise unittest.SkipTest("the Starlink simulator (tools/) is not next to the addons")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, PYTHONPATH=str(TOOLS_DIR))
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "starlink_simulator", "--port", str(self.port),
                "--terminals", str(terminals), "--seed", str(seed),
                "--stream-backlog", str(backlog_s),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.control("GET", "health")
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the Starlink simulator did not start")

    def control(self, method, name, payload=None):
        data = json.dumps(payload).encode() if payload is not None else None
        request = Request(
            f"{self.url}/_sim/{name}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def faults(self, **faults):
        return self.control("POST", "faults", faults)

    def reset(self):
        return self.control("POST", "reset", {})

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class StarlinkSimulatorCase(TransactionCase):
    """A company, a Starlink account pointed at a fresh simulator, a client."""

    simulator_terminals = 6

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.simulator = SimulatorProcess(terminals=cls.simulator_terminals)
        cls.addClassCleanup(cls.simulator.stop)
        cls.sim_config = cls.simulator.control("GET", "config")
        cls.company = cls.env["res.company"].create({"name": "Sim Reseller"})
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.account = cls._create_account("Simulated account")

    @classmethod
    def _create_account(cls, name, secret=SIM_CLIENT_SECRET, **values):
        return cls.env["starlink.account"].create(
            {
                "name": name,
                "account_number": values.pop("account_number", cls.sim_config["account_number"]),
                "company_id": cls.company.id,
                "api_base_url": f"{cls.simulator.url}/api",
                "token_url": f"{cls.simulator.url}/api/auth/connect/token",
                "client_id": SIM_CLIENT_ID,
                "client_secret": secret,
                "telemetry_linger_ms": 0,
                **values,
            }
        )

    def setUp(self):
        super().setUp()
        self.simulator.reset()
        # The reset forgets every token the simulator issued; the process-wide token cache
        # forgets it too, as a fresh server process would.
        self.account._starlink_client().invalidate_token()

    def status(self, stream, account=None):
        account = account or self.account
        return account.sync_status_ids.filtered(lambda s: s.stream == stream)


class StarlinkLineCase(TransactionCase):
    """The shared fixture of the telemetry tests that need no Starlink API: a 100 GB plan
    (overage 2 per GB, 50 a month), a Starlink account, a client with a mail address and an
    active line billed on the 1st; every alert rule of the data files is switched off.

    Subclasses name their line with ``line_number``; ``_use`` upserts usage the way the sync
    does, ``_rule`` adds an alert rule and ``_user`` a user of one Starlink role.
    """

    line_number = "AST-TEST-1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["starlink.alert.rule"].search([]).active = False
        cls.plan = cls._plan("100 GB", 100, starlink_overage_price_gb=2.0, list_price=50)
        cls.account = cls.env["starlink.account"].create(
            {"name": "Starlink", "account_number": f"ACC-{cls.line_number}"}
        )
        cls.client = cls.env["res.partner"].create(
            {"name": "Line Client", "is_company": True, "email": "client@example.com",
             "lang": "en_US"}
        )  # fmt: skip
        cls.line = cls._line(cls.line_number, nickname="Farm", partner_id=cls.client.id)

    @classmethod
    def _plan(cls, name, limit_gb, **values):
        return cls.env["product.product"].create(
            {"name": name, "type": "service", "is_starlink_plan": True,
             "starlink_data_limit_gb": limit_gb, **values}
        )  # fmt: skip

    @classmethod
    def _line(cls, number, **values):
        return cls.env["starlink.service.line"].create(
            {"service_line_number": number, "account_id": cls.account.id,
             "product_id": cls.plan.id, "billing_day": 1, "state": "active", **values}
        )  # fmt: skip

    @classmethod
    def _rule(cls, rule_type, threshold, **values):
        return cls.env["starlink.alert.rule"].create(
            {"name": f"{rule_type} {threshold}", "rule_type": rule_type,
             "threshold": threshold, "company_id": False, **values}
        )  # fmt: skip

    def _use(self, day, priority, opt_in=0.0, standard=0.0, non_billable=0.0, line=None):
        """Upsert one day of ``line`` (default: the fixture's line); ``priority`` includes
        ``opt_in`` as in Starlink's answers."""
        line = line or self.line
        self.env["starlink.usage.daily"]._upsert(
            [(line.id, day, priority, opt_in, standard, non_billable)]
        )

    def _user(self, role):
        """A user of one Starlink role: viewer, technician, sales or admin."""
        return new_test_user(
            self.env,
            f"{self.line_number.lower()}_{role}",
            groups=f"starlink_base.starlink_base_group_{role}",
        )
