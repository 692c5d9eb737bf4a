"""Telemetry stream: per-account read index, retention, batches and row faults.

The stream is a sequence of positions ``slot * devices_per_slot + device``.
Positions in the future are not yet readable; positions older than the
retention are gone. Each successful response moves the account's read index
past the rows it returned, so lost responses are never re-sent.
"""

import random
import threading

from .rand import unit
from .telemetry import COLUMNS, SLOT_S, TERMINAL, metadata


class StreamState:
    """Read indexes and last responses, per account."""

    def __init__(self, model, faults, stats, backlog_s=3600, retention_s=8 * 3600):
        self.model = model
        self.faults = faults
        self.stats = stats
        self.backlog_s = backlog_s
        self.retention_s = retention_s
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        """Forget read indexes (the next read starts ``backlog_s`` ago)."""
        with self._lock:
            self._cursors = {}
            self._last = {}
            self._responses = 0
            self._lost = 0

    def describe(self):
        """JSON-friendly state for the stats endpoint."""
        with self._lock:
            per_slot = self.model.devices_per_slot
            return {
                "read_index": {
                    acc: {"position": pos, "slot": pos // per_slot}
                    for acc, pos in self._cursors.items()
                },
                "responses": self._responses,
                "rows_lost_to_retention": self._lost,
            }

    def available_end(self, now):
        """First position not yet readable at ``now``."""
        return (int(now // SLOT_S) + 1) * self.model.devices_per_slot

    def pending(self, account, now):
        """Whether at least one position is readable for ``account``."""
        with self._lock:
            cursor = self._cursor(account, now)
        return cursor < self.available_end(now)

    def _cursor(self, account, now):
        """Current read index (lock held), clamped to the retention window."""
        per_slot = self.model.devices_per_slot
        cursor = self._cursors.get(account)
        if cursor is None:
            cursor = (int((now - self.backlog_s) // SLOT_S) + 1) * per_slot
        oldest = (int((now - self.retention_s) // SLOT_S) + 1) * per_slot
        if cursor < oldest:
            self._lost += oldest - cursor
            cursor = oldest
        self._cursors[account] = cursor
        return cursor

    def read(self, account, now, batch_size):
        """Build the next response for ``account`` and advance its index."""
        with self._lock:
            if account in self._last and self.faults.take("duplicate_batches"):
                return self._last[account]
            cursor = self._cursor(account, now)
            entries, cursor = self._collect(cursor, self.available_end(now), batch_size)
            self._responses += 1
            body = self._render(entries)
            self._cursors[account] = cursor
            self._last[account] = body
        self.stats.add_telemetry_rows(len(body["data"]["values"]))
        return body

    def _collect(self, cursor, end, batch_size):
        """``[(position, device_type, values)]`` from ``cursor``; new cursor."""
        per_slot = self.model.devices_per_slot
        entries = []
        while cursor < end and len(entries) < batch_size:
            slot, device = divmod(cursor, per_slot)
            row = self.model.row_at(slot, device)
            if row is not None:
                entries.append((cursor, row[0], row[1]))
            cursor += 1
        return entries, cursor

    # ------------------------------------------------------------ rendering
    def _render(self, entries):
        """Response body with the current column order and row faults."""
        faults = self.faults.snapshot()
        columns = self._columns(faults)
        seed = self.model.seed
        values = []
        for position, device_type, row in entries:
            keys = columns[device_type]
            array = [row[key] for key in keys]
            if (
                faults["malformed_telemetry_rate"]
                and unit(seed, 30, position) < faults["malformed_telemetry_rate"]
            ):
                array = self._corrupt(array, keys, position)
            values.append(array)
            if (
                faults["duplicate_rows_rate"]
                and unit(seed, 31, position) < faults["duplicate_rows_rate"]
            ):
                values.append(list(array) if isinstance(array, list) else array)
        alert_name = faults["alerts_column"]
        names = {
            kind: [alert_name if key == "ActiveAlert" else key for key in keys]
            for kind, keys in columns.items()
        }
        return {
            "data": {"columnNamesByDeviceType": names, "values": values},
            "metadata": metadata(),
        }

    def _columns(self, faults):
        """Column order per device type (shuffled per response on request)."""
        if not faults["reorder_columns"]:
            return {kind: list(keys) for kind, keys in COLUMNS.items()}
        shuffler = random.Random(self.model.seed * 1000003 + self._responses)
        result = {}
        for kind, keys in COLUMNS.items():
            rest = list(keys[1:])
            shuffler.shuffle(rest)
            result[kind] = [keys[0]] + rest
        return result

    def _corrupt(self, array, keys, position):
        """A malformed variant of a row (``keys``: its column order)."""
        variant = int(unit(self.model.seed, 32, position) * 6)
        bad = list(array)
        if variant == 0:
            return bad[: len(bad) // 2]
        if variant == 1:
            bad[keys.index("DeviceId")] = None
        elif variant == 2:
            bad[keys.index("UtcTimestampNs")] = "garbage"
        elif variant == 3:
            column = "DownlinkThroughput" if array[0] == TERMINAL else "UtcTimestampNs"
            bad[keys.index(column)] = "n/a"
        elif variant == 4:
            bad[0] = "x"
        else:
            return "corrupt-row"
        return bad
