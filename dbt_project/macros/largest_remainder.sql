{#- Split `total_fen` of each group in proportion to `num` / `den` (den: the group's sum of num)
    to the fen, by largest remainder: floor every share to the fen, then hand the fen left over
    one each to the largest remainders, ties to the smallest `tiebreak`. Integer arithmetic on
    numeric throughout, so the shares add up to the total exactly.
    `relation` must have columns num, den and total_fen; adds floor_fen, remainder and
    allocated_fen. -#}
{% macro largest_remainder(relation, group_by, tiebreak) -%}
    select
        ranked.*,
        ranked.floor_fen + case when ranked.remainder_rank <= ranked.leftover_fen then 1 else 0 end
            as allocated_fen
    from (
        select
            floored.*,
            floored.total_fen - sum(floored.floor_fen) over (partition by {{ group_by }}) as leftover_fen,
            row_number() over (
                partition by {{ group_by }} order by floored.remainder desc, {{ tiebreak }}
            ) as remainder_rank
        from (
            select
                floor_division.*,
                case
                    when floor_division.den = 0 then 0
                    else floor_division.total_fen * floor_division.num
                        - floor_division.floor_fen * floor_division.den
                end as remainder
            from (
                -- floored, not truncated: a negative total (a district's total that money
                -- which followed the task took below 0, split between its streets) floors down
                -- too, so that every remainder is >= 0 and the fen left over are handed out
                select
                    r.*,
                    case
                        when r.den = 0 then 0
                        else div(r.total_fen * r.num, r.den) - case
                            when mod(r.total_fen * r.num, r.den) <> 0
                                and (r.total_fen * r.num < 0) <> (r.den < 0)
                                then 1
                            else 0
                        end
                    end as floor_fen
                from {{ relation }} r
            ) floor_division
        ) floored
    ) ranked
{%- endmacro %}
