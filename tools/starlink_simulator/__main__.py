"""Command line: ``python -m starlink_simulator --port 8765 --terminals 20 --seed 42``."""

import argparse
import json
import logging
import sys

from .faults import FAULTS, FaultError, parse_assignments
from .server import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    Simulator,
    SimulatorConfig,
    serve_forever,
)


def build_parser():
    """Argument parser of the simulator."""
    parser = argparse.ArgumentParser(
        prog="python -m starlink_simulator",
        description="Starlink Public API V2 simulator (deterministic data, fault injection).",
        epilog="Faults: " + ", ".join(sorted(FAULTS)),
    )
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="listen port (0 = any free port)")
    parser.add_argument(
        "--terminals", type=int, default=20, help="number of terminals / service lines"
    )
    parser.add_argument(
        "--fleet",
        metavar="FILE",
        help='JSON file {"serviceLines": [...]} describing the fleet (instead of --terminals)',
    )
    parser.add_argument("--seed", type=int, default=42, help="seed of the generated data")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument("--account-number", help="account number (default: derived from the seed)")
    parser.add_argument("--account-name", help="account name")
    parser.add_argument("--token-ttl", type=int, default=900, help="token lifetime in seconds")
    parser.add_argument("--clock-start", help="start the simulated clock at this ISO instant")
    parser.add_argument(
        "--clock-speed",
        type=float,
        default=1.0,
        help="simulated seconds per real second (0 = frozen clock)",
    )
    parser.add_argument(
        "--stream-backlog",
        type=int,
        default=3600,
        help="seconds of telemetry the first stream read starts with",
    )
    parser.add_argument(
        "--retention", type=int, default=8 * 3600, help="telemetry retention in seconds"
    )
    parser.add_argument("--faults", help="JSON object of fault settings")
    parser.add_argument(
        "--fault", action="append", metavar="NAME=VALUE", help="one fault setting (repeatable)"
    )
    parser.add_argument("--log-level", default="INFO")
    return parser


def main(argv=None):
    """Parse the arguments and serve until interrupted."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        faults = json.loads(args.faults) if args.faults else {}
        faults.update(parse_assignments(args.fault))
    except (ValueError, FaultError) as exc:
        print("invalid fault settings: %s" % exc, file=sys.stderr)
        return 2
    service_lines = None
    if args.fleet:
        try:
            with open(args.fleet, encoding="utf-8") as handle:
                service_lines = json.load(handle)["serviceLines"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print("invalid fleet file %s: %s" % (args.fleet, exc), file=sys.stderr)
            return 2
    config = SimulatorConfig(
        seed=args.seed,
        terminals=args.terminals,
        client_id=args.client_id,
        client_secret=args.client_secret,
        account_number=args.account_number,
        account_name=args.account_name,
        token_ttl=args.token_ttl,
        clock_start=args.clock_start,
        clock_speed=args.clock_speed,
        stream_backlog_s=args.stream_backlog,
        retention_s=args.retention,
        faults=faults,
        service_lines=service_lines,
    )
    try:
        simulator = Simulator(config)
    except ValueError as exc:
        print("invalid fleet: %s" % exc, file=sys.stderr)
        return 2
    serve_forever(args.host, args.port, config, simulator)
    return 0


if __name__ == "__main__":
    sys.exit(main())
