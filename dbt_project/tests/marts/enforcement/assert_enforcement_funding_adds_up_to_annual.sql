-- Every district's released, withheld and pending funding add up to its annual funding, which is
-- its headcount times the yuan per head, and each sum is the quarters of its status: a quarter's
-- amount is a quarter of annual rounded half up, the fourth the rest. Returns the rows that fail.
with

funding as (
    select * from {{ ref('enforcement_funding') }}
),

quarter_amounts as (
    select
        *,
        round(annual_yuan / 4, 2) as first_three_yuan,
        annual_yuan - 3 * round(annual_yuan / 4, 2) as fourth_yuan
    from funding
),

summed as (
    select
        *,
        {%- for status in ['released', 'withheld', 'pending'] %}
        (case when q1_status = '{{ status }}' then first_three_yuan else 0 end)
        + (case when q2_status = '{{ status }}' then first_three_yuan else 0 end)
        + (case when q3_status = '{{ status }}' then first_three_yuan else 0 end)
        + (case when q4_status = '{{ status }}' then fourth_yuan else 0 end) as expected_{{ status }}_yuan{{ ',' if not loop.last }}
        {%- endfor %}
    from quarter_amounts
),

final as (
    select *
    from summed
    where annual_yuan <> approved_headcount * yuan_per_head
        or released_yuan + withheld_yuan + pending_yuan <> annual_yuan
        or released_yuan <> expected_released_yuan
        or withheld_yuan <> expected_withheld_yuan
        or pending_yuan <> expected_pending_yuan
)

select * from final
