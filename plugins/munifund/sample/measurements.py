"""The area measurements of the sample register: initial, adopted, commissioned, resurveyed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from munifund.sample import harbin
from munifund.sample.assets import Asset, AssetRegister
from munifund.sample.common import hundredths, iso, random_day
from munifund.sample.landing import Row

VERIFIER_BY_WORK_TYPE = {
    "road_maintenance": "市城乡建设局",
    "bridge_maintenance": "市城乡建设局",
    "sweeping": "市城市管理局",
    "greening": "市园林绿化中心",
    "facility_upkeep": "市城市管理局",
}


class MeasurementIds:
    def __init__(self) -> None:
        self.last = 0

    def next(self) -> str:
        self.last += 1
        return f"MEA-{self.last:07d}"


def _verified_text(rng: random.Random, verified: bool) -> str:
    """sources.md allows true/false and 是/否; the sample mixes them."""
    if verified:
        return "true" if rng.random() < 0.7 else "是"
    return "false" if rng.random() < 0.7 else "否"


def _quantity_text(work_type: str, quantity: int) -> str:
    return "1" if work_type == "facility_upkeep" else hundredths(quantity)


def measurement_row(
    measurement_id: str,
    asset_id: str,
    work_type: str,
    quantity: int,
    effective_from: date,
    verified_on: date | None,
    rng: random.Random,
) -> Row:
    verified = verified_on is not None
    return (
        measurement_id,
        asset_id,
        work_type,
        _quantity_text(work_type, quantity),
        harbin.UNIT_BY_WORK_TYPE[work_type],
        iso(effective_from),
        _verified_text(rng, verified),
        VERIFIER_BY_WORK_TYPE[work_type] if verified else "",
        iso(verified_on),
    )


def measured_from(asset: Asset, year: int) -> date:
    """A measurement counts from commissioning, or from the first day of sample data (Y-1)."""
    return max(asset.commissioned_on, date(year - 1, 1, 1))


@dataclass
class MeasurementPlan:
    """Which measurement rows go into which partition, decided while streaming."""

    year: int
    ids: MeasurementIds = field(default_factory=MeasurementIds)
    # (asset, work_type, old quantity) chosen for a re-survey
    resurveys: list[tuple[Asset, str, int]] = field(default_factory=list)
    adopted: list[tuple[str, Asset, str, int]] = field(default_factory=list)


def initial_measurement_rows(
    register: AssetRegister, plan: MeasurementPlan, rng: random.Random
) -> Iterator[Row]:
    """One measurement per (asset, work type) of the reference register; picks re-surveys."""
    y = plan.year
    for asset in register.existing:
        unmeasured = asset.asset_id in register.unmeasured_ids
        effective = measured_from(asset, y)
        for work_type, quantity in asset.quantities:
            if unmeasured:
                verified_on = None
            elif effective.year == y - 1 and effective.month > 1:
                # verified before the reference delivery of 1 December
                verified_on = min(
                    effective + timedelta(days=rng.randint(5, 30)), date(y - 1, 11, 30)
                )
            else:
                verified_on = random_day(rng, date(y - 2, 10, 1), date(y - 2, 12, 31))
            yield measurement_row(
                plan.ids.next(),
                asset.asset_id,
                work_type,
                quantity,
                effective,
                verified_on,
                rng,
            )
            # plausible: ~2 % of surfaces are re-surveyed during Y (not facilities: they count 1)
            if (
                not unmeasured
                and work_type != "facility_upkeep"
                and asset.retired_on is None
                and rng.random() < 0.02
            ):
                plan.resurveys.append((asset, work_type, quantity))


def adopted_unverified_rows(
    register: AssetRegister, plan: MeasurementPlan, rng: random.Random
) -> Iterator[Row]:
    """The adopted roads' measurements as first delivered: not yet verified by the city."""
    for asset in register.adopted:
        for work_type, quantity in asset.quantities:
            measurement_id = plan.ids.next()
            plan.adopted.append((measurement_id, asset, work_type, quantity))
            yield measurement_row(
                measurement_id,
                asset.asset_id,
                work_type,
                quantity,
                measured_from(asset, plan.year),
                None,
                rng,
            )


def adopted_verified_rows(plan: MeasurementPlan, rng: random.Random) -> Iterator[Row]:
    """The same measurement ids re-delivered late in Y, now verified: a correction by key."""
    y = plan.year
    for measurement_id, asset, work_type, quantity in plan.adopted:
        verified_on = random_day(rng, date(y, 9, 1), date(y, 9, 12))
        yield measurement_row(
            measurement_id,
            asset.asset_id,
            work_type,
            quantity,
            measured_from(asset, y),
            verified_on,
            rng,
        )


def commissioned_measurement_rows(
    register: AssetRegister, plan: MeasurementPlan, delivered: date, rng: random.Random
) -> Iterator[Row]:
    for asset in register.commissioned_mid_year:
        for work_type, quantity in asset.quantities:
            verified_on = delivered - timedelta(days=rng.randint(1, 10))
            yield measurement_row(
                plan.ids.next(),
                asset.asset_id,
                work_type,
                quantity,
                asset.commissioned_on,
                verified_on,
                rng,
            )


def resurvey_rows(plan: MeasurementPlan, delivered: date, rng: random.Random) -> Iterator[Row]:
    """Re-surveys: a new measurement from mid-year; one in four still awaits verification."""
    y = plan.year
    for asset, work_type, old_quantity in plan.resurveys:
        effective = random_day(rng, date(y, 5, 1), date(y, 6, 1))
        quantity = int(old_quantity * rng.uniform(0.85, 1.2))
        verified_on = None if rng.random() < 0.25 else delivered - timedelta(days=rng.randint(1, 3))
        yield measurement_row(
            plan.ids.next(),
            asset.asset_id,
            work_type,
            quantity,
            effective,
            verified_on,
            rng,
        )
