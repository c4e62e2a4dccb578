"""Reference facts of the sample city (Harbin), as constants.

Published figures come from shared/spec/harbin.md (division codes, 2020 census, the city's
yearbooks). Everything else here is a *plausible choice*, marked ``# plausible:`` where it is
made, to be replaced by a user's real reference data.

Nothing in this module depends on the random seed: the reference sources (districts, street
offices, responsibility matrix, unit-cost standards, expenditure purposes) are the same for every
sample city and equal the dbt seeds, so a seed-only run and a sample run agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class District:
    code: str
    name_zh: str
    name_en: str
    area_km2: float
    population: int
    street_offices: int
    # plausible: share of the urban road network and city furniture in the district. Harbin's
    # built-up core is Daoli, Nangang, Daowai and Xiangfang; the outer districts (Hulan, Acheng,
    # Shuangcheng) were counties until 2004-2014 and have small urban centres.
    urban_weight: int
    # district parks (harbin.md, 2018): Daoli 12, Daowai 6, Nangang 2, Xiangfang 8, Pingfang 2,
    # Hulan 1, Acheng 2, Songbei 1; Shuangcheng 0.
    district_parks: int


DISTRICTS: tuple[District, ...] = (
    District("230102", "道里区", "Daoli", 479.2, 1_097_430, 19, 20, 12),
    District("230103", "南岗区", "Nangang", 182.9, 1_390_679, 18, 22, 2),
    # plausible: population ~910,000 (2010 census: 906,421)
    District("230104", "道外区", "Daowai", 618.6, 910_000, 22, 15, 6),
    District("230108", "平房区", "Pingfang", 94.0, 238_945, 7, 5, 2),
    # plausible: 8 street offices (not published in harbin.md)
    District("230109", "松北区", "Songbei", 736.3, 413_515, 8, 10, 1),
    District("230110", "香坊区", "Xiangfang", 344.5, 1_120_185, 20, 17, 8),
    # plausible: area ~2,200 km2, population ~760,000 (2010 census: 764,534)
    District("230111", "呼兰区", "Hulan", 2200.0, 760_000, 10, 5, 1),
    District("230112", "阿城区", "Acheng", 2452.1, 500_327, 15, 3, 2),
    # plausible: area ~3,112 km2, 10 street offices (not published in harbin.md)
    District("230113", "双城区", "Shuangcheng", 3112.0, 633_880, 10, 3, 0),
)
DISTRICT_CODES: tuple[str, ...] = tuple(d.code for d in DISTRICTS)
DISTRICT_BY_CODE: dict[str, District] = {d.code: d for d in DISTRICTS}

# The expressways and city trunk roads lie in the built-up core.
CORE_DISTRICTS: tuple[str, ...] = (
    "230102",
    "230103",
    "230104",
    "230108",
    "230109",
    "230110",
)
# plausible: the economic development zone's 32 secondary roads lie in Nangang, Xiangfang and
# Pingfang (the zone's Harbin parts are there).
DEVELOPMENT_ZONE_DISTRICTS: tuple[str, ...] = ("230103", "230110", "230108")
# The high-tech zone's Daoli area (哈高新区道里集中区) lies in Daoli; plausible: its size.
DAOLI_DISTRICT = "230102"
DAOLI_AREA_COUNTS: dict[str, int] = {"secondary_road": 4, "branch_road": 8, "green_belt": 3}

# How the sample's districts are designed to come out of the kiosk-fee check for fiscal year Y
# (every district not listed is compliant) and the assessment, so tests and demos have all
# cases. The generator enforces these; the docstring of generator.py repeats them.
KIOSK_STATUS_BY_DISTRICT: dict[str, str] = {
    "230104": "diverted",  # Daowai
    "230112": "overdrawn",  # Acheng
    "230109": "unplanned",  # Songbei
}
LATE_DISTRICT = "230113"  # Shuangcheng: most work orders closed late, score below 60
NO_OWN_INVESTMENT_DISTRICT = "230108"  # Pingfang: invests nothing of its own in Y


# plausible: street-office names. The harbin.md counts are used (street offices only; the towns
# 乡镇 are rural and have no urban maintenance here). The names are generated from common
# Harbin place and street-name stems in the `新阳路街道` style; some coincide with real offices,
# none is asserted to be the real office of that code.
def _words(text: str) -> tuple[str, ...]:
    """A long list of names kept readable as one space-separated block."""
    return tuple(text.split())


_STREET_STEMS = _words(
    "兆麟 新阳路 抚顺 共乐 新华 城乡路 工程 通江 尚志 斯大林 正阳河 景阳 经纬 顾乡 群力 康安 建国 "
    "安静 工农 花园 大成 七政 奋斗路 革新 文化 曲线 和兴路 哈西 保健路 荣市 先锋路 新春 跃进 "
    "芦家 王岗 红旗 新乐 燎原 靖宇 太古 东莱 滨江 仁里 振江 大兴 崇俭 火车头 新一 三棵树 水泥路 "
    "太平 黎华 南马 民强 永源 团结 化工 东原 友协 平房 新伟 兴建 保国 联盟 新疆 太阳岛 松浦 "
    "万宝 对青山 乐业 利民 香坊 大庆路 和平路 通天 新香坊 六顺 建筑 哈平路 安埠 通乡 进乡 朝阳 "
    "幸福 成高子 黎明 呼兰 兰河 腰堡 康金 石人 方台 白奎 金河 阿什河 玉泉 新利 舍利 河东 "
    "金城 通城 双城 承旭 永和 五家 韩甸 周家 新兴 东官 兰棱 杏山 胜丰 公正 联兴 农丰 希勤 "
    "万隆 乐群 临江 青年 长岭 永胜 宏伟 铁路 海城 延兴 南勋 东风 松乐 三合 天恒 松江 学院 "
    "湘江 长江 中源 哈东 民主 红星"
)
# plausible: stems for naming roads, bridges, parks and facilities
ROAD_STEMS = _words(
    "学府 友谊 红军 果戈里 西大直 东大直 一曼 中山 黄河 长江 珠江 嵩山 泰山 衡山 华山 赣水 闽江 "
    "汉水 淮河 松山 哈成 南直 东直 安发 承德 民生 征仪 电碳 文政 宣化 公滨 哈平 香福 中兴 哈双 "
    "机场 世纪 爱建 漓江 群力 丽江 康安 建国 通达 宏图 河图 经纬 地段 霞曼 大方里 森林 埃德蒙顿 "
    "中宣 田地 工部 辽阳 宣庆 大安 高谊 海关 建设 滨北 中医 东兴 先锋 旭升 新发 北新 太平 南勋"
)


@dataclass(frozen=True)
class StreetOffice:
    code: str
    district_code: str
    name_zh: str


def _unique(words: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(words))


def street_offices() -> tuple[StreetOffice, ...]:
    """The street offices of every district: code ``<district><nnn>``, generated names."""
    stems = _unique(_STREET_STEMS)
    needed = sum(d.street_offices for d in DISTRICTS)
    if len(stems) < needed:  # a guard for whoever edits the stem list
        raise ValueError(f"{len(stems)} street-name stems for {needed} street offices")
    offices: list[StreetOffice] = []
    for district in DISTRICTS:
        for number in range(1, district.street_offices + 1):
            offices.append(
                StreetOffice(
                    f"{district.code}{number:03d}",
                    district.code,
                    f"{stems[len(offices)]}街道",
                )
            )
    return tuple(offices)


# The responsibility matrix: domain.md's table, the default tier of each pair. The city keeps only
# the maintenance of its expressways and trunk roads, the sweeping of the expressways (their bridge
# decks through the bridge rule) and its parks; greening along its roads and under the elevated
# roads is the districts'. A bridge's two pairs say `district`, the default of a bridge that names
# no road: one that does follows its road (int_responsibility_intervals_resolved). Back lanes,
# like courtyards, are the streets' for all three (their greening: planters and the odd tree,
# a tenth of the lane). Order is the order the seed and the reference file list it in.
RESPONSIBILITY_MATRIX: tuple[tuple[str, str, str], ...] = (
    ("expressway", "road_maintenance", "city"),
    ("expressway", "sweeping", "city"),
    ("expressway", "greening", "district"),
    ("trunk_road", "road_maintenance", "city"),
    ("trunk_road", "greening", "district"),
    ("trunk_road", "sweeping", "district"),
    ("secondary_road", "road_maintenance", "district"),
    ("secondary_road", "sweeping", "district"),
    ("secondary_road", "greening", "district"),
    ("branch_road", "road_maintenance", "district"),
    ("branch_road", "sweeping", "street"),
    ("branch_road", "greening", "street"),
    ("back_lane", "road_maintenance", "street"),
    ("back_lane", "sweeping", "street"),
    ("back_lane", "greening", "street"),
    ("courtyard", "road_maintenance", "street"),
    ("courtyard", "sweeping", "street"),
    ("courtyard", "greening", "street"),
    ("bridge", "bridge_maintenance", "district"),
    ("bridge", "sweeping", "district"),
    ("elevated_underside", "sweeping", "city"),
    ("elevated_underside", "greening", "district"),
    ("pedestrian_crossing", "bridge_maintenance", "city"),
    ("pedestrian_crossing", "sweeping", "city"),
    ("city_park", "greening", "city"),
    ("city_park", "sweeping", "city"),
    ("green_belt", "greening", "district"),
    ("green_belt", "sweeping", "district"),
    ("public_toilet", "facility_upkeep", "street"),
    ("transfer_station", "facility_upkeep", "street"),
    ("bin_point", "facility_upkeep", "street"),
)
TIER_BY_PAIR: dict[tuple[str, str], str] = {(c, w): t for c, w, t in RESPONSIBILITY_MATRIX}
WORK_TYPES_BY_CLASS: dict[str, tuple[str, ...]] = {}
for _asset_class, _work_type, _tier in RESPONSIBILITY_MATRIX:
    WORK_TYPES_BY_CLASS.setdefault(_asset_class, ())
    WORK_TYPES_BY_CLASS[_asset_class] += (_work_type,)

UNIT_BY_WORK_TYPE: dict[str, str] = {
    "road_maintenance": "m2",
    "bridge_maintenance": "m2",
    "sweeping": "m2",
    "greening": "m2",
    "facility_upkeep": "each",
}

# plausible: unit-cost standards, yuan per unit per year, inside harbin.md's ranges: expressway
# and trunk maintenance 8-15 /m2, branch roads and back lanes 3-8, mechanised sweeping 6-12 (the
# wide roads), manual 10-20 (lanes, courtyards, footbridges), greening 5-25 by care grade,
# bridge decks above roads, a yearly amount per sanitation facility.
UNIT_COST_RATES: dict[tuple[str, str], Decimal] = {
    (w, c): Decimal(r)
    for w, c, r in (
        ("road_maintenance", "expressway", "13.50"),
        ("road_maintenance", "trunk_road", "11.80"),
        ("road_maintenance", "secondary_road", "7.60"),
        ("road_maintenance", "branch_road", "5.40"),
        ("road_maintenance", "back_lane", "3.80"),
        ("road_maintenance", "courtyard", "3.20"),
        ("sweeping", "expressway", "7.50"),
        ("sweeping", "trunk_road", "8.80"),
        ("sweeping", "secondary_road", "10.60"),
        ("sweeping", "branch_road", "12.40"),
        ("sweeping", "back_lane", "14.50"),
        ("sweeping", "courtyard", "15.80"),
        ("sweeping", "bridge", "11.20"),
        ("sweeping", "elevated_underside", "16.50"),
        ("sweeping", "pedestrian_crossing", "18.60"),
        ("sweeping", "city_park", "10.20"),
        ("sweeping", "green_belt", "8.40"),
        ("greening", "expressway", "12.00"),
        ("greening", "trunk_road", "14.50"),
        ("greening", "secondary_road", "11.00"),
        ("greening", "branch_road", "9.50"),
        ("greening", "back_lane", "6.80"),
        ("greening", "courtyard", "6.80"),
        ("greening", "elevated_underside", "8.60"),
        ("greening", "city_park", "22.50"),
        ("greening", "green_belt", "16.00"),
        ("bridge_maintenance", "bridge", "24.00"),
        ("bridge_maintenance", "pedestrian_crossing", "28.00"),
        ("facility_upkeep", "public_toilet", "45000.00"),
        ("facility_upkeep", "transfer_station", "32000.00"),
        ("facility_upkeep", "bin_point", "560.00"),
    )
}
# plausible: the mid-year revision of manual sweeping on the smaller roads (from Y-07-01),
# e.g. after a wage-floor increase for sanitation workers.
SWEEPING_REVISION: dict[tuple[str, str], Decimal] = {
    ("sweeping", "secondary_road"): Decimal("11.40"),
    ("sweeping", "branch_road"): Decimal("13.20"),
}
# The default standards' start date as shipped in the dbt seed.
SEED_VALID_FROM = "2020-01-01"


@dataclass(frozen=True)
class ExpenditurePurpose:
    code: str
    name_zh: str
    is_city_management: bool


# plausible: purpose codes of a district's expenditure ledger
EXPENDITURE_PURPOSES: tuple[ExpenditurePurpose, ...] = (
    ExpenditurePurpose("CM01", "道路维修", True),
    ExpenditurePurpose("CM02", "环卫保洁", True),
    ExpenditurePurpose("CM03", "园林绿化", True),
    ExpenditurePurpose("CM04", "城管执法装备", True),
    ExpenditurePurpose("CM05", "清冰雪作业", True),
    ExpenditurePurpose("CM06", "公厕及环卫设施运维", True),
    ExpenditurePurpose("CM07", "摊亭规范整治", True),
    ExpenditurePurpose("CM08", "数字城管平台运维", True),
    ExpenditurePurpose("CM09", "市容秩序宣传", True),
    ExpenditurePurpose("OT01", "办公楼装修", False),
    ExpenditurePurpose("OT02", "公务接待", False),
    ExpenditurePurpose("OT03", "人员奖金", False),
    ExpenditurePurpose("OT04", "公务用车购置", False),
)
CITY_MANAGEMENT_PURPOSES: tuple[str, ...] = tuple(
    p.code for p in EXPENDITURE_PURPOSES if p.is_city_management
)
OTHER_PURPOSES: tuple[str, ...] = tuple(
    p.code for p in EXPENDITURE_PURPOSES if not p.is_city_management
)

# Road network, 2006 yearbook: number of roads and area in m2.
EXPRESSWAYS = 13
EXPRESSWAY_AREA_M2 = 1_353_300
TRUNK_ROADS = 52
CITY_TRUNK_ROADS = 46
TRUNK_AREA_M2 = 7_354_000
SECONDARY_ROADS = 192
SECONDARY_AREA_M2 = 6_040_700
DEVELOPMENT_ZONE_ROADS = 32
BRANCH_ROADS = 1_435
BRANCH_AREA_M2 = 11_665_200
# The 711 neighbourhood roads (街坊路, 1,256,000 m2) are the sample's back lanes.
BACK_LANES = 711
BACK_LANE_AREA_M2 = 1_256_000
# Bridges: 256, of which 162 city-managed, 1.02 million m2 of deck. The sample keeps the 31
# footbridges and underpasses apart as pedestrian_crossing and makes 162 of the 256 `bridge`
# assets city-managed (by a 2017 transfer), with the 1.02 million m2 on those.
BRIDGES = 256
CITY_BRIDGES = 162
CITY_BRIDGE_DECK_M2 = 1_020_000
FOOTBRIDGES = 26
UNDERPASSES = 5
CITY_PARKS = 5
PUBLIC_TOILETS = 349
# plausible figures for what harbin.md does not give
COURTYARDS = 1_200
TRANSFER_STATIONS = 120
BIN_POINTS = 2_000
ELEVATED_UNDERSIDES = 30
GREEN_BELTS = 60
ADOPTED_ROADS = 40

# plausible: the five city parks (the reform keeps five with the city), with their districts
CITY_PARK_NAMES: tuple[tuple[str, str], ...] = (
    ("兆麟公园", "230102"),
    ("斯大林公园", "230102"),
    ("儿童公园", "230103"),
    ("文化公园", "230103"),
    ("靖宇公园", "230104"),
)

KIOSK_TYPES: tuple[str, ...] = (
    "cold_drink",
    "newsstand",
    "breakfast",
    "vending_machine",
    "security_booth",
    "parking_booth",
    "ticket_booth",
    "info_booth",
    "seasonal_food",
)
# plausible: mix of kiosk types (weights) and monthly rate per m2 in fen (3-18 yuan/m2/month,
# i.e. 0.10-0.60 yuan/m2/day as in published rate grids)
KIOSK_TYPE_WEIGHTS: tuple[int, ...] = (15, 14, 18, 12, 8, 10, 5, 6, 12)
KIOSK_MONTHLY_RATE_FEN: dict[str, tuple[int, int]] = {
    "cold_drink": (900, 1800),
    "newsstand": (300, 900),
    "breakfast": (600, 1500),
    "vending_machine": (1000, 1800),
    "security_booth": (300, 600),
    "parking_booth": (300, 800),
    "ticket_booth": (600, 1200),
    "info_booth": (300, 600),
    "seasonal_food": (300, 900),
}
KIOSKS = 1_500
WORK_ORDERS = 20_000

# plausible: 数字城管 case types, each with its category as the work_orders contract wants it
# (sources.md): a component (部件: a facility broken or missing) or an event (事件: something
# that happened on the street). The case type travels beside it, in an extra column.
WORK_ORDER_CASE_TYPES: tuple[tuple[str, str], ...] = (
    ("暴露垃圾", "event"),
    ("道路破损", "component"),
    ("积雪残冰", "event"),
    ("占道经营", "event"),
    ("井盖缺损", "component"),
    ("绿地脏乱", "event"),
    ("公厕设施损坏", "component"),
    ("违规张贴", "event"),
    ("垃圾满溢", "event"),
    ("路灯不亮", "component"),
)
