-- The vouchers in kiosk_fee_flags are exactly those behind each flagged status: a diverted
-- district's ineligible and unsupported vouchers add up to its diverted_yuan (so it has at least
-- one), an overdrawn district's overdrawn vouchers add up to its spent_city_mgmt_yuan (at least one
-- whenever it spent kiosk fees this year), and no other district has any flag. Returns the
-- districts where that fails.
with

compliance as (
    select * from {{ ref('kiosk_fee_compliance') }}
),

flags as (
    select * from {{ ref('kiosk_fee_flags') }}
),

flag_totals as (
    select
        fiscal_year,
        as_of_date,
        district_code,
        count(*) as flag_count,
        sum(case when reason in ('ineligible', 'unsupported') then amount_yuan else 0 end)
            as diverted_flagged_yuan,
        sum(case when reason = 'overdrawn' then amount_yuan else 0 end) as overdrawn_flagged_yuan,
        count(distinct district_status) as statuses_seen,
        min(district_status) as district_status
    from flags
    group by fiscal_year, as_of_date, district_code
),

final as (
    select
        coalesce(compliance.district_code, flag_totals.district_code) as district_code,
        compliance.status,
        compliance.diverted_yuan,
        compliance.spent_city_mgmt_yuan,
        flag_totals.flag_count,
        flag_totals.diverted_flagged_yuan,
        flag_totals.overdrawn_flagged_yuan,
        flag_totals.district_status
    from compliance
    full outer join flag_totals
        on flag_totals.fiscal_year = compliance.fiscal_year
        and flag_totals.as_of_date = compliance.as_of_date
        and flag_totals.district_code = compliance.district_code
    where compliance.district_code is null
        or (compliance.status = 'diverted' and (
            coalesce(flag_totals.flag_count, 0) = 0
            or flag_totals.diverted_flagged_yuan <> compliance.diverted_yuan
            or flag_totals.overdrawn_flagged_yuan <> 0
        ))
        or (compliance.status = 'overdrawn' and (
            coalesce(flag_totals.overdrawn_flagged_yuan, 0) <> compliance.spent_city_mgmt_yuan
            or coalesce(flag_totals.diverted_flagged_yuan, 0) <> 0
        ))
        or (compliance.status not in ('diverted', 'overdrawn') and flag_totals.flag_count > 0)
        or flag_totals.statuses_seen > 1
        or flag_totals.district_status <> compliance.status
)

select * from final
