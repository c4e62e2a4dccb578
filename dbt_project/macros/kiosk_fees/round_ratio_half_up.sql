{#- numerator / denominator rounded to `scale` decimals, half away from zero (half up on
    magnitudes, as the finance bureau rounds by hand), exactly: integer division on numeric,
    never a rounded quotient, so a value lying exactly on .5 of the last place cannot drift.
    Null when the denominator is 0. -#}
{% macro round_ratio_half_up(numerator, denominator, scale) -%}
    case
        when ({{ denominator }}) = 0 then null
        else
            sign({{ numerator }}) * sign({{ denominator }})
            * div(
                2 * abs({{ numerator }}) * 1{{ '0' * scale }} + abs({{ denominator }}),
                2 * abs({{ denominator }})
            )
            / 1{{ '0' * scale }}
    end
{%- endmacro %}

{#- A common denominator of every month length (28, 29, 30, 31 days): a licensed day of a month
    of n days weighs (this / n) / this of a month, an integer numerator, so months licensed add up
    exactly before the one final rounding. -#}
{% macro month_fraction_denominator() -%}
    377580
{%- endmacro %}
