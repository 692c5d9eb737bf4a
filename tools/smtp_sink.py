"""A local SMTP sink for the demo and tests: accepts every mail and writes it as an ``.eml``
file, so that Odoo's mails reach the "sent" state and can be read (no mail leaves the machine).

    python tools/smtp_sink.py --port 8025 --dir .local/mail

Each message is saved as ``<dir>/<UTC time>-<n>.eml`` with the envelope in ``X-Sink-*``
headers. Stops on SIGTERM/SIGINT.
"""

import argparse
import itertools
import signal
import threading
from datetime import datetime, timezone
from pathlib import Path

from aiosmtpd.controller import Controller


class SaveHandler:
    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}-{next(self.counter)}.eml"
        headers = (
            f"X-Sink-Mail-From: {envelope.mail_from}\r\n"
            f"X-Sink-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        path.write_bytes(headers + envelope.original_content)
        return "250 Message accepted"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", default=".local/mail")
    args = parser.parse_args(argv)
    controller = Controller(SaveHandler(args.dir), hostname=args.host, port=args.port)
    controller.start()
    print(f"SMTP sink on {args.host}:{args.port}, mails in {args.dir}", flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
