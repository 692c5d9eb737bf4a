"""Point the demo Starlink accounts at the local simulators and run a first synchronisation.

Run by `make run` through `odoo-bin shell` (``env`` is Odoo's environment) once per database,
with SIMULATORS="<account number>=<base url>,..." in the environment. Each simulator serves
its account's demo fleet as the database holds it (`tools/demo_fleet.py`): the same service
lines and terminals, so the synchronisation keeps every one of them. For each demo account:
its API URLs and credentials point at its simulator, then a first synchronisation runs (with
Starlink's invoices, the costs of the margin analysis), then a data top-up is bought for one
line, the overdue client's line is suspended, and the forecasts and the alert rules run.
From then on the scheduled actions keep the demo alive.
"""

import logging
import os

_logger = logging.getLogger("starlink.demo_simulator")

CLIENT_ID = "starlink-sim-client"
CLIENT_SECRET = "starlink-sim-secret"


def link_account(account, base_url):
    account.write(
        {
            "api_base_url": f"{base_url}/api",
            "token_url": f"{base_url}/api/auth/connect/token",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "telemetry_linger_ms": 5000,
        }
    )
    account._sync_inventory()
    account._sync_usage()
    env["starlink.cost.line"]._sync_account(account)  # noqa: F821 - odoo shell
    _logger.info("Demo account %s now follows %s", account.display_name, base_url)


def top_up_demo_line():
    """The calving barn, near its limit, buys a 50 GB block at Starlink: charged once there,
    billed once to the client on the next invoice."""
    line = env.ref("starlink_base.starlink_service_line_demo_02")  # noqa: F821 - odoo shell
    block = env.ref("starlink_base.product_product_data_block")  # noqa: F821 - odoo shell
    wizard = env["starlink.top.up.wizard"].create(  # noqa: F821 - odoo shell
        {"service_line_id": line.id, "block_count": 1, "product_id": block.id}
    )
    wizard.action_confirm()


def main():
    params = env["ir.config_parameter"].sudo()  # noqa: F821 - odoo shell
    if params.get_param("starlink.demo_simulator_linked"):
        return
    simulators = dict(
        item.split("=", 1) for item in os.environ.get("SIMULATORS", "").split(",") if "=" in item
    )
    domain = [("account_number", "in", list(simulators))]
    accounts = env["starlink.account"].sudo().search(domain)  # noqa: F821 - odoo shell
    for account in accounts:
        link_account(account, simulators[account.account_number])
    for account in accounts:
        # The simulators start with the 8 hours of telemetry Starlink's stream keeps.
        account._poll_telemetry(polls=3)
    env["starlink.telemetry.hourly"]._rollup(  # noqa: F821 - odoo shell
        env["starlink.telemetry.sample"]._oldest_accepted()  # noqa: F821 - odoo shell
    )
    # The demo's outgoing mail server is the local SMTP sink started by tools/run.sh: mails
    # reach "sent" and are kept as .eml files in .local/mail; without it, the queue stays off.
    if os.environ.get("SMTP_PORT"):
        env["ir.mail_server"].sudo().create(  # noqa: F821 - odoo shell
            {"name": "Demo SMTP sink (.local/mail)", "smtp_host": "127.0.0.1",
             "smtp_port": int(os.environ["SMTP_PORT"]), "smtp_encryption": "none"}
        )  # fmt: skip
    else:
        env.ref("mail.ir_cron_mail_scheduler_action").active = False  # noqa: F821 - odoo shell
    # The demo runs offline: Odoo's lead enrichment (an online service) would fail on the
    # demo's opportunities; switch it back on in CRM > Settings where the server is online.
    enrichment = env.ref(  # noqa: F821 - odoo shell
        "crm_iap_enrich.ir_cron_lead_enrichment", raise_if_not_found=False
    )
    if enrichment:
        enrichment.active = False
    top_up_demo_line()
    # Northstar Expeditions left an invoice unpaid past the grace days: its line is suspended.
    env["starlink.service.line"]._cron_suspend_overdue()  # noqa: F821 - odoo shell
    env["starlink.service.line"]._cron_refresh_forecasts()  # noqa: F821 - odoo shell
    env["starlink.alert"]._cron_evaluate()  # noqa: F821 - odoo shell
    send_demo_reports()
    params.set_param("starlink.demo_simulator_linked", "1")
    env.cr.commit()  # noqa: F821 - odoo shell


def send_demo_reports():
    """The demo's scheduled reports mail their last complete period, once (starlink_reports):
    made due now, sent by the scheduled action as soon as the server runs (wkhtmltopdf reads
    the PDF's styles from it; this shell has no HTTP server)."""
    Schedule = env["starlink.report.schedule"]  # noqa: F821 - odoo shell
    schedules = Schedule.search([("id", "in", [
        env.ref(f"starlink_reports.starlink_report_schedule_demo_{name}").id  # noqa: F821
        for name in ("ironwood", "summit_ridge")
    ])])  # fmt: skip
    schedules._rewind_to_last_period()
    env.ref("starlink_reports.ir_cron_send_reports")._trigger()  # noqa: F821 - odoo shell


main()
