-- One row per district with enforcement staffing in the run's fiscal year: its annual staff
-- funding, what of it is released, withheld and pending on the as-of date, and each quarter's
-- status and score side by side (int_enforcement_quarters_assessed decides them).
with

staffing as (
    select * from {{ ref('stg_enforcement_staffing__staffings') }}
    where fiscal_year = {{ fiscal_year() }}
),

districts as (
    select * from {{ ref('stg_districts__districts') }}
),

quarters as (
    select * from {{ ref('int_enforcement_quarters_assessed') }}
),

summed as (
    select
        district_code,
        sum(quarter_yuan) filter (where status = 'released') as released_yuan,
        sum(quarter_yuan) filter (where status = 'withheld') as withheld_yuan,
        sum(quarter_yuan) filter (where status = 'pending') as pending_yuan,
        {%- for q in range(1, 5) %}
        max(status) filter (where quarter = {{ q }}) as q{{ q }}_status,
        cast(max(score) filter (where quarter = {{ q }}) as numeric(5, 2)) as q{{ q }}_score{{ ',' if not loop.last }}
        {%- endfor %}
    from quarters
    group by district_code
),

final as (
    select
        staffing.district_code,
        districts.name_zh,
        districts.name_en,
        staffing.approved_headcount,
        staffing.yuan_per_head,
        {{ to_yuan('staffing.approved_headcount * staffing.yuan_per_head') }} as annual_yuan,
        {{ to_yuan('coalesce(summed.released_yuan, 0)') }} as released_yuan,
        {{ to_yuan('coalesce(summed.withheld_yuan, 0)') }} as withheld_yuan,
        {{ to_yuan('coalesce(summed.pending_yuan, 0)') }} as pending_yuan,
        {%- for q in range(1, 5) %}
        summed.q{{ q }}_status,
        summed.q{{ q }}_score{{ ',' if not loop.last }}
        {%- endfor %}
    from staffing
    inner join summed
        on summed.district_code = staffing.district_code
    left join districts
        on districts.district_code = staffing.district_code
)

select * from final
