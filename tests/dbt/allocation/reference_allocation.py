"""The allocation of shared/spec/domain.md recomputed in plain Python, day by day, from the landing.

This is the obvious-correct version the dbt models' interval arithmetic is checked against: it
reads the delivered CSV files themselves (not the warehouse), keeps what was known on the as-of
date, walks every day of the fiscal year for every asset and work type, and applies the rules
literally (a day stands for the days after it on which no answer can change: the sample city
takes seconds instead of a minute; `allocate(..., every_day=True)` evaluates each one). Money and quantities are `Fraction`/`Decimal`, never floats.

Choices the rules leave open, made here as in the models (and documented on the marts):

- a unit-cost standard is valid from ``valid_from`` to ``valid_to`` inclusive; of two valid on a
  day, the later ``valid_from`` wins;
- of the transfers effective on the same date, one for the work type beats one for ``*``, then the
  larger ``transfer_id``;
- of two verified measurements effective on the same day, the later delivered wins, then the
  larger ``measurement_id``;
- an adopted road's maintenance follows whoever (tier, district) maintains the road it connects
  to, and a bridge naming its road follows whoever maintains it (bridge_maintenance) and sweeps
  it (deck sweeping); when the road's own pair follows another road, or the road is not active
  in the year or has no such work type, the follower's own matrix default in its own district
  applies (the chain is not chased); a bridge naming no road takes its matrix default;
- the assessment threshold is compared exactly on the counts, never on the rounded score;
- with incentive basis ``increase`` (the default) the weighed own investment is
  max(own_Y - own_Y-1, 0), a year with no figure counting as 0;
- money follows the task (费随事转): the baseline holder of a pair is its holder (the city, or a
  district whatever the tier) on 1 January, standing transfers included; the base pool is split
  on the baseline standard cost S°, and a day whose holder is not the baseline holder moves its
  cost from the baseline holder to the holder, under the transfer in force that day (the pair's
  own, or that of the road it follows); F_d rounds the district's exact sum once, a row of
  devolved_funding its own exact sum, each half up to the fen;
- a district's lines are rounded to the fen by largest remainder (ties by tier, work type, asset
  class, rate period) so that they add up to the district's standard cost.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

CITY = ZoneInfo("Asia/Shanghai")
MAINTENANCE = ("road_maintenance", "bridge_maintenance")
# a bridge's work and the work of the road it carries that decides who does it
BRIDGE_FOLLOWS = {"bridge_maintenance": "road_maintenance", "sweeping": "sweeping"}
LOCAL_TIERS = ("district", "street")
TRUE_WORDS = ("true", "t", "yes", "y", "1", "是")

# the seeds that stand for a reference source until a partition of it is delivered
SEEDS_DIR = Path(__file__).resolve().parents[3] / "dbt_project" / "seeds"
SEEDED = {"districts", "street_offices", "responsibility_matrix", "unit_cost_standards"}
KEYS = {
    "districts": ("district_code",),
    "street_offices": ("street_code",),
    "responsibility_matrix": ("asset_class", "work_type"),
    "unit_cost_standards": ("work_type", "asset_class", "valid_from"),
    "assets": ("asset_id",),
    "area_measurements": ("measurement_id",),
    "asset_transfers": ("transfer_id",),
    "budget_pools": ("fiscal_year",),
    "own_investment": ("district_code", "fiscal_year"),
    "work_orders": ("case_id",),
}


# --------------------------------------------------------------------------- reading the landing


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _decoded(path: Path) -> str:
    """A delivered CSV's text: UTF-8 (with or without BOM), else GB18030 (sources.md)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def known_rows(landing: Path, source: str, as_of: dt.date) -> list[dict[str, str | None]]:
    """The latest delivered version of every key in partitions dated on or before `as_of`.

    As the loader does: a row without a key, or repeating a key earlier in the same delivery,
    is quarantined; a later partition corrects an earlier one. A seeded source with no delivery
    yet is its seed.
    """
    key = KEYS[source]
    partitions = []
    folder = landing / source
    if folder.exists():
        for entry in sorted(folder.iterdir()):
            try:
                day = dt.date.fromisoformat(entry.name)
            except ValueError:
                continue
            if entry.is_dir() and day <= as_of:
                partitions.append(entry)
    if not partitions:
        if source not in SEEDED:
            return []
        with (SEEDS_DIR / f"seed_{source}.csv").open(encoding="utf-8", newline="") as handle:
            return [
                {k.strip().lower(): _clean(v) for k, v in row.items()}
                for row in csv.DictReader(handle)
            ]
    latest: dict[tuple, dict[str, str | None]] = {}
    for partition in partitions:
        seen: set[tuple] = set()
        for path in sorted(partition.iterdir()):
            if path.suffix.lower() != ".csv":
                continue
            for raw in csv.DictReader(io.StringIO(_decoded(path), newline="")):
                row = {k.strip().lower(): _clean(v) for k, v in raw.items() if k is not None}
                row_key = tuple(row.get(k) for k in key)
                if any(v is None for v in row_key) or row_key in seen:
                    continue
                seen.add(row_key)
                latest[row_key] = row
    return list(latest.values())


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _instant(value: str | None) -> dt.datetime | None:
    """ISO 8601; city time unless it carries an offset (sources.md)."""
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CITY)


@dataclass(frozen=True)
class Asset:
    asset_id: str
    asset_class: str
    district_code: str
    connected_to: str | None
    commissioned_on: dt.date
    retired_on: dt.date | None
    street_code: str | None = None


@dataclass(frozen=True, eq=False)  # hashed by identity: one object per delivered row
class Measurement:
    measurement_id: str
    asset_id: str
    work_type: str
    quantity: Decimal
    unit: str | None
    effective_from: dt.date
    known_on: dt.date


@dataclass(frozen=True, eq=False)  # hashed by identity: one object per delivered row
class Transfer:
    transfer_id: str
    asset_id: str
    work_type: str
    to_tier: str
    to_district_code: str | None
    effective_date: dt.date
    decree_ref: str | None = None


@dataclass(frozen=True, eq=False)  # hashed by identity: one object per delivered row
class Standard:
    work_type: str
    asset_class: str
    valid_from: dt.date
    valid_to: dt.date | None
    rate: Decimal


@dataclass
class Inputs:
    """What was known on the as-of date, for the allocation."""

    as_of: dt.date
    districts: dict[str, tuple[str | None, str | None]]
    matrix: dict[tuple[str, str], str]
    standards: list[Standard]
    assets: dict[str, Asset]
    measurements: list[Measurement]  # verified only
    transfers: list[Transfer]
    pool: tuple[Decimal, Decimal] | None
    own_investment: dict[str, Decimal]
    previous_own_investment: dict[str, Decimal]
    cases: list[tuple[str, dt.datetime, dt.datetime | None]]  # district, deadline, closed
    # street_code -> district_code
    street_offices: dict[str, str] = field(default_factory=dict)
    # district, street, category, deadline, closed
    work_orders: list[tuple[str, str | None, str | None, dt.datetime, dt.datetime | None]] = field(
        default_factory=list
    )


def _partition_of(
    landing: Path, source: str, key_column: str, as_of: dt.date
) -> dict[str, dt.date]:
    """Delivery date of the latest version of each key (area_measurements: when it became known)."""
    found: dict[str, dt.date] = {}
    folder = landing / source
    if not folder.exists():
        return found
    for entry in sorted(folder.iterdir()):
        try:
            day = dt.date.fromisoformat(entry.name)
        except ValueError:
            continue
        if day > as_of:
            continue
        for path in sorted(entry.glob("*.csv")):
            with path.open(encoding="utf-8-sig", newline="") as handle:
                for raw in csv.DictReader(handle):
                    value = _clean(raw.get(key_column))
                    if value:
                        found[value] = day
    return found


def read_inputs(landing: Path, as_of: dt.date) -> Inputs:
    year = as_of.year
    districts = {
        r["district_code"]: (r.get("name_zh"), r.get("name_en"))
        for r in known_rows(landing, "districts", as_of)
    }
    matrix = {
        (r["asset_class"], r["work_type"]): r["tier"]
        for r in known_rows(landing, "responsibility_matrix", as_of)
    }
    standards = [
        Standard(
            r["work_type"],
            r["asset_class"],
            _date(r["valid_from"]),
            _date(r.get("valid_to")),
            Decimal(r["rate_yuan"]),
        )
        for r in known_rows(landing, "unit_cost_standards", as_of)
    ]
    assets = {
        r["asset_id"]: Asset(
            r["asset_id"],
            r["asset_class"],
            r["district_code"],
            r.get("connected_to"),
            _date(r["commissioned_on"]),
            _date(r.get("retired_on")),
            r.get("street_code"),
        )  # fmt: skip
        for r in known_rows(landing, "assets", as_of)
    }
    known_on = _partition_of(landing, "area_measurements", "measurement_id", as_of)
    measurements = [
        Measurement(
            r["measurement_id"],
            r["asset_id"],
            r["work_type"],
            Decimal(r["quantity"]),
            r.get("unit"),
            _date(r["effective_from"]),
            known_on[r["measurement_id"]],
        )  # fmt: skip
        for r in known_rows(landing, "area_measurements", as_of)
        if (r.get("verified") or "").lower() in TRUE_WORDS
    ]
    transfers = [
        Transfer(
            r["transfer_id"],
            r["asset_id"],
            r["work_type"],
            r["to_tier"],
            r.get("to_district_code"),
            _date(r["effective_date"]),
            r.get("decree_ref"),
        )  # fmt: skip
        for r in known_rows(landing, "asset_transfers", as_of)
    ]
    pools = {int(r["fiscal_year"]): r for r in known_rows(landing, "budget_pools", as_of)}
    pool = None
    if year in pools:
        pool = (Decimal(pools[year]["pool_yuan"]), Decimal(pools[year]["incentive_share"]))
    investments = known_rows(landing, "own_investment", as_of)
    own_investment = {
        r["district_code"]: Decimal(r["amount_yuan"])
        for r in investments
        if int(r["fiscal_year"]) == year
    }
    previous_own_investment = {
        r["district_code"]: Decimal(r["amount_yuan"])
        for r in investments
        if int(r["fiscal_year"]) == year - 1
    }
    cases = [
        (r["district_code"], _instant(r["deadline_at"]), _instant(r.get("closed_at")))
        for r in known_rows(landing, "work_orders", as_of)
    ]
    work_orders = [
        (
            r["district_code"],
            r.get("street_code"),
            r.get("category"),
            _instant(r["deadline_at"]),
            _instant(r.get("closed_at")),
        )
        for r in known_rows(landing, "work_orders", as_of)
    ]
    street_offices = {
        r["street_code"]: r["district_code"] for r in known_rows(landing, "street_offices", as_of)
    }
    return Inputs(
        as_of,
        districts,
        matrix,
        standards,
        assets,
        measurements,
        transfers,
        pool,
        own_investment,
        previous_own_investment,
        cases,
        street_offices,
        work_orders,
    )


# --------------------------------------------------------------------------- the rules, day by day


def round_half_up(value: Fraction, places: int) -> Decimal:
    """Round an exact value to `places` decimals, halves away from zero (PostgreSQL's round)."""
    scaled = value * 10**places
    sign = -1 if scaled < 0 else 1
    whole = (abs(scaled) * 2 + 1) // 2
    return (Decimal(sign * whole) / Decimal(10**places)).quantize(Decimal(1).scaleb(-places))


def largest_remainder(
    total_fen: int, weights: dict[str, Fraction], order: Callable[[str], object] = lambda k: k
) -> dict[str, int]:
    """Split `total_fen` in proportion to `weights`: floor each share, then one fen each to the
    largest remainders, ties in `order`. All shares 0 when the weights sum to 0."""
    den = sum(weights.values(), Fraction(0))
    if den == 0:
        return {k: 0 for k in weights}
    exact = {k: Fraction(total_fen) * w / den for k, w in weights.items()}
    floors = {k: v.numerator // v.denominator for k, v in exact.items()}
    leftover = total_fen - sum(floors.values())
    ranked = sorted(weights, key=lambda k: (-(exact[k] - floors[k]), order(k)))
    for k in ranked[:leftover]:
        floors[k] += 1
    return floors


def year_days(year: int) -> list[dt.date]:
    day, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    days = []
    while day < end:
        days.append(day)
        day += dt.timedelta(days=1)
    return days


@dataclass
class Rules:
    """The rules of domain.md for one as-of date, as functions of a day."""

    inputs: Inputs
    year: int = 0
    transfers_of: dict[str, list[Transfer]] = field(default_factory=dict)
    measurements_of: dict[tuple[str, str], list[Measurement]] = field(default_factory=dict)
    standards_of: dict[tuple[str, str], list[Standard]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.year = self.inputs.as_of.year
        # each list sorted by precedence, so "the latest ... on or before the day" is the last
        # one whose date has come
        self.transfers_of = defaultdict(list)
        for t in sorted(
            self.inputs.transfers,
            key=lambda t: (t.effective_date, t.work_type != "*", t.transfer_id),
        ):
            self.transfers_of[t.asset_id].append(t)
        self.measurements_of = defaultdict(list)
        for m in sorted(
            self.inputs.measurements, key=lambda m: (m.effective_from, m.known_on, m.measurement_id)
        ):
            self.measurements_of[(m.asset_id, m.work_type)].append(m)
        self.standards_of = defaultdict(list)
        for s in self.inputs.standards:
            self.standards_of[(s.work_type, s.asset_class)].append(s)

    def in_year(self, asset: Asset) -> bool:
        start, end = dt.date(self.year, 1, 1), dt.date(self.year + 1, 1, 1)
        return asset.commissioned_on < end and (
            asset.retired_on is None or asset.retired_on > start
        )

    def work_types(self, asset: Asset) -> list[str]:
        return sorted(w for (c, w) in self.inputs.matrix if c == asset.asset_class)

    @staticmethod
    def active(asset: Asset, day: dt.date) -> bool:
        return asset.commissioned_on <= day and (asset.retired_on is None or day < asset.retired_on)

    def latest_transfer(self, asset: Asset, work_type: str, day: dt.date) -> Transfer | None:
        for t in reversed(self.transfers_of.get(asset.asset_id, ())):
            if t.work_type in (work_type, "*") and t.effective_date <= day:
                return t
        return None

    def transferred(self, asset: Asset, transfer: Transfer) -> tuple[str, str | None]:
        if transfer.to_tier == "city":
            return ("city", None)
        return (transfer.to_tier, transfer.to_district_code or asset.district_code)

    def matrix_default(self, asset: Asset, work_type: str) -> tuple[str, str | None]:
        tier = self.inputs.matrix[(asset.asset_class, work_type)]
        return (tier, None if tier == "city" else asset.district_code)

    @staticmethod
    def followed_work_type(asset: Asset, work_type: str) -> str | None:
        """The work on its connected road that a pair follows, if it follows one."""
        if asset.connected_to is None:
            return None
        if asset.asset_class == "bridge":
            return BRIDGE_FOLLOWS.get(work_type)
        return work_type if work_type in MAINTENANCE else None

    def follows(self, asset: Asset, work_type: str) -> Asset | None:
        """The road whose responsibility a pair follows, if it can be followed."""
        followed = self.followed_work_type(asset, work_type)
        if followed is None:
            return None
        road = self.inputs.assets.get(asset.connected_to)
        if (
            road is None
            or self.followed_work_type(road, followed) is not None  # not chased further
            or not self.in_year(road)
            or (road.asset_class, followed) not in self.inputs.matrix
        ):
            return None
        return road

    def responsible(self, asset: Asset, work_type: str, day: dt.date) -> tuple[str, str | None]:
        transfer = self.latest_transfer(asset, work_type, day)
        if transfer is not None:
            return self.transferred(asset, transfer)
        followed = self.followed_work_type(asset, work_type)
        if followed is None:
            if asset.connected_to is not None and asset.asset_class != "bridge":
                return ("district", asset.district_code)  # adopted: sweeping, greening its own
            return self.matrix_default(asset, work_type)
        road = self.follows(asset, work_type)
        if road is None:
            return self.matrix_default(asset, work_type)
        return self.responsible(road, followed, day)

    def holder(self, asset: Asset, work_type: str, day: dt.date) -> str | None:
        """Who holds the work on the day: a district code, or None for the city."""
        tier, district = self.responsible(asset, work_type, day)
        return None if tier == "city" else district

    def baseline_holder(self, asset: Asset, work_type: str) -> str | None:
        """The holder on 1 January: transfers effective on or before it are standing ones."""
        return self.holder(asset, work_type, dt.date(self.year, 1, 1))

    def transfer_in_force(self, asset: Asset, work_type: str, day: dt.date) -> Transfer | None:
        """The transfer whose decision gives the day's responsibility, as `responsible` finds
        it: the pair's own, else that of the road it follows."""
        transfer = self.latest_transfer(asset, work_type, day)
        if transfer is not None:
            return transfer
        road = self.follows(asset, work_type)
        if road is None:
            return None
        return self.transfer_in_force(road, self.followed_work_type(asset, work_type), day)

    def quantity(self, asset: Asset, work_type: str, day: dt.date) -> Measurement | None:
        for m in reversed(self.measurements_of.get((asset.asset_id, work_type), ())):
            if m.effective_from <= day:
                return m
        return None

    def change_days(self, asset: Asset, work_type: str) -> set[dt.date]:
        """Every day on which one of the functions above may answer for (asset, work type)
        otherwise than the day before: the asset's commissioning and retirement, its
        measurements, the rate's periods, and the transfers of the asset and of the road it
        follows. A superset does no harm (a day more is evaluated); between two of these days
        every answer is the same, so one day stands for all of them."""
        days = {asset.commissioned_on}
        if asset.retired_on is not None:
            days.add(asset.retired_on)
        days |= {
            m.effective_from for m in self.measurements_of.get((asset.asset_id, work_type), ())
        }
        for s in self.standards_of.get((work_type, asset.asset_class), ()):
            days.add(s.valid_from)
            if s.valid_to is not None:
                days.add(s.valid_to + dt.timedelta(days=1))
        for asset_id in (asset.asset_id, asset.connected_to):
            days |= {t.effective_date for t in self.transfers_of.get(asset_id, ())}
        return days

    def rate(self, work_type: str, asset_class: str, day: dt.date) -> Standard | None:
        candidates = [
            s for s in self.standards_of.get((work_type, asset_class), ())
            if s.valid_from <= day and (s.valid_to is None or day <= s.valid_to)
        ]  # fmt: skip
        if not candidates:
            return None
        return max(candidates, key=lambda s: s.valid_from)


@dataclass
class Line:
    unit_days: Decimal = Decimal(0)
    cost_yuan_days: Decimal = Decimal(0)
    assets: set[str] = field(default_factory=set)
    units: set[str] = field(default_factory=set)
    rate: Decimal = Decimal(0)


@dataclass
class Allocation:
    days_in_year: int
    districts: dict[str, dict[str, object]]
    # (district_code, tier, work_type, asset_class, rate_valid_from) -> figures
    lines: dict[tuple, dict[str, object]]
    # (work_type, asset_class, rate_valid_from) -> figures
    city_lines: dict[tuple, dict[str, object]]
    # (asset_id, work_type) -> unmeasured days
    unmeasured: dict[tuple[str, str], int]
    missing_rates: set[tuple[str, str]]
    cost_yuan_days: dict[str, Decimal]
    # street_code -> figures of street_allocation
    streets: dict[str, dict[str, object]] = field(default_factory=dict)
    # (district_code, transfer_id) -> figures of devolved_funding
    devolved: dict[tuple[str, str], dict[str, object]] = field(default_factory=dict)
    # district_code -> figures of incentive_inputs
    incentive: dict[str, dict[str, object]] = field(default_factory=dict)
    # (district_code, street_code or None, category) -> figures of assessment_results
    assessment: dict[tuple, dict[str, object]] = field(default_factory=dict)


def _line_figures(line: Line, days_in_year: int) -> dict[str, object]:
    return {
        "unit": max(line.units) if line.units else None,
        "assets": len(line.assets),
        "unit_days": line.unit_days,
        "days_in_year": days_in_year,
        "quantity_unit_years": round_half_up(Fraction(line.unit_days) / days_in_year, 6),
        "rate_yuan": line.rate,
    }


def allocate(
    inputs: Inputs, threshold: int = 60, incentive_basis: str = "increase", every_day: bool = False
) -> Allocation:
    """The allocation of domain.md. Each asset and work type is walked day by day, a day standing
    for the days after it up to the next day on which an answer may change (Rules.change_days);
    `every_day=True` evaluates every day of the year, the literal reading, which
    test_allocation_recompute shows gives the same allocation."""
    rules = Rules(inputs)
    year = rules.year
    days = year_days(year)
    n_days = len(days)

    # every (responsible, line, asset, measurement) a day of work falls into, counted in days
    day_counts: Counter[tuple] = Counter()
    unmeasured: Counter[tuple[str, str]] = Counter()
    missing_rates: set[tuple[str, str]] = set()
    # money follows the task: yuan-days held at the start of the year, and those that moved,
    # by (transfer in force, holder, baseline holder)
    baseline_cost: dict[str, Decimal] = defaultdict(Decimal)
    moved: dict[tuple[Transfer | None, str | None, str | None], Decimal] = defaultdict(Decimal)
    for asset in sorted(inputs.assets.values(), key=lambda a: a.asset_id):
        if not rules.in_year(asset):
            continue
        for work_type in rules.work_types(asset):
            if every_day:
                starts = list(range(n_days))
            else:
                starts = sorted(
                    {0}
                    | {
                        (day - days[0]).days
                        for day in rules.change_days(asset, work_type)
                        if days[0] < day <= days[-1]
                    }
                )
            for i, end in zip(starts, [*starts[1:], n_days], strict=True):
                day, n = days[i], end - i
                if not rules.active(asset, day):
                    continue
                measurement = rules.quantity(asset, work_type, day)
                standard = rules.rate(work_type, asset.asset_class, day)
                if measurement is None:
                    unmeasured[(asset.asset_id, work_type)] += n
                elif standard is None:
                    missing_rates.add((work_type, asset.asset_class))
                else:
                    tier, district = rules.responsible(asset, work_type, day)
                    key = (
                        tier,
                        district,
                        work_type,
                        asset.asset_class,
                        standard,
                        asset.asset_id,
                        measurement,
                    )
                    day_counts[key] += n
                    yuan_days = measurement.quantity * n * standard.rate
                    holder = None if tier == "city" else district
                    baseline = rules.baseline_holder(asset, work_type)
                    if baseline is not None:
                        baseline_cost[baseline] += yuan_days
                    if holder != baseline:
                        transfer = rules.transfer_in_force(asset, work_type, day)
                        moved[(transfer, holder, baseline)] += yuan_days

    local: dict[tuple, Line] = defaultdict(Line)
    city: dict[tuple, Line] = defaultdict(Line)
    for (
        tier,
        district,
        work_type,
        asset_class,
        standard,
        asset_id,
        measurement,
    ), n in day_counts.items():
        if tier == "city":
            line = city[(work_type, asset_class, standard.valid_from)]
        else:
            line = local[(district, tier, work_type, asset_class, standard.valid_from)]
        line.unit_days += measurement.quantity * n
        line.cost_yuan_days += measurement.quantity * n * standard.rate
        line.assets.add(asset_id)
        if measurement.unit:
            line.units.add(measurement.unit)
        line.rate = standard.rate

    cost = {code: Decimal(0) for code in inputs.districts}
    for (district, *_), line in local.items():
        cost[district] = cost.get(district, Decimal(0)) + line.cost_yuan_days

    lines: dict[tuple, dict[str, object]] = {}
    for district in sorted({k[0] for k in local}):
        keys = [k for k in local if k[0] == district]
        total_fen = int(round_half_up(Fraction(cost[district]) * 100 / n_days, 0))
        fen = largest_remainder(
            total_fen, {k: Fraction(local[k].cost_yuan_days) for k in keys}, order=lambda k: k[1:]
        )
        for k in keys:
            lines[k] = _line_figures(local[k], n_days) | {
                "cost_exact_yuan": round_half_up(Fraction(local[k].cost_yuan_days) / n_days, 6),
                "standard_cost_yuan": Decimal(fen[k]) / 100,
            }
    city_lines = {
        k: _line_figures(line, n_days)
        | {"standard_cost_yuan": round_half_up(Fraction(line.cost_yuan_days) / n_days, 2)}
        for k, line in city.items()
    }

    devolved = _devolved_funding(moved, n_days)
    devolved_days: dict[str, Decimal] = defaultdict(Decimal)
    for (district, _), row in devolved.items():
        devolved_days[district] += row.pop("yuan_days")
    districts, incentive = _split_pool(
        inputs, cost, baseline_cost, devolved_days, n_days, threshold, incentive_basis
    )
    street_cost: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    for (tier, district, _, _, standard, asset_id, measurement), n in day_counts.items():
        if tier == "street":
            street = inputs.assets[asset_id].street_code
            street_cost[(district, street)] += measurement.quantity * n * standard.rate
    return Allocation(
        n_days,
        districts,
        lines,
        city_lines,
        dict(unmeasured),
        missing_rates,
        cost,
        streets=_streets(inputs, districts, cost, street_cost, n_days),
        assessment=assessment_results(inputs),
        devolved=devolved,
        incentive=incentive,
    )


def _devolved_funding(
    moved: dict[tuple[Transfer | None, str | None, str | None], Decimal], n_days: int
) -> dict[tuple[str, str], dict[str, object]]:
    """devolved_funding: per district and transfer, + the yuan-days received, - those given,
    and the parties of the most money the row moved (ties by from, then to)."""
    legs: dict[tuple[str, str], list[tuple[Decimal, str, str]]] = defaultdict(list)
    transfers: dict[str, Transfer] = {}
    for (transfer, holder, baseline), yuan_days in moved.items():
        assert transfer is not None, "a day held by another than its baseline holder has a transfer"
        transfers[transfer.transfer_id] = transfer
        parties = (baseline or "city", holder or "city")
        if holder is not None:
            legs[(holder, transfer.transfer_id)].append((yuan_days, *parties))
        if baseline is not None:
            legs[(baseline, transfer.transfer_id)].append((-yuan_days, *parties))
    result = {}
    for (district, transfer_id), rows in sorted(legs.items()):
        by_parties: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for yuan_days, from_holder, to_holder in rows:
            by_parties[(from_holder, to_holder)] += abs(yuan_days)
        from_holder, to_holder = min(by_parties, key=lambda p: (-by_parties[p], p))
        total = sum((r[0] for r in rows), Decimal(0))
        t = transfers[transfer_id]
        result[(district, transfer_id)] = {
            "asset_id": t.asset_id,
            "work_type": t.work_type,
            "from_holder": from_holder,
            "to_holder": to_holder,
            "effective_date": t.effective_date,
            "decree_ref": t.decree_ref,
            "amount_yuan": round_half_up(Fraction(total) / n_days, 2),
            "yuan_days": total,
        }
    return result


def _streets(
    inputs: Inputs,
    districts: dict[str, dict[str, object]],
    cost: dict[str, Decimal],
    street_cost: dict[tuple[str, str | None], Decimal],
    n_days: int,
) -> dict[str, dict[str, object]]:
    """Each street office's street-tier cost, share of S_d and indicative amount: total_d split
    by largest remainder between the district's streets and the rest of S_d (ties by
    street_code, the rest last)."""
    result = {}
    for district, row in districts.items():
        streets = sorted(s for s, d in inputs.street_offices.items() if d == district)
        parts: dict[str | None, Fraction] = {
            s: Fraction(street_cost.get((district, s), Decimal(0))) for s in streets
        }
        s_d = Fraction(cost[district])
        parts[None] = s_d - sum(parts.values(), Fraction(0))
        total_fen = int(row["total_yuan"] * 100) if s_d > 0 else 0
        fen = largest_remainder(total_fen, parts, order=lambda k: (k is None, k or ""))
        for street in streets:
            result[street] = {
                "district_code": district,
                "street_tier_cost_yuan": round_half_up(parts[street] / n_days, 2),
                "share_of_district": round_half_up(parts[street] / s_d, 10)
                if s_d
                else Decimal("0E-10"),
                "indicative_yuan": Decimal(fen[street]) / 100,
            }
    return result


def assessment_results(inputs: Inputs) -> dict[tuple, dict[str, object]]:
    """Per district and per street office, per category: due, on time, late, still open, score
    and the rank (among districts, or among street offices; ties share it)."""
    year = inputs.as_of.year
    start = dt.datetime(year, 1, 1, tzinfo=CITY)
    end = min(
        dt.datetime.combine(inputs.as_of + dt.timedelta(days=1), dt.time(), tzinfo=CITY),
        dt.datetime(year + 1, 1, 1, tzinfo=CITY),
    )
    units: list[tuple[str, str | None]] = [(d, None) for d in inputs.districts]
    units += [(d, s) for s, d in inputs.street_offices.items() if d in inputs.districts]
    counts = {(d, s, c): [0, 0, 0, 0] for d, s in units for c in ("component", "event", "all")}
    for district, street, category, deadline, closed in inputs.work_orders:
        if not start <= deadline < end:
            continue
        kind = 1 if closed is not None and closed <= deadline else (3 if closed is None else 2)
        categories = ["all"] + ([category] if category in ("component", "event") else [])
        for unit_street in {None, street}:  # the district, and its street office if named
            for c in categories:
                if (district, unit_street, c) in counts:
                    counts[(district, unit_street, c)][0] += 1
                    counts[(district, unit_street, c)][kind] += 1
    result = {}
    for (district, street, category), (due, on_time, late, still_open) in counts.items():
        share = Fraction(on_time, due) if due else None
        peers = [
            Fraction(c[1], c[0])
            for (_, s, cat), c in counts.items()
            if (s is None) == (street is None) and cat == category and c[0]
        ]
        result[(district, street, category)] = {
            "cases_due": due,
            "on_time": on_time,
            "late": late,
            "still_open": still_open,
            "score": round_half_up(100 * share, 2) if share is not None else None,
            "rank": 1 + sum(1 for p in peers if p > share) if share is not None else None,
        }
    return result


def _scores(inputs: Inputs) -> dict[str, tuple[int, int]]:
    """(due, on time) per district: deadlines in the year on or before the as-of date."""
    year = inputs.as_of.year
    start = dt.datetime(year, 1, 1, tzinfo=CITY)
    end = min(
        dt.datetime.combine(inputs.as_of + dt.timedelta(days=1), dt.time(), tzinfo=CITY),
        dt.datetime(year + 1, 1, 1, tzinfo=CITY),
    )
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for district, deadline, closed in inputs.cases:
        if start <= deadline < end:
            counts[district][0] += 1
            if closed is not None and closed <= deadline:
                counts[district][1] += 1
    return {d: (due, on_time) for d, (due, on_time) in counts.items()}


def weighed_investment(inputs: Inputs, code: str, incentive_basis: str) -> Decimal:
    """The own investment the incentive weighs: the year's, or its rise over the year before
    (floored at 0; a year with no figure counts as 0)."""
    own = inputs.own_investment.get(code, Decimal(0))
    if incentive_basis == "level":
        return own
    assert incentive_basis == "increase", incentive_basis
    return max(own - inputs.previous_own_investment.get(code, Decimal(0)), Decimal(0))


def _split_pool(
    inputs: Inputs,
    cost: dict[str, Decimal],
    baseline_cost: dict[str, Decimal],
    devolved_days: dict[str, Decimal],
    n_days: int,
    threshold: int,
    incentive_basis: str,
) -> tuple[dict[str, dict[str, object]], dict[str, dict[str, object]]]:
    """district_allocation and incentive_inputs: B split on S°, I on the weights, F on top."""
    if inputs.pool is None:
        return {}, {}
    pool, share = inputs.pool
    scores = _scores(inputs)
    codes = sorted(inputs.districts)
    weights: dict[str, Fraction] = {}
    passed: dict[str, bool] = {}
    for code in codes:
        due, on_time = scores.get(code, (0, 0))
        own = weighed_investment(inputs, code, incentive_basis)
        passed[code] = due > 0 and Fraction(100 * on_time, due) >= threshold
        weights[code] = Fraction(own) * Fraction(on_time, due) if passed[code] else Fraction(0)
    incentive_pool = round_half_up(Fraction(pool) * Fraction(share), 2)
    fell_back = sum(weights.values()) == 0
    if fell_back:
        incentive_pool = Decimal("0.00")
    base_pool = pool - incentive_pool
    baseline = {c: Fraction(baseline_cost.get(c, Decimal(0))) for c in codes}
    base_fen = largest_remainder(int(base_pool * 100), baseline)
    incentive_fen = largest_remainder(int(incentive_pool * 100), weights)
    total_baseline = sum(baseline.values(), Fraction(0))
    total_weight = sum(weights.values(), Fraction(0))
    result, incentive = {}, {}
    for code in codes:
        due, on_time = scores.get(code, (0, 0))
        name_zh, name_en = inputs.districts[code]
        devolved = round_half_up(Fraction(devolved_days.get(code, Decimal(0))) / n_days, 2)
        share_of_pool = (
            round_half_up(weights[code] / total_weight, 10) if total_weight else Decimal("0E-10")
        )
        score = round_half_up(Fraction(100 * on_time, due), 2) if due else None
        own = inputs.own_investment.get(code, Decimal("0.00"))
        result[code] = {
            "name_zh": name_zh,
            "name_en": name_en,
            "standard_cost_yuan": round_half_up(Fraction(cost[code]) / n_days, 2),
            "share": round_half_up(baseline[code] / total_baseline, 10)
            if total_baseline
            else Decimal("0E-10"),
            "base_yuan": Decimal(base_fen[code]) / 100,
            "cases_due": due,
            "cases_on_time": on_time,
            "assessment_score": score,
            "own_investment_yuan": own,
            "incentive_share_of_pool": share_of_pool,
            "incentive_yuan": Decimal(incentive_fen[code]) / 100,
            "total_yuan": Decimal(base_fen[code] + incentive_fen[code]) / 100 + devolved,
            "pool_yuan": pool,
            "base_pool_yuan": base_pool,
            "incentive_pool_yuan": incentive_pool,
            "incentive_share": share,
            "incentive_fell_back": fell_back,
            "incentive_basis": incentive_basis,
            "baseline_standard_cost_yuan": round_half_up(baseline[code] / n_days, 2),
            "devolved_yuan": devolved,
        }
        incentive[code] = {
            "own_investment_yuan": own,
            "prior_own_investment_yuan": inputs.previous_own_investment.get(code, Decimal(0)),
            "incentive_basis": incentive_basis,
            "investment_figure_yuan": weighed_investment(inputs, code, incentive_basis),
            "cases_due": due,
            "cases_on_time": on_time,
            "assessment_score": score,
            "score_threshold": round_half_up(Fraction(threshold), 2),
            "passed": passed[code],
            "weight": round_half_up(weights[code], 6),
            "incentive_share_of_pool": share_of_pool,
            "incentive_pool_yuan": incentive_pool,
            "incentive_yuan": Decimal(incentive_fen[code]) / 100,
        }
    return result, incentive


def allocate_landing(
    landing: Path, as_of: dt.date, threshold: int = 60, incentive_basis: str = "increase"
) -> Allocation:
    return allocate(read_inputs(landing, as_of), threshold, incentive_basis)


def by_key(
    rows: Iterable[dict[str, object]], key: tuple[str, ...]
) -> dict[tuple, dict[str, object]]:
    return {tuple(r[k] for k in key): {c: v for c, v in r.items() if c not in key} for r in rows}
