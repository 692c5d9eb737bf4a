"""Describe a Starlink account's fleet as Odoo holds it, for the simulator's ``--fleet``.

`make run` starts one simulator per demo account with the description of that account's
active and suspended service lines and their active terminals, read from the database: the
simulator then knows every demo line and terminal by its own number, id and serials, and the
synchronisation keeps them all (Starlink cancels a line it no longer returns, and a terminal
it no longer returns is archived). Draft lines are not at Starlink yet, and are left out.

The demo may name terminals that are dark (a site without power): the system parameter
``starlink.demo_dark_terminals`` maps a kit serial to ``{"from_minutes_ago": N}`` and, for an
outage that ends, ``"for_minutes": M``, counted from now. The simulator sends nothing from
them in that window, and the demo's outage alerts and tickets follow.

    python tools/demo_fleet.py DATABASE ACCOUNT_NUMBER > fleet.json

The connection follows the libpq variables (``PGHOST``, ``PGPORT``, ``PGUSER``) that
``tools/setup.sh`` exports.
"""

import json
import sys
from datetime import datetime, timedelta, timezone

import psycopg2

# Average daily use of the last four weeks, so the simulator carries on the demo's usage.
USAGE_DAYS = 28

LINES_SQL = """
    SELECT l.id, l.service_line_number, l.nickname, pt.starlink_product_reference AS plan_ref,
           l.date_start, l.billing_day, l.public_ip, l.address_reference, l.street, l.city,
           l.zip, st.name AS state_name, st.code AS state_code,
           c.name->>'en_US' AS country_name, c.code AS country_code, l.latitude, l.longitude,
           (SELECT avg(u.total_gb) FROM starlink_usage_daily u
             WHERE u.service_line_id = l.id AND u.date >= current_date - %(days)s) AS daily_gb
      FROM starlink_service_line l
      JOIN starlink_account a ON a.id = l.account_id
      LEFT JOIN product_product pp ON pp.id = l.product_id
      LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
      LEFT JOIN res_country_state st ON st.id = l.state_id
      LEFT JOIN res_country c ON c.id = l.country_id
     WHERE a.account_number = %(account)s AND a.active AND l.state IN ('active', 'suspended')
     ORDER BY l.id
"""
TERMINALS_SQL = """
    SELECT service_line_id, user_terminal_id, kit_serial, dish_serial, router_ids
      FROM starlink_terminal
     WHERE active AND service_line_id = ANY(%(lines)s)
     ORDER BY id
"""


DARK_SQL = "SELECT value FROM ir_config_parameter WHERE key = 'starlink.demo_dark_terminals'"


def fetch(cr, account_number):
    """``(lines, terminals)`` of the account as lists of dicts, from a DB-API cursor."""
    cr.execute(LINES_SQL, {"account": account_number, "days": USAGE_DAYS})
    lines = _dicts(cr)
    cr.execute(TERMINALS_SQL, {"lines": [line["id"] for line in lines]})
    terminals = _dicts(cr)
    cr.execute(DARK_SQL)
    row = cr.fetchone()
    dark = json.loads(row[0]) if row and row[0] else {}
    for terminal in terminals:
        if terminal.get("kit_serial") in dark:
            terminal["dark"] = dark[terminal["kit_serial"]]
    return lines, terminals


def dark_window(dark, now):
    """``(darkFrom, darkUntil or None)`` ISO times of a ``{"from_minutes_ago", "for_minutes"}``
    description, counted from ``now``."""
    start = now - timedelta(minutes=float(dark.get("from_minutes_ago") or 0))
    end = start + timedelta(minutes=float(dark["for_minutes"])) if dark.get("for_minutes") else None
    return start.isoformat(), end.isoformat() if end else None


def _dicts(cr):
    columns = [column[0] for column in cr.description]
    return [dict(zip(columns, row, strict=True)) for row in cr.fetchall()]


def describe(lines, terminals, now=None):
    """The simulator's fleet description (``{"serviceLines": [...]}``) of these rows.

    ``lines`` and ``terminals`` are dicts with the columns of ``LINES_SQL`` and
    ``TERMINALS_SQL`` (and ``dark``, see ``fetch``); terminals are grouped under their line,
    in the given order.
    """
    now = now or datetime.now(timezone.utc)
    by_line = {}
    for terminal in terminals:
        dark_from, dark_until = dark_window(terminal["dark"], now) if terminal.get("dark") else (
            None, None
        )
        by_line.setdefault(terminal["service_line_id"], []).append(
            _compact(
                {
                    "userTerminalId": terminal["user_terminal_id"],
                    "kitSerialNumber": terminal.get("kit_serial"),
                    "dishSerialNumber": terminal.get("dish_serial"),
                    "routerId": (terminal.get("router_ids") or "").split(",")[0].strip(),
                    "darkFrom": dark_from,
                    "darkUntil": dark_until,
                }
            )
        )
    described = []
    for line in lines:
        address = None
        if line.get("street") or line.get("city") or line.get("country_code"):
            address = _compact(
                {
                    "addressLines": [line["street"]] if line.get("street") else [],
                    "locality": line.get("city"),
                    "administrativeArea": line.get("state_name"),
                    "administrativeAreaCode": line.get("state_code"),
                    "region": line.get("country_name"),
                    "regionCode": line.get("country_code"),
                    "postalCode": line.get("zip"),
                    "latitude": _number(line.get("latitude")),
                    "longitude": _number(line.get("longitude")),
                }
            )
        start = line.get("date_start")
        daily = line.get("daily_gb")
        described.append(
            _compact(
                {
                    "serviceLineNumber": line["service_line_number"],
                    "nickname": line.get("nickname"),
                    "productReferenceId": line.get("plan_ref"),
                    "startDate": start.isoformat() if start else None,
                    "billingDay": line.get("billing_day") or None,
                    "publicIp": bool(line.get("public_ip")),
                    "addressReferenceId": line.get("address_reference"),
                    "address": address,
                    "dailyGB": round(float(daily), 3) if daily is not None else None,
                    "userTerminals": by_line.get(line["id"], []),
                }
            )
        )
    return {"serviceLines": described}


def _number(value):
    """A coordinate as a float; None when unset (Odoo stores 0)."""
    return float(value) if value else None


def _compact(values):
    """``values`` without empty entries (None, "")."""
    return {key: value for key, value in values.items() if value is not None and value != ""}


def main(argv):
    """Print the fleet description of account ``argv[2]`` in database ``argv[1]``."""
    if len(argv) != 3:
        print("usage: python tools/demo_fleet.py DATABASE ACCOUNT_NUMBER", file=sys.stderr)
        return 2
    connection = psycopg2.connect(dbname=argv[1])
    try:
        with connection.cursor() as cr:
            lines, terminals = fetch(cr, argv[2])
    finally:
        connection.close()
    json.dump(describe(lines, terminals), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
