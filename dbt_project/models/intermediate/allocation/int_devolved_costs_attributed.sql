-- One row per district per transfer that moved money to or from it in the fiscal year of the
-- as-of date: money follows the task (费随事转, domain.md "The allocation").
--
-- A day of measured, rated work whose holder (the city, or a district whatever tier inside it)
-- is not its baseline holder (the holder on 1 January, standing transfers included) moves that
-- day's cost from the baseline holder to the holder: + to a receiving district, - to a giving
-- one; the city's side is its own budget and has no row. Each such day is the doing of the
-- transfer in force on it (the pair's own, or that of the road a bridge or an adopted road
-- follows). yuan_days is exact; amount_yuan is it / D_Y rounded half up to the fen, row by row,
-- while a district's devolved total (int_district_allocations_split) rounds its exact sum once.
with segments as (
    select * from {{ ref('int_asset_work_days_segmented') }}
    where quantity is not null
        and rate_yuan is not null
),

transfers as (
    select * from {{ ref('stg_asset_transfers__asset_transfers') }}
),

moved as (
    select
        transfer_id,
        coalesce(baseline_district_code, 'city') as from_holder,
        coalesce(district_code, 'city') as to_holder,
        baseline_district_code,
        district_code,
        cost_yuan_days
    from segments
    where district_code is distinct from baseline_district_code
),

legs as (
    select
        transfer_id,
        district_code,
        from_holder,
        to_holder,
        cost_yuan_days
    from moved
    where district_code is not null

    union all

    select
        transfer_id,
        baseline_district_code as district_code,
        from_holder,
        to_holder,
        -cost_yuan_days
    from moved
    where baseline_district_code is not null
),

summed as (
    select
        transfer_id,
        district_code,
        sum(cost_yuan_days) as yuan_days
    from legs
    group by transfer_id, district_code
),

-- the parties named on a row: those of the most money the row moved (one pair of them but for
-- a `*` transfer of work that began the year with different holders)
parties as (
    select distinct on (transfer_id, district_code)
        transfer_id,
        district_code,
        from_holder,
        to_holder
    from (
        select
            transfer_id,
            district_code,
            from_holder,
            to_holder,
            sum(abs(cost_yuan_days)) as yuan_days
        from legs
        group by transfer_id, district_code, from_holder, to_holder
    ) as by_parties
    order by transfer_id, district_code, yuan_days desc, from_holder, to_holder
),

final as (
    select
        summed.district_code,
        summed.transfer_id,
        transfers.asset_id,
        transfers.work_type,
        parties.from_holder,
        parties.to_holder,
        transfers.effective_on as effective_date,
        transfers.decree_ref,
        summed.yuan_days,
        {{ to_yuan('round(summed.yuan_days / ' ~ days_in_fiscal_year() ~ ', 2)') }} as amount_yuan
    from summed
    inner join parties
        on parties.transfer_id = summed.transfer_id
        and parties.district_code = summed.district_code
    left join transfers
        on transfers.transfer_id = summed.transfer_id
)

select * from final
