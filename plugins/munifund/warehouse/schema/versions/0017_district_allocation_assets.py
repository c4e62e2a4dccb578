"""district_allocation_assets

Written by `munifund warehouse revision` on 2026-12-07 from the published tables'
contracts (munifund.catalog); review it before committing, never edit it once landed.

Revision ID: 0017_district_allocation_assets
Revises: 0016_contacts
"""

from alembic import op

revision = "0017_district_allocation_assets"
down_revision = "0016_contacts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("set local role munifund_pipeline")
    op.execute(
        'create table "published"."district_allocation_assets" (\n    "fiscal_year" integer not null,\n    "as_of_date" date not null,\n    "run_id" text not null,\n    "district_code" text not null,\n    "tier" text not null,\n    "work_type" text not null,\n    "asset_class" text not null,\n    "rate_valid_from" date not null,\n    "asset_id" text not null,\n    "asset_name" text,\n    "street_code" text,\n    "measurement_id" text not null,\n    "quantity" numeric(18,4) not null,\n    "unit" text,\n    "effective_from" date not null,\n    "is_verified" boolean not null,\n    "verified_by" text,\n    "verified_on" date,\n    "days" integer not null,\n    "unit_days" numeric(24,4) not null,\n    "quantity_unit_years" numeric(24,6) not null,\n    "rate_yuan" numeric(18,2) not null,\n    "cost_exact_yuan" numeric(24,6) not null,\n    primary key ("fiscal_year", "as_of_date", "district_code", "tier", "work_type", "asset_class", "rate_valid_from", "asset_id", "measurement_id")\n)'
    )
    op.execute(
        "comment on table \"published\".\"district_allocation_assets\" is 'One row per line of district_allocation_lines (district x tier x work type x asset class x rate period) per asset per verified measurement, for the fiscal year as of the as-of date: the assets behind each line, so that a line can be checked down to the asset and the measurement that counted (作业面积和经费由市相关部门核定: verified measurements only). days are the days of the year the asset counted on this line with this measurement (while active, while the district held the work, while the measurement was the latest verified one); unit_days = quantity x days. Summed over a line''s assets, unit_days and cost_exact_yuan are the line''s own (a singular test checks it); the rounding to the fen is the line''s, not the asset''s.'"
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."fiscal_year" is \'The fiscal year the run computes: the calendar year that contains the as-of date.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."as_of_date" is \'The run\'\'s as-of date (the Airflow logical date). Only landing partitions dated on or before it count; re-running for a past date reproduces what was known then.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."run_id" is \'The Airflow run that produced the row.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."district_code" is \'District code (sources.md `districts`), e.g. `230102` for 道里区 Daoli.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."tier" is \'Who maintains the work (分级管理): `city` (市), `district` (区) or `street` (街道办事处 / 乡镇). District- and street-tier work is funded by the district\'\'s allocation; city-tier work by the city itself.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."work_type" is \'The kind of work: `road_maintenance` (道路维修养护, m2), `bridge_maintenance` (桥梁养护, m2), `sweeping` (清扫保洁 incl. snow and ice, m2), `greening` (园林绿化养护, m2), `facility_upkeep` (环卫设施维护, each).\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."asset_class" is \'The asset\'\'s class (expressway, trunk_road, secondary_road, branch_road, back_lane, courtyard, bridge, elevated_underside, pedestrian_crossing, city_park, green_belt, public_toilet, transfer_station, bin_point). The responsibility matrix gives each (asset_class, work_type) its default tier.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."rate_valid_from" is \'`valid_from` of the unit-cost standard (经费标准) applied: one line per rate period, so a rate revised inside the year gives two lines.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."asset_id" is \'The asset (sources.md `assets`).\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."asset_name" is \'The asset\'\'s name in the asset register.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."street_code" is \'The street office (街道办事处) the asset lies in, from the asset register.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."measurement_id" is \'The verified measurement (area_measurements) that counted on these days.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."quantity" is \'The measured quantity (m2, or each for facilities), as delivered and verified.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."unit" is \'Unit of the quantity: `m2`, or `each` for facility upkeep.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."effective_from" is \'The day the measurement takes effect (area_measurements.effective_from).\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."is_verified" is \'Whether the city verified the measurement; always true here (an unverified one never counts; see unmeasured_assets).\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."verified_by" is \'Who verified the measurement, as delivered.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."verified_on" is \'The day the measurement was verified, as delivered.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."days" is \'The days of the fiscal year the asset counted on this line with this measurement.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."unit_days" is \'Sum over the days of the year of the verified quantity in force that day (unit x days), exact.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."quantity_unit_years" is \'`unit_days / D_Y` rounded to 6 decimals: the quantity as if present the whole year.\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."rate_yuan" is \'The unit-cost standard (经费标准): yuan per unit per year, numeric(18,2).\''
    )
    op.execute(
        'comment on column "published"."district_allocation_assets"."cost_exact_yuan" is \'`unit_days x rate_yuan / D_Y` to 6 decimals (exact before rounding to the fen).\''
    )
    op.execute('grant select on "published"."district_allocation_assets" to analyst')


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")
