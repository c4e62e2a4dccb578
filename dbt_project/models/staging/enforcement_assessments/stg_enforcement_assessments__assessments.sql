with source as (
    {{ latest_version('enforcement_assessments', ['district_code', 'fiscal_year', 'quarter']) }}
),

final as (
    select
        district_code,
        cast(fiscal_year as integer) as fiscal_year,
        cast(quarter as integer) as quarter,
        cast(assessed_on as date) as assessed_on,
        cast(score as numeric(5, 2)) as score,
        assessor,
        _partition_date as known_on
    from source
)

select * from final
