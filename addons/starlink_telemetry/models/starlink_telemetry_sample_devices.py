import logging

from odoo import api, models
from odoo.tools import SQL

from .starlink_telemetry_sample import ALERT_BITS, clean_alert_name

_logger = logging.getLogger(__name__)


class StarlinkTelemetrySample(models.Model):
    """The device table (an integer key per terminal or router, created on first sight and
    linked to its terminal) and the alert names (a bit per name and device type)."""

    _inherit = "starlink.telemetry.sample"

    @api.model
    def _device_keys(self, devices):
        """``{device id: integer key}`` for ``devices`` (``{device id: type}``).

        Devices are created on first sight; a device not linked to a terminal yet is linked
        as soon as the terminal is known (terminal id or router id).
        """
        cr = self.env.cr
        cr.execute(
            SQL(
                """SELECT device_id, id, terminal_id FROM starlink_telemetry_device
                    WHERE device_id = ANY(%s)""",
                self._text_array(devices),
            )
        )
        keys, unlinked = {}, []
        for device, key, terminal in cr.fetchall():
            keys[device] = key
            if terminal is None:
                unlinked.append(device)
        new = [device for device in devices if device not in keys]
        if not new and not unlinked:
            return keys
        terminals = self._terminal_ids_by_device(set(new) | set(unlinked))
        if new:
            created = cr.execute_values(
                """INSERT INTO starlink_telemetry_device (device_id, device_type, terminal_id)
                   VALUES %s ON CONFLICT (device_id) DO NOTHING RETURNING device_id, id""",
                [(device, devices[device], terminals.get(device)) for device in new],
                page_size=1000,
                fetch=True,
            )
            keys.update(created)
            missing = [device for device in new if device not in keys]
            if missing:  # created meanwhile by another transaction
                cr.execute(
                    "SELECT device_id, id FROM starlink_telemetry_device WHERE device_id = ANY(%s)",
                    [missing],
                )
                keys.update(cr.fetchall())
        linked = [(device, terminals[device]) for device in unlinked if device in terminals]
        if linked:
            cr.execute_values(
                """UPDATE starlink_telemetry_device d SET terminal_id = v.terminal_id
                     FROM (VALUES %s) AS v(device_id, terminal_id)
                    WHERE d.device_id = v.device_id""",
                linked,
            )
        return keys

    @api.model
    def _text_array(self, texts):
        """SQL of a ``text[]`` holding ``texts``: passed as one string split by the server
        (the adaptation of a Python list costs about a microsecond an element)."""
        texts = list(texts)
        joined = "\n".join(texts)
        if joined.count("\n") != max(len(texts) - 1, 0):  # a text holds the separator
            return SQL("%s::text[]", texts)
        return SQL("string_to_array(%s, E'\\n')", joined)

    @api.model
    def _alert_bits(self, device_type, names):
        """``{alert name: bit mask}`` of a device type; a new name gets the next free bit."""
        cr = self.env.cr
        cr.execute(
            "SELECT name, bit FROM starlink_telemetry_alert_name WHERE device_type = %s",
            [device_type],
        )
        bits = dict(cr.fetchall())
        cleaned = {name: clean_alert_name(name) for name in names}
        for name in sorted(set(cleaned.values()) - set(bits)):
            bit = max(bits.values(), default=-1) + 1
            if bit >= ALERT_BITS:
                _logger.warning(
                    "Starlink telemetry: no bit left for alert %r of device type %s: not stored",
                    name, device_type,
                )  # fmt: skip
                continue
            cr.execute(
                """INSERT INTO starlink_telemetry_alert_name (device_type, bit, name)
                   VALUES (%s, %s, %s) ON CONFLICT DO NOTHING""",
                [device_type, bit, name],
            )
            bits[name] = bit
        return {name: 1 << bits[clean] for name, clean in cleaned.items() if clean in bits}

    @api.model
    def _terminal_ids_by_device(self, device_ids):
        """Map terminal ids and router ids to ``starlink.terminal`` ids."""
        self.env.cr.execute(
            """SELECT id, user_terminal_id, router_ids FROM starlink_terminal
                WHERE user_terminal_id = ANY(%s) OR router_ids IS NOT NULL""",
            (list(device_ids),),
        )
        mapping = {}
        for terminal_id, user_terminal_id, router_ids in self.env.cr.fetchall():
            mapping[user_terminal_id] = terminal_id
            for router_id in (router_ids or "").split(","):
                if router_id.strip():
                    mapping[router_id.strip()] = terminal_id
        return mapping
