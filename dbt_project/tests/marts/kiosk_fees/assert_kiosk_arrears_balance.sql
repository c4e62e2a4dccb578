-- Every kiosk's arrears and overpayment are the two sides of expected - paid, at most one of them
-- non-zero. Returns the kiosks where that fails.
with

arrears as (
    select * from {{ ref('kiosk_arrears') }}
),

final as (
    select *
    from arrears
    where expected_yuan - paid_yuan <> arrears_yuan - overpaid_yuan
        or arrears_yuan < 0
        or overpaid_yuan < 0
        or (arrears_yuan > 0 and overpaid_yuan > 0)
)

select * from final
