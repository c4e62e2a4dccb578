-- One row per kiosk licensed or paying in the run's fiscal year up to the as-of date: the fee the
-- kiosk owes for the months it was licensed in the year up to the as-of date, against what it paid
-- in that time, cast to the types kiosk_arrears publishes (the mart only stamps the run).
--
-- expected = area_m2 x monthly rate x months licensed, where a month counts licensed days in it /
-- days in it (a full calendar month counts 1). Licence dates are inclusive; no licensed_to means
-- open. Months add up exactly as fractions over a common denominator of month lengths, and only
-- the final amount is rounded to the fen, half up. Kiosks neither licensed nor paying in the year
-- up to the as-of date are left out; one that pays without a licence in the year shows the payment
-- as overpaid.
with

kiosks as (
    select * from {{ ref('stg_kiosks__kiosks') }}
),

fee_collections as (
    select * from {{ ref('stg_fee_collections__fee_collections') }}
),

months as (
    select
        make_date({{ fiscal_year() }}, month_number, 1) as month_start,
        cast(make_date({{ fiscal_year() }}, month_number, 1) + interval '1 month' as date)
            as next_month_start
    from generate_series(1, cast(extract(month from {{ as_of_date() }}) as integer)) as month_number
),

kiosk_months as (
    select
        kiosks.kiosk_id,
        months.month_start,
        months.next_month_start - months.month_start as days_in_month,
        least(
            coalesce(kiosks.licensed_to, {{ as_of_date() }}),
            months.next_month_start - 1,
            {{ as_of_date() }}
        ) - greatest(kiosks.licensed_from, months.month_start) + 1 as licensed_days
    from kiosks
    cross join months
),

kiosk_licences as (
    select
        kiosk_id,
        sum(licensed_days) as licensed_days,
        sum(licensed_days * ({{ month_fraction_denominator() }} / days_in_month))
            as months_licensed_numerator
    from kiosk_months
    where licensed_days > 0
    group by kiosk_id
),

kiosk_payments as (
    select
        kiosk_id,
        sum(amount_yuan) as paid_yuan
    from fee_collections
    where paid_at >= (cast({{ fiscal_year_start() }} as timestamp) at time zone 'Asia/Shanghai')
        and paid_at < {{ as_of_end_instant() }}
    group by kiosk_id
),

charged as (
    select
        kiosks.kiosk_id,
        kiosks.district_code,
        kiosks.kiosk_type,
        kiosks.permit_no,
        kiosks.area_m2,
        kiosks.monthly_rate_yuan_per_m2,
        cast(coalesce(kiosk_licences.licensed_days, 0) as integer) as licensed_days,
        cast(
            {{ round_ratio_half_up(
                'coalesce(kiosk_licences.months_licensed_numerator, 0)',
                month_fraction_denominator(),
                6
            ) }} as numeric(12, 6)
        ) as months_licensed,
        {{ to_yuan(round_ratio_half_up(
            'kiosks.area_m2 * kiosks.monthly_rate_yuan_per_m2'
            ~ ' * coalesce(kiosk_licences.months_licensed_numerator, 0)',
            month_fraction_denominator(),
            2
        )) }} as expected_yuan,
        {{ to_yuan('coalesce(kiosk_payments.paid_yuan, 0)') }} as paid_yuan
    from kiosks
    left join kiosk_licences
        on kiosk_licences.kiosk_id = kiosks.kiosk_id
    left join kiosk_payments
        on kiosk_payments.kiosk_id = kiosks.kiosk_id
    where kiosk_licences.kiosk_id is not null
        or kiosk_payments.kiosk_id is not null
),

final as (
    select
        kiosk_id,
        district_code,
        kiosk_type,
        permit_no,
        area_m2,
        monthly_rate_yuan_per_m2,
        licensed_days,
        months_licensed,
        expected_yuan,
        paid_yuan,
        {{ to_yuan('greatest(expected_yuan - paid_yuan, 0)') }} as arrears_yuan,
        {{ to_yuan('greatest(paid_yuan - expected_yuan, 0)') }} as overpaid_yuan
    from charged
)

select * from final
