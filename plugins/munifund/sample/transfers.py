"""The sample city's transfers of duty (事权下放), each standing for a decree, and the pool's sizing."""

from __future__ import annotations

import random
from datetime import date

from munifund.sample import harbin
from munifund.sample.assets import AssetRegister, Transfer
from munifund.sample.common import iso
from munifund.sample.landing import Row

BASELINE_TRANSFER_DATE = date(2017, 1, 1)


class TransferIds:
    def __init__(self) -> None:
        self.last = 0

    def row(self, transfer: Transfer) -> Row:
        self.last += 1
        return (
            f"TRF-{self.last:05d}",
            transfer.asset_id,
            transfer.work_type,
            transfer.to_tier,
            transfer.to_district_code,
            iso(transfer.effective_date),
            transfer.decree_ref,
        )


def baseline_transfers(register: AssetRegister) -> list[Transfer]:
    """Standing decisions of 2017: city bridges, district trunk roads, the development zone."""
    by_id = {a.asset_id: a for a in register.existing}
    decree = "哈政发〔2017〕12号"
    transfers = [
        Transfer(i, "*", "city", "", BASELINE_TRANSFER_DATE, decree)
        for i in register.city_bridge_ids
    ]
    transfers += [
        Transfer(i, "*", "district", by_id[i].district_code, BASELINE_TRANSFER_DATE, decree)
        for i in register.district_trunk_ids
    ]
    transfers += [
        Transfer(i, "*", "city", "", BASELINE_TRANSFER_DATE, "哈政发〔2017〕15号")
        for i in register.zone_road_ids
    ]
    return transfers


def crossing_and_underside_devolution(register: AssetRegister) -> list[Transfer]:
    """事权下放: sweeping of pedestrian crossings, and the ground under elevated roads, to districts."""
    effective = date(register.year, 4, 1)
    decree = f"哈政发〔{register.year}〕8号"
    transfers = []
    for asset in register.existing:
        if asset.asset_class == "pedestrian_crossing":
            transfers.append(
                Transfer(
                    asset.asset_id,
                    "sweeping",
                    "district",
                    asset.district_code,
                    effective,
                    decree,
                )
            )
        elif asset.asset_class == "elevated_underside":
            transfers.append(
                Transfer(
                    asset.asset_id,
                    "*",
                    "district",
                    asset.district_code,
                    effective,
                    decree,
                )
            )
    return transfers


def development_zone_devolution(register: AssetRegister) -> list[Transfer]:
    """The zone's 32 roads go to the district they lie in from Y-07-01."""
    by_id = {a.asset_id: a for a in register.existing}
    effective = date(register.year, 7, 1)
    decree = f"哈政发〔{register.year}〕21号"
    return [
        Transfer(i, "*", "district", by_id[i].district_code, effective, decree)
        for i in register.zone_road_ids
    ]


def future_bridge_devolution(register: AssetRegister, rng: random.Random) -> list[Transfer]:
    """A decree known in October for December: 10 city bridges' upkeep to their district."""
    by_id = {a.asset_id: a for a in register.existing}
    effective = date(register.year, 12, 1)
    decree = f"哈政发〔{register.year}〕35号"
    chosen = sorted(rng.sample(register.city_bridge_ids, 10))
    return [
        Transfer(
            i,
            "bridge_maintenance",
            "district",
            by_id[i].district_code,
            effective,
            decree,
        )
        for i in chosen
    ]


def district_standard_cost_fen(register: AssetRegister) -> int:
    """Rough yearly standard cost of district and street work, for sizing the budget pool.

    Uses the reference register with its 2017 transfers and the rates of 1 January; the zone's
    roads are counted with the district (they move there mid-year, and the pool is set ahead).
    """
    city_ids = set(register.city_bridge_ids)
    district_ids = set(register.district_trunk_ids) | set(register.zone_road_ids)
    total = 0
    for asset in register.existing:
        if asset.asset_id in register.unmeasured_ids or asset.asset_id in city_ids:
            continue
        for work_type, quantity in asset.quantities:
            tier = harbin.TIER_BY_PAIR[(asset.asset_class, work_type)]
            if tier == "city" and asset.asset_id not in district_ids:
                continue
            rate_fen = int(harbin.UNIT_COST_RATES[(work_type, asset.asset_class)] * 100)
            total += quantity * rate_fen
    return total // 100
