-- Every district's account balances: closing = opening + collected - spent_city_mgmt - diverted.
-- Returns the rows that do not.
with

compliance as (
    select * from {{ ref('kiosk_fee_compliance') }}
),

final as (
    select
        fiscal_year,
        as_of_date,
        district_code,
        opening_yuan,
        collected_yuan,
        spent_city_mgmt_yuan,
        diverted_yuan,
        closing_yuan
    from compliance
    where closing_yuan is distinct from
        opening_yuan + collected_yuan - spent_city_mgmt_yuan - diverted_yuan
)

select * from final
