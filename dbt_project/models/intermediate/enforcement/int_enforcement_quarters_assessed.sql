-- One row per district per quarter of the run's fiscal year: the quarter's share of the
-- district's enforcement staff funding and whether it is released, withheld or pending on the
-- as-of date (domain.md "Enforcement staff funding"). annual = approved headcount x yuan per
-- head; quarters 1-3 are a quarter of it rounded half up to the fen, the fourth takes the rest.
-- An assessment counts once it is known (delivered on or before the as-of date): released when
-- its score reaches enforcement_pass_score, withheld below it; no assessment, pending.
with

staffing as (
    select * from {{ ref('stg_enforcement_staffing__staffings') }}
    where fiscal_year = {{ fiscal_year() }}
),

assessments as (
    select * from {{ ref('stg_enforcement_assessments__assessments') }}
    where fiscal_year = {{ fiscal_year() }}
),

quarters as (
    select quarter
    from generate_series(1, 4) as quarter
),

annual as (
    select
        district_code,
        approved_headcount,
        yuan_per_head,
        {{ to_yuan('approved_headcount * yuan_per_head') }} as annual_yuan
    from staffing
),

shares as (
    select
        annual.district_code,
        quarters.quarter,
        annual.annual_yuan,
        -- numeric round() takes a half away from zero: half up, the amounts being >= 0
        case
            when quarters.quarter < 4 then {{ to_yuan('round(annual.annual_yuan / 4, 2)') }}
            else {{ to_yuan('annual.annual_yuan - 3 * round(annual.annual_yuan / 4, 2)') }}
        end as quarter_yuan
    from annual
    cross join quarters
),

final as (
    select
        shares.district_code,
        shares.quarter,
        shares.quarter_yuan,
        assessments.score,
        assessments.assessed_on,
        assessments.known_on as assessment_known_on,
        case
            when assessments.score is null then 'pending'
            when assessments.score >= cast({{ var('enforcement_pass_score') }} as numeric) then 'released'
            else 'withheld'
        end as status
    from shares
    left join assessments
        on assessments.district_code = shares.district_code
        and assessments.quarter = shares.quarter
)

select * from final
