-- A year with no delivered row takes the seed's default schedule (domain.md), dated in the
-- run's fiscal year; delivered years are never mixed with the seed.
with delivered as (
    {{ latest_version('disbursement_schedule', ['fiscal_year', 'instalment']) }}
),

seed as (
    select * from {{ ref('seed_disbursement_schedule') }}
),

delivered_instalments as (
    select
        cast(fiscal_year as integer) as fiscal_year,
        cast(instalment as integer) as instalment,
        cast(due_on as date) as due_on,
        cast(cumulative_share as numeric(6, 4)) as cumulative_share,
        _partition_date as known_on
    from delivered
),

default_instalments as (
    select
        {{ fiscal_year() }} as fiscal_year,
        cast(seed.instalment as integer) as instalment,
        make_date({{ fiscal_year() }}, cast(seed.due_month as integer), cast(seed.due_day as integer))
            as due_on,
        cast(seed.cumulative_share as numeric(6, 4)) as cumulative_share,
        cast(null as date) as known_on
    from seed
    where not exists (
        select 1 from delivered_instalments
        where delivered_instalments.fiscal_year = {{ fiscal_year() }}
    )
),

final as (
    select * from delivered_instalments
    union all
    select * from default_instalments
)

select * from final
