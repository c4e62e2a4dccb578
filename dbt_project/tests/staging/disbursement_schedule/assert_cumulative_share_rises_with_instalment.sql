-- sources.md: a schedule's cumulative share rises with the instalment. A delivered schedule
-- where a later instalment's share is not above an earlier one's stops publication (a row check
-- cannot see it: it spans rows).
with instalments as (
    select * from {{ ref('stg_disbursement_schedule__instalments') }}
),

ordered as (
    select
        fiscal_year,
        instalment,
        cumulative_share,
        lag(cumulative_share) over (partition by fiscal_year order by instalment) as previous_share
    from instalments
)

select * from ordered
where cumulative_share <= previous_share
