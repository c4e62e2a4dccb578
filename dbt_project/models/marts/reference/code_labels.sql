-- One row per vocabulary per code: the label table analysts read beside the published figures.
with labels as (
    select * from {{ ref('seed_code_labels') }}
),

final as (
    select
        vocabulary,
        code,
        label_zh,
        label_en
    from labels
)

select * from final
