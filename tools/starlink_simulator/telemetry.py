"""Telemetry samples of user terminals, routers and IP allocations.

Terminals and routers emit one sample per 15-second slot; IP allocations every
5 minutes. A sample is a pure function of (seed, device, slot): throughput
follows a diurnal and weekly pattern in local time, outages (hours with a
random gap, no samples at all) and obstruction episodes (10-minute blocks with
high obstruction, ping drop and latency) are drawn per terminal, and alerts
follow from the state.
"""

import math

from .rand import Draws, gauss, hash_ints, unit

SLOT_S = 15
IP_EVERY_SLOTS = 20
TERMINAL, ROUTER, IP_ALLOC = "u", "r", "i"
DEVICE_TYPES = {TERMINAL: "UserTerminal", ROUTER: "Router", IP_ALLOC: "IpAllocs"}
TERMINAL_COLUMNS = (
    "DeviceType",
    "UtcTimestampNs",
    "DeviceId",
    "DownlinkThroughput",
    "UplinkThroughput",
    "PingDropRateAvg",
    "PingLatencyMsAvg",
    "ObstructionPercentTime",
    "Uptime",
    "SignalQuality",
    "H3CellId",
    "SecondsUntilSwupdateRebootPossible",
    "RunningSoftwareVersion",
    "CountryCode",
    "InTerritorialWaters",
    "ActiveAlert",
)
ROUTER_COLUMNS = (
    "DeviceType",
    "UtcTimestampNs",
    "DeviceId",
    "WifiUptimeS",
    "WifiSoftwareVersion",
    "WifiIsRepeater",
    "WifiHopsFromController",
    "WifiIsBypassed",
    "InternetPingDropRate",
    "InternetPingLatencyMs",
    "WifiPopPingDropRate",
    "WifiPopPingLatencyMs",
    "DishPingDropRate",
    "DishPingLatencyMs",
    "Clients",
    "Clients2Ghz",
    "Clients5Ghz",
    "ClientsEth",
    "WanTxBytes",
    "WanRxBytes",
    "DishId",
    "ApiVersion",
    "ActiveAlert",
)
IP_COLUMNS = (
    "DeviceType",
    "UtcTimestampNs",
    "DeviceId",
    "AccountNumber",
    "Ipv4",
    "Ipv6Ue",
    "Ipv6Cpe",
)
COLUMNS = {TERMINAL: TERMINAL_COLUMNS, ROUTER: ROUTER_COLUMNS, IP_ALLOC: IP_COLUMNS}
TERMINAL_ALERTS = {
    50: "ethernet_slow_10mbps",
    51: "ethernet_slow_100mbps",
    52: "power_supply_thermal_throttling",
    53: "actuator_motor_stuck",
    54: "mast_not_vertical",
    55: "disabled_no_active_account",
    56: "disabled_too_far_from_service_address",
    57: "disabled_no_service_in_ocean",
    58: "disabled_invalid_country",
    59: "moving_while_not_mobile",
    60: "disabled_moving_too_fast",
    61: "power_disconnect_detected",
    62: "pop_change",
    63: "unable_to_align",
    64: "high_sky_obstruction",
    65: "high_sky_obstruction_mobile",
    66: "high_time_obstruction",
    67: "high_time_obstruction_mobile",
    79: "software_update_reboot_pending",
    80: "thermal_shutdown",
    81: "thermal_throttling",
    83: "disabled_blocked_country",
    84: "disabled_data_usage_exceeded_quota",
    89: "disabled_cell_is_disabled",
    92: "disabled_unlicensed_country",
    93: "disabled_roam_restricted",
    94: "disabled_unknown_location",
    95: "disabled_account_disabled",
    96: "disabled_unsupported_version",
    97: "data_overage_rate_limited",
}
ROUTER_VERSIONS = ("2025.04.30.mr56800", "2025.05.27.mr58410")
# Versions at or above this one report software_update_reboot_pending (known issue).
REBOOT_PENDING_VERSION = "2025.06.05"


def metadata():
    """The ``metadata`` block of telemetry responses."""
    return {
        "enums": {
            "DeviceType": dict(DEVICE_TYPES),
            "AlertsByDeviceType": {
                TERMINAL: {str(code): name for code, name in TERMINAL_ALERTS.items()},
                ROUTER: {},
                IP_ALLOC: {},
            },
        }
    }


def _bump(hour, center, width):
    """Gaussian bump on a 24-hour circle."""
    distance = abs(hour - center)
    distance = min(distance, 24.0 - distance)
    return math.exp(-((distance / width) ** 2))


class TelemetryModel:
    """Generates samples for a fleet; devices per slot = 3 x terminals."""

    CACHE_LIMIT = 400_000

    def __init__(self, fleet):
        self.fleet = fleet
        self.seed = fleet.seed
        self._windows = {}
        self._offsets = {}

    @property
    def devices_per_slot(self):
        """Positions per slot in the stream (terminal, router, IP allocation)."""
        return 3 * self.fleet.size

    # ------------------------------------------------------------ state
    def _window(self, index, block, rate):
        """Outage ``(start, end, power_loss)`` drawn for an hour block, or None."""
        key = (index, block)
        window = self._windows.get(key, False)
        if window is False:
            if len(self._windows) > self.CACHE_LIMIT:
                self._windows.clear()
            window = None
            if unit(self.seed, 10, index, block) < rate:
                draws = Draws(self.seed, 11, index, block)
                start = block * 3600 + draws.uniform(0, 3600)
                window = (start, start + draws.uniform(120, 2400), draws.uniform() < 0.5)
            self._windows[key] = window
        return window

    def outage(self, terminal, moment):
        """``(in_outage, end_of_last_outage_or_None, was_power_loss)`` at ``moment``."""
        hour = int(moment // 3600)
        last_end, power = None, False
        for block in (hour - 1, hour):
            window = self._window(terminal.index, block, terminal.outage_rate)
            if window is None:
                continue
            start, end, power_loss = window
            if start <= moment < end:
                return True, None, False
            if end <= moment and (last_end is None or end > last_end):
                last_end, power = end, power_loss
        return False, last_end, power

    @staticmethod
    def dark(terminal, moment):
        """Whether ``moment`` falls in the terminal's described dark window."""
        if terminal.dark_from is None or moment < terminal.dark_from:
            return False
        return terminal.dark_until is None or moment < terminal.dark_until

    def obstructed(self, terminal, moment):
        """Whether ``moment`` falls in an obstruction episode."""
        return unit(self.seed, 14, terminal.index, int(moment // 600)) < terminal.obstruction_rate

    @staticmethod
    def load(terminal, moment):
        """Relative demand (about 0.15-1.2) from local hour and weekday."""
        local = moment + terminal.longitude * 240.0
        hour = (local % 86400) / 3600.0
        weekday = (int(local // 86400) + 3) % 7
        if terminal.business:
            daily = 0.15 + 0.85 * _bump(hour, 13.0, 3.5)
            weekly = 1.0 if weekday < 5 else 0.45
        else:
            daily = 0.2 + 0.8 * _bump(hour, 20.5, 3.2) + 0.3 * _bump(hour, 12.5, 2.5)
            weekly = 1.15 if weekday >= 5 else 1.0
        return daily * weekly, hour

    def timestamp_ns(self, terminal, slot, salt=0):
        """Device timestamp of a slot: a stable per-device offset before its end."""
        key = (terminal.index, salt)
        offset_ms = self._offsets.get(key)
        if offset_ms is None:
            offset_ms = self._offsets[key] = hash_ints(self.seed, 15, *key) % (SLOT_S * 1000)
        return (slot * SLOT_S * 1000 - offset_ms) * 1_000_000

    # ------------------------------------------------------------ rows
    def row_at(self, slot, position):
        """``(device_type, values)`` at a stream position, or None (no sample)."""
        kind, index = divmod(position, self.fleet.size)
        if kind == 2 and (slot - index) % IP_EVERY_SLOTS:
            return None
        terminal = self.fleet.terminal(index)
        state = self.state(terminal, slot)
        if state is None:
            return None
        if kind == 0:
            return TERMINAL, self.terminal_values(terminal, slot, state)
        if kind == 1:
            return ROUTER, self.router_values(terminal, slot, state)
        return IP_ALLOC, self.ip_values(terminal, slot)

    def state(self, terminal, slot):
        """Shared state of a terminal and its router in a slot; None in an outage."""
        if not terminal.terminal_entry:  # a described line without a terminal yet
            return None
        moment = slot * SLOT_S
        if self.dark(terminal, moment):
            return None
        down, last_end, power = self.outage(terminal, moment)
        if down:
            return None
        load, hour = self.load(terminal, moment)
        return {
            "moment": moment,
            "last_end": last_end,
            "power": power,
            "obstructed": self.obstructed(terminal, moment),
            "load": load,
            "hour": hour,
            "uptime": self._uptime(terminal, moment, last_end),
        }

    def terminal_values(self, terminal, slot, state):
        """Column values of one user terminal sample."""
        rnd = Draws(self.seed, 20, terminal.index, slot).take(12)
        obstructed, load = state["obstructed"], state["load"]
        disabled = terminal.end_date is not None
        downlink = 0.0
        if not disabled:
            downlink = min(
                350.0, terminal.peak_down_mbps * load * math.exp(0.5 * gauss(rnd[0], rnd[1]))
            )
        uplink = downlink * terminal.up_ratio * math.exp(0.3 * gauss(rnd[2], rnd[3])) + 0.05
        latency = terminal.base_latency_ms + 10 * load + abs(4 * gauss(rnd[4], rnd[5]))
        if obstructed:
            downlink *= 0.5
            drop = 0.05 + 0.3 * rnd[6]
            latency += 20 + 40 * rnd[7]
            obstruction = 2.0 + 10.0 * rnd[8]
            quality = 0.4 + 0.4 * rnd[9]
        else:
            drop = min(1.0, abs(0.004 * gauss(rnd[6], rnd[7])))
            obstruction = terminal.obstruction_base + abs(0.05 * gauss(rnd[8], rnd[10]))
            quality = 0.85 + 0.15 * rnd[9]
        return {
            "DeviceType": TERMINAL,
            "UtcTimestampNs": self.timestamp_ns(terminal, slot),
            "DeviceId": terminal.telemetry_id,
            "DownlinkThroughput": round(downlink, 3),
            "UplinkThroughput": round(uplink, 3),
            "PingDropRateAvg": round(drop, 4),
            "PingLatencyMsAvg": round(latency, 2),
            "ObstructionPercentTime": round(obstruction, 3),
            "Uptime": state["uptime"],
            "SignalQuality": round(quality, 3),
            "H3CellId": "%015x" % (0x8A2A10000000000 + (terminal.index * 4099) % 0xFFFFFFF),
            "SecondsUntilSwupdateRebootPossible": 259200,
            "RunningSoftwareVersion": terminal.software_version,
            "CountryCode": terminal.locality[4],
            "InTerritorialWaters": False,
            "ActiveAlert": self._terminal_alerts(terminal, state, disabled, rnd[11]),
        }

    @staticmethod
    def _terminal_alerts(terminal, state, disabled, chance):
        """Alert codes active for a terminal sample."""
        alerts = []
        if disabled:
            alerts.append(55)
        if state["obstructed"]:
            alerts.append(66)
            if chance < 0.5:
                alerts.append(64)
        last_end = state["last_end"]
        if state["power"] and last_end is not None and state["moment"] - last_end < 600:
            alerts.append(61)
        if terminal.hot and 12.0 <= state["hour"] <= 17.0:
            alerts.append(81)
        if terminal.software_version >= REBOOT_PENDING_VERSION:
            alerts.append(79)
        return alerts

    @staticmethod
    def _uptime(terminal, moment, last_end):
        """Seconds since the last boot (periodic reboot or end of an outage)."""
        since_boot = (moment - terminal.boot_phase_s) % terminal.boot_period_s
        if last_end is not None:
            since_boot = min(since_boot, moment - last_end)
        return int(since_boot)

    def router_values(self, terminal, slot, state):
        """Column values of one router sample."""
        rnd = Draws(self.seed, 21, terminal.index, slot).take(8)
        load, uptime = state["load"], state["uptime"]
        latency = terminal.base_latency_ms + 10 * load + abs(4 * gauss(rnd[0], rnd[1]))
        if state["obstructed"]:
            latency += 30.0
            drop = 0.05 + 0.25 * rnd[2]
        else:
            drop = abs(0.004 * gauss(rnd[2], rnd[3]))
        clients = max(1, int(round(2 + 10 * load * (0.8 + 0.4 * rnd[4]))))
        eth = clients // 5
        two_ghz = (clients - eth) // 3
        avg_bps = terminal.peak_down_mbps * 0.25e6
        return {
            "DeviceType": ROUTER,
            "UtcTimestampNs": self.timestamp_ns(terminal, slot, salt=1),
            "DeviceId": terminal.router_id,
            "WifiUptimeS": uptime,
            "WifiSoftwareVersion": ROUTER_VERSIONS[terminal.index % len(ROUTER_VERSIONS)],
            "WifiIsRepeater": False,
            "WifiHopsFromController": 0,
            "WifiIsBypassed": False,
            "InternetPingDropRate": round(min(1.0, drop * 1.05), 4),
            "InternetPingLatencyMs": round(latency + 3 + 5 * rnd[5], 2),
            "WifiPopPingDropRate": round(min(1.0, drop), 4),
            "WifiPopPingLatencyMs": round(latency + 0.5 + 1.5 * rnd[6], 2),
            "DishPingDropRate": round(0.001 * rnd[7], 4),
            "DishPingLatencyMs": round(0.4 + 1.6 * rnd[3], 2),
            "Clients": clients,
            "Clients2Ghz": two_ghz,
            "Clients5Ghz": clients - eth - two_ghz,
            "ClientsEth": eth,
            "WanTxBytes": int(uptime * avg_bps * terminal.up_ratio / 8),
            "WanRxBytes": int(uptime * avg_bps / 8),
            "DishId": terminal.telemetry_id,
            "ApiVersion": 26,
            "ActiveAlert": [],
        }

    def ip_values(self, terminal, slot):
        """Column values of one IP allocation record."""
        ident = hash_ints(self.seed, 22, terminal.index)
        prefix = "2605:59c8:%x:%x" % (ident >> 48 & 0xFFFF, terminal.index & 0xFFFF)
        return {
            "DeviceType": IP_ALLOC,
            "UtcTimestampNs": self.timestamp_ns(terminal, slot, salt=2),
            "DeviceId": terminal.telemetry_id,
            "AccountNumber": self.fleet.account_number,
            "Ipv4": [
                "%s.%d"
                % (
                    "198.51.100" if terminal.public_ip else "100.64.%d" % (ident % 250),
                    terminal.index % 254 + 1,
                )
            ],
            "Ipv6Ue": [prefix + "::/64"],
            "Ipv6Cpe": [prefix + "00::/56"],
        }

    def latest(self, terminal, now, lookback_slots=40):
        """Most recent terminal and router values within the lookback, or None."""
        slot = int(now // SLOT_S)
        for candidate in range(slot, slot - lookback_slots, -1):
            state = self.state(terminal, candidate)
            if state is not None:
                return (
                    self.terminal_values(terminal, candidate, state),
                    self.router_values(terminal, candidate, state),
                )
        return None
