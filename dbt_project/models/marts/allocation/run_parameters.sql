-- One row per run (fiscal year, as-of date): every parameter the run's allocation was computed
-- with, and what the city's own budget passed on with devolved work. Not published as a table:
-- publication records it in ops.allocation_runs (published.allocation_runs shows it), so that
-- a reviewer can recompute the allocation by hand. The values are those of the models that
-- used them, not read again from the vars.
with allocations as (
    select * from {{ ref('int_district_allocations_split') }}
),

schedule as (
    select * from {{ ref('stg_disbursement_schedule__instalments') }}
    where fiscal_year = {{ fiscal_year() }}
),

payment_schedule as (
    select
        coalesce(
            jsonb_agg(
                jsonb_build_object(
                    'instalment', instalment,
                    'due_on', due_on,
                    'cumulative_share', cumulative_share
                )
                order by instalment
            ),
            '[]'::jsonb
        ) as payment_schedule
    from schedule
),

parameters as (
    select
        min(pool_yuan) as pool_yuan,
        min(incentive_share) as incentive_share,
        min(incentive_basis) as incentive_basis,
        min(score_threshold) as score_threshold,
        -- sum(F): + what the city's budget paid to districts for work it devolved during the
        -- year, - what came back to it
        sum(devolved_yuan) as devolved_from_city_yuan,
        sum(total_yuan) as total_yuan,
        sum(standard_cost_yuan) as standard_cost_yuan
    from allocations
),

final as (
    select
        {{ run_stamp() }},
        parameters.pool_yuan,
        parameters.incentive_share,
        parameters.incentive_basis,
        parameters.score_threshold,
        payment_schedule.payment_schedule,
        cast({{ var('enforcement_pass_score') }} as numeric(5, 2)) as enforcement_pass_score,
        {{ to_yuan('parameters.devolved_from_city_yuan') }} as devolved_from_city_yuan,
        -- city-wide coverage (足额, domain.md): sum(total) / sum(S), half up to 6 decimals
        cast(
            {{ round_ratio_half_up('parameters.total_yuan', 'parameters.standard_cost_yuan', 6) }}
            as numeric(12, 6)
        ) as city_coverage
    from parameters
    cross join payment_schedule
    where parameters.pool_yuan is not null
)

select * from final
