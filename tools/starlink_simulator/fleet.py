"""Deterministic fleet: account, plans, service lines, user terminals, addresses.

Entities are built lazily from the seed and their index, and cached; nothing
is generated up front, so the fleet scales to tens of thousands of terminals.

A fleet is generated (one service line per terminal, identifiers drawn from the
seed) or described: given service lines, each with its own identifiers, plan,
dates and address and any number of terminals (see ``describe_entries``). A
described fleet keeps what it is given and draws the rest (usage level,
outages, obstruction, throughput) from the seed, without the archetypes.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from .rand import Draws, hash_ints

# Fixed archetypes for the first terminals, so demos and tests always have a
# line in overage, a throttled line, an obstructed dish and a flaky terminal.
ARCHETYPE_OVERAGE, ARCHETYPE_THROTTLED, ARCHETYPE_OBSTRUCTED, ARCHETYPE_FLAKY = range(4)

SOFTWARE_VERSIONS = (
    "2025.04.08.cr53207",
    "2025.05.20.mr58001",
    "2025.05.20.mr58001",
    "2025.06.12.mr59120",
)
SITE_KINDS = (
    "Farm",
    "Cabin",
    "Office",
    "Depot",
    "Clinic",
    "School",
    "Lodge",
    "Station",
    "Ranch",
    "Site",
)
STREETS = (
    "Station Road",
    "Rural Route",
    "Ridge Road",
    "Mill Lane",
    "Creek Road",
    "Airport Way",
    "Harbour Street",
    "Forest Drive",
    "Valley Road",
    "Main Street",
)
# locality, administrative area, area code, region, region code, postal code, latitude, longitude
LOCALITIES = (
    ("Bozeman", "Montana", "MT", "United States", "US", "59715", 45.68, -111.04),
    ("Moab", "Utah", "UT", "United States", "US", "84532", 38.57, -109.55),
    ("Fairbanks", "Alaska", "AK", "United States", "US", "99701", 64.84, -147.72),
    ("Taos", "New Mexico", "NM", "United States", "US", "87571", 36.41, -105.57),
    ("Bend", "Oregon", "OR", "United States", "US", "97701", 44.06, -121.31),
    ("Ely", "Minnesota", "MN", "United States", "US", "55731", 47.90, -91.87),
    ("Whitehorse", "Yukon", "YT", "Canada", "CA", "Y1A 1A1", 60.72, -135.06),
    ("Jasper", "Alberta", "AB", "Canada", "CA", "T0E 1E0", 52.87, -118.08),
    ("Gaspe", "Quebec", "QC", "Canada", "CA", "G4X 1A1", 48.83, -64.48),
    ("Broome", "Western Australia", "WA", "Australia", "AU", "6725", -17.96, 122.24),
    ("Alice Springs", "Northern Territory", "NT", "Australia", "AU", "0870", -23.70, 133.88),
    ("Longreach", "Queensland", "QLD", "Australia", "AU", "4730", -23.44, 144.25),
    ("Te Anau", "Southland", "STL", "New Zealand", "NZ", "9600", -45.41, 167.72),
    ("Portree", "Scotland", "SCT", "United Kingdom", "GB", "IV51 9EH", 57.41, -6.19),
    ("Aviemore", "Scotland", "SCT", "United Kingdom", "GB", "PH22 1RH", 57.19, -3.83),
    ("Tromso", "Troms", "55", "Norway", "NO", "9008", 69.65, 18.96),
    ("Kiruna", "Norrbotten", "BD", "Sweden", "SE", "981 31", 67.86, 20.23),
    ("Ushuaia", "Tierra del Fuego", "V", "Argentina", "AR", "V9410", -54.80, -68.30),
    ("Bariloche", "Rio Negro", "R", "Argentina", "AR", "R8400", -41.13, -71.31),
    ("Cuzco", "Cusco", "CUS", "Peru", "PE", "08000", -13.53, -71.97),
)


@dataclass(frozen=True)
class Plan:
    """A subscription product with its included priority data."""

    ref: str
    name: str
    price: float
    limit_gb: float
    overage_price_per_gb: float
    top_up_price: float

    @property
    def overage_product_id(self):
        """Product id of the plan's overage (opt-in) data product."""
        return self.ref + "-OVERAGE"

    @property
    def block_product_id(self):
        """Product id of the plan's included data block."""
        return self.ref + "-BLOCK"


PLANS = (
    Plan("SL-LP-50GB", "Local Priority 50 GB", 65.0, 50.0, 1.0, 10.0),
    Plan("SL-LP-1TB", "Local Priority 1 TB", 165.0, 1000.0, 0.5, 50.0),
    Plan("SL-LP-2TB", "Local Priority 2 TB", 290.0, 2000.0, 0.5, 90.0),
)
PLAN_WEIGHTS = (0.45, 0.40, 0.15)


@dataclass(frozen=True)
class Terminal:
    """A user terminal with its router, service line and address."""

    index: int
    user_terminal_id: str
    kit_serial: str
    dish_serial: str
    router_id: str
    service_line_number: str
    nickname: str
    plan: Plan
    address_id: str
    locality: tuple
    street: str
    latitude: float
    longitude: float
    start_date: date
    end_date: object
    billing_day: int
    public_ip: bool
    opted_in: bool
    business: bool
    level_gb: float
    trend_per_month: float
    outage_rate: float
    obstruction_rate: float
    obstruction_base: float
    peak_down_mbps: float
    up_ratio: float
    base_latency_ms: float
    software_version: str
    hot: bool
    boot_period_s: int
    boot_phase_s: int
    # In a described fleet a service line may have several terminals, or none yet: the
    # line's first entry stands for the line (line lists, address, usage), and only
    # entries with a terminal are listed as user terminals and stream telemetry.
    line_entry: bool = True
    terminal_entry: bool = True
    # A described terminal may go dark (no telemetry at all, e.g. a site without power):
    # from ``dark_from`` until ``dark_until`` (epoch seconds; None: for good).
    dark_from: float = None
    dark_until: float = None

    @property
    def active(self):
        """Whether the service line is active (no end date)."""
        return self.end_date is None

    @property
    def telemetry_id(self):
        """Device id of the terminal in the telemetry stream."""
        return "ut" + self.user_terminal_id


class Fleet:
    """All entities of one simulated Starlink account."""

    def __init__(
        self, seed, size, anchor, account_number=None, account_name=None, service_lines=None
    ):
        self.seed = int(seed)
        self.size = int(size)
        self.anchor = anchor
        self._entries = None
        if service_lines is not None:
            self._entries = describe_entries(service_lines)
            self.size = len(self._entries)
        draws = Draws(self.seed, 1)
        self.account_digits = draws.integer(100000, 999999)
        self.account_number = account_number or "ACC-%06d-%05d-%02d" % (
            self.account_digits,
            draws.integer(10000, 99999),
            draws.integer(10, 99),
        )
        self.account_name = account_name or "Starlink Reseller Demo"
        self._cache = {}
        self._created_desc = None
        if self._entries is not None:
            for index in range(self.size):  # a described fleet is small: check it all now
                self.terminal(index)

    # ------------------------------------------------------------------ access
    def terminal(self, index):
        """Return the terminal ``index`` (0 <= index < size)."""
        terminal = self._cache.get(index)
        if terminal is None:
            terminal = self._cache[index] = self._build(index)
        return terminal

    def terminals(self):
        """Iterate over every terminal in index order."""
        return (self.terminal(index) for index in range(self.size))

    def line_indexes(self):
        """Indexes of the entries that stand for a service line."""
        if self._entries is None:
            return range(self.size)
        return [index for index, (_, _, first) in enumerate(self._entries) if first == index]

    def terminal_indexes(self):
        """Indexes of the entries that have a user terminal."""
        if self._entries is None:
            return range(self.size)
        return [index for index, (_, terminal, _) in enumerate(self._entries) if terminal]

    def created_desc(self):
        """Service line indexes ordered by start date, newest first."""
        if self._created_desc is None:
            self._created_desc = sorted(
                self.line_indexes(), key=lambda i: (self.terminal(i).start_date, i), reverse=True
            )
        return self._created_desc

    def plan(self, ref):
        """Return the plan with that product reference id, or None."""
        return next((plan for plan in PLANS if plan.ref == ref), None)

    # ---------------------------------------------------------------- building
    def _build(self, index):
        """Generate terminal ``index`` from the seed."""
        draws = Draws(self.seed, 2, index)
        identity = hash_ints(self.seed, 3, index)
        locality = draws.choice(LOCALITIES)
        plan = self._pick_plan(draws)
        business = draws.uniform() < 0.4
        usage_ratio = 0.65 * draws.lognormal(0.55)
        obstructed = draws.uniform() < 0.1
        start = self.anchor - timedelta(days=draws.integer(60, 720))
        values = {
            "plan": plan,
            "business": business,
            "opted_in": draws.uniform() < 0.35,
            "usage_ratio": usage_ratio,
            "outage_rate": draws.uniform(0.004, 0.02),
            "obstruction_rate": draws.uniform(0.12, 0.25)
            if obstructed
            else draws.uniform(0.002, 0.02),
            "start": start,
            "end": None,
        }
        if draws.uniform() < 0.03 and index >= 4:
            values["end"] = start + timedelta(
                days=draws.integer(30, (self.anchor - start).days - 1)
            )
        if self._entries is None:
            self._apply_archetype(index, values)
        fields = {
            "index": index,
            "user_terminal_id": "01%06x-%08x-%08x"
            % (identity >> 40 & 0xFFFFFF, identity & 0xFFFFFFFF, index),
            "kit_serial": "KIT%03d%06d" % (identity % 900 + 100, index),
            "dish_serial": "2DHT%03d%06d" % ((identity >> 12) % 900 + 100, index),
            "router_id": "Router-0100%012x%08x" % (identity >> 16 & 0xFFFFFFFFFFFF, index),
            "service_line_number": "AST-%06d-%05d-%02d"
            % (self.account_digits, 10000 + index, identity % 89 + 10),
            "nickname": "%s %s %d" % (locality[0], draws.choice(SITE_KINDS), index + 1),
            "plan": values["plan"],
            "address_id": self._address_id(index),
            "locality": locality,
            "street": "%d %s" % (draws.integer(1, 4999), draws.choice(STREETS)),
            "latitude": round(locality[6] + draws.uniform(-0.3, 0.3), 5),
            "longitude": round(locality[7] + draws.uniform(-0.3, 0.3), 5),
            "start_date": values["start"],
            "end_date": values["end"],
            "billing_day": draws.integer(1, 28),
            "public_ip": draws.uniform() < 0.15,
            "opted_in": values["opted_in"],
            "business": values["business"],
            "level_gb": values["plan"].limit_gb * values["usage_ratio"] / 30.4,
            "trend_per_month": draws.normal(0.0, 0.02),
            "outage_rate": values["outage_rate"],
            "obstruction_rate": values["obstruction_rate"],
            "obstruction_base": draws.uniform(0.0, 0.4),
            "peak_down_mbps": draws.uniform(60.0, 220.0),
            "up_ratio": draws.uniform(0.08, 0.15),
            "base_latency_ms": draws.uniform(22.0, 42.0),
            "software_version": draws.choice(SOFTWARE_VERSIONS),
            "hot": draws.uniform() < 0.05,
            "boot_period_s": draws.integer(7, 30) * 86400,
            "boot_phase_s": draws.integer(0, 30 * 86400),
        }
        if self._entries is not None:
            self._apply_description(index, fields, values["usage_ratio"])
        return Terminal(**fields)

    def _address_id(self, index):
        """Generated addressReferenceId of the line of entry ``index``."""
        identity = hash_ints(self.seed, 3, index)
        return str(uuid.UUID(int=(identity << 64 | hash_ints(self.seed, 4, index)), version=4))

    def _apply_description(self, index, fields, usage_ratio):
        """Replace generated values by those the fleet description gives."""
        line, terminal, first = self._entries[index]
        fields.update(
            service_line_number=line["serviceLineNumber"],
            address_id=line.get("addressReferenceId") or self._address_id(first),
            end_date=None,
            line_entry=index == first,
            terminal_entry=terminal is not None,
        )
        if line.get("nickname"):
            fields["nickname"] = str(line["nickname"])
        plan = self.plan(line.get("productReferenceId"))
        if plan:
            fields["plan"] = plan
        if line.get("startDate"):
            fields["start_date"] = date.fromisoformat(str(line["startDate"])[:10])
        if line.get("billingDay"):
            fields["billing_day"] = int(line["billingDay"])
            if not 1 <= fields["billing_day"] <= 31:
                raise ValueError("billingDay must be between 1 and 31")
        for key, name in (("publicIp", "public_ip"), ("optedIn", "opted_in")):
            if line.get(key) is not None:
                fields[name] = bool(line[key])
        address = line.get("address")
        if address:
            latitude = float(address.get("latitude") or fields["latitude"])
            longitude = float(address.get("longitude") or fields["longitude"])
            fields.update(
                locality=tuple(
                    str(address.get(key) or "")
                    for key in (
                        "locality",
                        "administrativeArea",
                        "administrativeAreaCode",
                        "region",
                        "regionCode",
                        "postalCode",
                    )
                )
                + (latitude, longitude),
                street=", ".join(str(part) for part in address.get("addressLines") or []),
                latitude=latitude,
                longitude=longitude,
            )
        daily = line.get("dailyGB")
        if daily is not None:
            fields["level_gb"] = max(float(daily), 0.0)
        else:
            fields["level_gb"] = fields["plan"].limit_gb * usage_ratio / 30.4
        if terminal:
            fields["user_terminal_id"] = str(terminal["userTerminalId"])
            for key, name in (
                ("kitSerialNumber", "kit_serial"),
                ("dishSerialNumber", "dish_serial"),
                ("routerId", "router_id"),
            ):
                if terminal.get(key):
                    fields[name] = str(terminal[key])
            for key, name in (("darkFrom", "dark_from"), ("darkUntil", "dark_until")):
                if terminal.get(key):
                    fields[name] = _epoch(terminal[key])

    @staticmethod
    def _pick_plan(draws):
        """Weighted choice of a plan."""
        point = draws.uniform()
        for plan, weight in zip(PLANS, PLAN_WEIGHTS, strict=False):
            if point < weight:
                return plan
            point -= weight
        return PLANS[-1]

    def _apply_archetype(self, index, values):
        """Force the showcase behaviour of the first terminals."""
        if index == ARCHETYPE_OVERAGE:
            values.update(plan=PLANS[0], opted_in=True, usage_ratio=2.2, business=False)
        elif index == ARCHETYPE_THROTTLED:
            values.update(plan=PLANS[0], opted_in=False, usage_ratio=1.8)
        elif index == ARCHETYPE_OBSTRUCTED:
            values.update(plan=PLANS[1], obstruction_rate=0.3, usage_ratio=0.7)
        elif index == ARCHETYPE_FLAKY:
            values.update(plan=PLANS[1], outage_rate=0.25, business=True, usage_ratio=0.6)
        else:
            return
        values["start"] = self.anchor - timedelta(days=400)


class FleetIndex:
    """Lazy lookups of terminal indexes by identifier."""

    FIELDS = ("service_line_number", "user_terminal_id", "address_id", "telemetry_id", "router_id")

    def __init__(self, fleet):
        self.fleet = fleet
        self._maps = {}

    def find(self, field, value):
        """Index of the terminal whose ``field`` equals ``value``, or None."""
        mapping = self._maps.get(field)
        if mapping is None:
            mapping = {}
            for term in self.fleet.terminals():  # the first entry of a line stands for it
                mapping.setdefault(getattr(term, field), term.index)
            self._maps[field] = mapping
        return mapping.get(value)


def describe_entries(service_lines):
    """Flatten described service lines into entries ``(line, terminal or None, first index)``.

    ``service_lines`` are dicts shaped like the API's objects: ``serviceLineNumber``
    (required), optional ``nickname``, ``productReferenceId``, ``startDate``,
    ``billingDay`` (1-31), ``publicIp``, ``optedIn``, ``dailyGB`` (average daily use),
    ``addressReferenceId``, ``address`` (an ``AddressResponse``) and ``userTerminals``
    (``userTerminalId`` required, optional ``kitSerialNumber``, ``dishSerialNumber``,
    ``routerId``, and ``darkFrom`` / ``darkUntil``: ISO 8601 times between which the terminal
    sends no telemetry, ``darkUntil`` left out for good). A line without terminals is one entry
    without a terminal.
    """
    if not isinstance(service_lines, list):
        raise ValueError("the fleet description must be a list of service lines")
    entries, numbers, terminal_ids = [], set(), set()
    for line in service_lines:
        number = line.get("serviceLineNumber") if isinstance(line, dict) else None
        if not number:
            raise ValueError("every described service line needs a serviceLineNumber")
        if number in numbers:
            raise ValueError("service line %s is described twice" % number)
        numbers.add(number)
        first = len(entries)
        for terminal in line.get("userTerminals") or [None]:
            if terminal is not None:
                terminal_id = terminal.get("userTerminalId") if isinstance(terminal, dict) else None
                if not terminal_id:
                    raise ValueError("every described terminal needs a userTerminalId")
                if terminal_id in terminal_ids:
                    raise ValueError("terminal %s is described twice" % terminal_id)
                terminal_ids.add(terminal_id)
            entries.append((line, terminal, first))
    if not entries:
        raise ValueError("a described fleet needs at least one service line")
    return entries


def _epoch(value):
    """Epoch seconds of an ISO 8601 time (UTC when it gives no offset)."""
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
