"""The sample city's transfers of duty (事权下放), each standing for a decree, and the pool's sizing."""

from __future__ import annotations

import random
from datetime import date

from munifund.sample import harbin
from munifund.sample.assets import Asset, AssetRegister, Transfer
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
    """Standing decisions of 2017: the 6 trunk roads the city does not keep, and the Daoli area.

    The city's bridges need none: a bridge follows the road it carries. The development zone's
    32 roads need none either: the zone took over only their law enforcement (城管执法), and no
    money moves with that.
    """
    by_id = {a.asset_id: a for a in register.existing}

    def effective(asset_id: str) -> date:
        """A road built after the decree comes under it when commissioned: a transfer effective
        before its asset exists is bad input (sources.md), quarantined by the loader."""
        return max(BASELINE_TRANSFER_DATE, by_id[asset_id].commissioned_on)

    # the reform keeps 46 of the yearbook's 52 trunk roads: the other 6 stay with their district
    trunk_decree = "哈政发〔2017〕12号"
    transfers = [
        Transfer(i, "*", "district", by_id[i].district_code, effective(i), trunk_decree)
        for i in register.district_trunk_ids
    ]
    # the high-tech zone, a city body, has administered its Daoli area since its founding
    zone_decree = "哈政发〔2017〕15号"
    transfers += [
        Transfer(i, "*", "city", "", effective(i), zone_decree) for i in register.daoli_area_ids
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


def daoli_area_devolution(register: AssetRegister) -> list[Transfer]:
    """事权下放: the Daoli area's streets, squares and greening go to Daoli district from Y-07-01."""
    effective = date(register.year, 7, 1)
    decree = f"哈政发〔{register.year}〕21号"
    return [
        Transfer(i, "*", "district", harbin.DAOLI_DISTRICT, effective, decree)
        for i in register.daoli_area_ids
    ]


# plausible: a boundary road of Xiangfang whose upkeep Nangang takes over
BOUNDARY_FROM_DISTRICT = "230110"  # Xiangfang
BOUNDARY_TO_DISTRICT = "230103"  # Nangang


def boundary_road_handover(register: AssetRegister) -> list[Transfer]:
    """A transfer between two districts: from Y-05-01 Nangang takes over all the work of a
    secondary road of Xiangfang on their boundary (money follows the task, 费随事转, from
    Xiangfang to Nangang; no other district's allocation moves). The road chosen is Xiangfang's
    first secondary road (by asset_id) that is measured, stands all year, moves with no other
    decree and carries no bridge, so the sample's figures show this one transfer alone."""
    moved_elsewhere = (
        set(register.district_trunk_ids)
        | set(register.zone_road_ids)
        | set(register.daoli_area_ids)
        | register.unmeasured_ids
        | {a.asset_id for a in register.retired_mid_year}
    )
    carried = {a.connected_to for a in [*register.existing, *register.adopted] if a.connected_to}
    road = min(
        a.asset_id
        for a in register.existing
        if a.asset_class == "secondary_road"
        and a.district_code == BOUNDARY_FROM_DISTRICT
        and a.asset_id not in moved_elsewhere
        and a.asset_id not in carried
    )
    decree = f"哈政发〔{register.year}〕17号"
    effective = date(register.year, 5, 1)
    return [Transfer(road, "*", "district", BOUNDARY_TO_DISTRICT, effective, decree)]


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

    Uses the reference register with its 2017 transfers and the rates of 1 January; a bridge
    takes the tier of its road's work; the Daoli area is counted with the district (it moves
    there mid-year, and the pool is set ahead).
    """
    by_id = {a.asset_id: a for a in register.existing}
    district_ids = set(register.district_trunk_ids) | set(register.daoli_area_ids)
    followed = {"bridge_maintenance": "road_maintenance", "sweeping": "sweeping"}

    def tier_of(asset: Asset, work_type: str) -> str:
        if asset.asset_id in district_ids:
            return "district"
        road = by_id.get(asset.connected_to)
        if asset.asset_class == "bridge" and road is not None:
            return tier_of(road, followed[work_type])
        return harbin.TIER_BY_PAIR[(asset.asset_class, work_type)]

    total = 0
    for asset in register.existing:
        if asset.asset_id in register.unmeasured_ids:
            continue
        for work_type, quantity in asset.quantities:
            if tier_of(asset, work_type) == "city":
                continue
            rate_fen = int(harbin.UNIT_COST_RATES[(work_type, asset.asset_class)] * 100)
            total += quantity * rate_fen
    return total // 100
