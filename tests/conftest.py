"""Shared set-up of the top-level tests.

* ``tools/`` goes on ``sys.path`` so that ``import starlink_simulator`` works;
* every ``addons/<addon>/lib`` package is registered as ``<addon>_lib``
  (e.g. ``starlink_telemetry_lib``) without importing the addon itself, whose
  ``__init__`` imports Odoo: ``from starlink_telemetry_lib import client``;
* the ``simulator`` fixture serves the Starlink API simulator on a free
  loopback port over real HTTP.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
ADDONS = ROOT / "addons"

SIM_CLIENT_ID = "suite-test-client"
SIM_CLIENT_SECRET = "Sim-Secret-7f3a9c-do-not-log"
SIM_TERMINALS = 250
SIM_SEED = 42
SIM_CLOCK_START = "2026-07-20T12:00:00Z"


def _register_addon_libs():
    """Import each ``addons/*/lib`` as a standalone package."""
    for init in sorted(ADDONS.glob("*/lib/__init__.py")):
        name = init.parent.parent.name + "_lib"
        if name in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(
            name, init, submodule_search_locations=[str(init.parent)]
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception:
            del sys.modules[name]
            raise


if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))
_register_addon_libs()


class FakeClock:
    """Monotonic clock and sleep function for tests: sleeping advances time."""

    def __init__(self, start=1000.0):
        self.now = float(start)
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(scope="session")
def simulator_server():
    """A simulator (frozen clock, 250 terminals) shared by the whole test run."""
    from starlink_simulator import serve_in_thread

    server, _url = serve_in_thread(
        port=0,
        seed=SIM_SEED,
        terminals=SIM_TERMINALS,
        client_id=SIM_CLIENT_ID,
        client_secret=SIM_CLIENT_SECRET,
        clock_start=SIM_CLOCK_START,
        clock_speed=0,
        stream_backlog_s=120,
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def simulator_url(simulator_server):
    """Root URL of the running simulator (``http://127.0.0.1:<port>``)."""
    return simulator_server.url


@pytest.fixture
def simulator(simulator_server):
    """The running simulator, reset (faults, counters, tokens, stream, clock)."""
    simulator = simulator_server.simulator
    simulator.wait_idle()  # e.g. a slow answer a timed-out client gave up on
    simulator.reset()
    simulator.clock.set(SIM_CLOCK_START, 0)
    yield simulator_server
    simulator.wait_idle()
    simulator.reset()


@pytest.fixture
def fake_clock():
    """A :class:`FakeClock`."""
    return FakeClock()


@pytest.fixture
def make_client(simulator, fake_clock):
    """Factory of API clients bound to the simulator, with a fake clock and sleep."""
    from starlink_telemetry_lib.client import StarlinkClient

    clients = []

    def factory(**options):
        params = {
            "base_url": simulator.base_url,
            "token_url": simulator.token_url,
            "client_id": SIM_CLIENT_ID,
            "client_secret": SIM_CLIENT_SECRET,
            "account_number": simulator.simulator.fleet.account_number,
            "timeout": 5.0,
            "max_retries": 3,
            "rate_limit_per_min": 0,
            "sleep": fake_clock.sleep,
            "clock": fake_clock,
        }
        params.update(options)
        client = StarlinkClient(**params)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()
