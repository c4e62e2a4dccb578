-- A district's devolved_yuan (F_d, its exact sum rounded once) and its rows of devolved_funding
-- (each rounded half up to the fen) differ by no more than those roundings can: half a fen per
-- row and half a fen for F_d. A district with no row has F_d = 0. Fails with one row per
-- district where that does not hold.
with allocation as (
    select * from {{ ref('district_allocation') }}
),

devolved as (
    select * from {{ ref('devolved_funding') }}
),

per_district as (
    select
        fiscal_year,
        as_of_date,
        district_code,
        count(*) as transfers,
        sum(amount_yuan) as amount_yuan
    from devolved
    group by fiscal_year, as_of_date, district_code
),

final as (
    select
        allocation.fiscal_year,
        allocation.as_of_date,
        allocation.district_code,
        allocation.devolved_yuan,
        per_district.amount_yuan,
        per_district.transfers
    from allocation
    left join per_district
        on per_district.fiscal_year = allocation.fiscal_year
        and per_district.as_of_date = allocation.as_of_date
        and per_district.district_code = allocation.district_code
    where abs(allocation.devolved_yuan - coalesce(per_district.amount_yuan, 0))
        > 0.005 * (coalesce(per_district.transfers, 0) + 1)
)

select * from final
