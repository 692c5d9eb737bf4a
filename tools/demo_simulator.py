"""Point the demo Starlink accounts at the local simulators and adopt their fleets.

Run by `make run` through `odoo-bin shell` (``env`` is Odoo's environment) once per database,
with SIMULATORS="<account number>=<base url>,..." in the environment. For each demo account:
its API URLs and credentials point at its simulator, its active and suspended demo lines
(in creation order) take the numbers of the simulator's service lines, their terminals the
simulator's terminal ids and kit serials (their stock serials are renamed to match), then a
first synchronisation runs, then the forecasts and the alert rules. From then on the
scheduled actions keep the demo alive.
"""

import logging
import os

_logger = logging.getLogger("starlink.demo_simulator")

CLIENT_ID = "starlink-sim-client"
CLIENT_SECRET = "starlink-sim-secret"


def adopt_fleet(account, base_url):
    account.write(
        {
            "api_base_url": f"{base_url}/api",
            "token_url": f"{base_url}/api/auth/connect/token",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "telemetry_linger_ms": 5000,
        }
    )
    with account._starlink_client() as client:
        remote_lines = list(client.iter_service_lines())
        remote_terminals = {}
        for terminal in client.iter_user_terminals():
            remote_terminals.setdefault(terminal["serviceLineNumber"], []).append(terminal)
    remote_lines.sort(key=lambda line: line["serviceLineNumber"])
    lines = env["starlink.service.line"].search(  # noqa: F821 - odoo shell
        [("account_id", "=", account.id), ("state", "in", ("active", "suspended"))], order="id"
    )
    for line, remote in zip(lines, remote_lines):
        number = remote["serviceLineNumber"]
        line.service_line_number = number
        for terminal, remote_terminal in zip(
            line.terminal_ids.sorted("id"), remote_terminals.get(number, [])
        ):
            kit_serial = remote_terminal["kitSerialNumber"]
            if terminal.lot_id:
                terminal.lot_id.name = kit_serial
            routers = [r["routerId"] for r in remote_terminal.get("routers") or []]
            terminal.write(
                {
                    "user_terminal_id": remote_terminal["userTerminalId"],
                    "kit_serial": kit_serial,
                    "dish_serial": remote_terminal["dishSerialNumber"],
                    "router_ids": ",".join(routers),
                }
            )
    account._sync_inventory()
    account._sync_usage()
    _logger.info("Demo account %s now follows %s", account.display_name, base_url)


def main():
    params = env["ir.config_parameter"].sudo()  # noqa: F821 - odoo shell
    if params.get_param("starlink.demo_simulator_linked"):
        return
    simulators = dict(
        item.split("=", 1) for item in os.environ.get("SIMULATORS", "").split(",") if "=" in item
    )
    accounts = env["starlink.account"].sudo().search(  # noqa: F821 - odoo shell
        [("account_number", "in", list(simulators))]
    )
    for account in accounts:
        adopt_fleet(account, simulators[account.account_number])
    for account in accounts:
        account._poll_telemetry(polls=1)
    env["starlink.telemetry.hourly"]._rollup(  # noqa: F821 - odoo shell
        env["starlink.telemetry.sample"]._oldest_accepted()  # noqa: F821 - odoo shell
    )
    # No mail server in the demo: mails stay in the outgoing queue (Settings > Technical >
    # Emails) until one is configured and the queue's scheduled action is switched back on.
    env.ref("mail.ir_cron_mail_scheduler_action").active = False  # noqa: F821 - odoo shell
    env["starlink.service.line"]._cron_refresh_forecasts()  # noqa: F821 - odoo shell
    env["starlink.alert"]._cron_evaluate()  # noqa: F821 - odoo shell
    params.set_param("starlink.demo_simulator_linked", "1")
    env.cr.commit()  # noqa: F821 - odoo shell


main()
