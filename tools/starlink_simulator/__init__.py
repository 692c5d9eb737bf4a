"""Starlink Public API V2 simulator for the Starlink Reseller Suite.

A real HTTP server speaking the subset of the API the suite uses, with
deterministic generated data and fault injection. See README.md.
"""

from .server import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    Simulator,
    SimulatorConfig,
    SimulatorServer,
    serve_forever,
    serve_in_thread,
)

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "Simulator",
    "SimulatorConfig",
    "SimulatorServer",
    "serve_forever",
    "serve_in_thread",
]
