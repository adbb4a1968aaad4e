{#-
  Every row-level rule of one model in one query: one dbt node per model and severity instead of one per
  rule (each node costs dbt tens of milliseconds however small the query). Returns one row per violation:
  `failed_check` names the rule, `failed_value` the offending value (as text), then the row itself; for
  `unique`, the key columns and `n_rows` of each duplicated key.
    not_null: [column, ...]                     not_null(column)
    ranges: {column: {min:, max:, where:}}      accepted_range(column, min..max): NULLs pass, either bound
                                                may be omitted, `where` (SQL) limits the rows checked
    accepted_values: {column: [value, ...]}     accepted_values(column): NULLs pass
    unique: [column, ...]                       unique(columns): the natural key
-#}
{% test column_checks(model, not_null=[], ranges={}, accepted_values={}, unique=[]) %}
{%- set checks = [] -%}
{%- for column in not_null -%}
  {%- do checks.append(("not_null(" ~ column ~ ")", column ~ " is null", column)) -%}
{%- endfor -%}
{%- for column, bounds in ranges.items() -%}
  {%- set low, high, where = bounds.get("min"), bounds.get("max"), bounds.get("where") -%}
  {%- set label = "accepted_range(" ~ column ~ ", " ~ (low if low is not none else "") ~ ".."
      ~ (high if high is not none else "") ~ (" where " ~ where if where else "") ~ ")" -%}
  {%- set outside = [] -%}
  {%- if low is not none %}{% do outside.append(column ~ " < " ~ low) %}{% endif -%}
  {%- if high is not none %}{% do outside.append(column ~ " > " ~ high) %}{% endif -%}
  {%- set condition = column ~ " is not null and (" ~ (outside | join(" or ") or "false") ~ ")"
      ~ (" and (" ~ where ~ ")" if where else "") -%}
  {%- do checks.append((label, condition, column)) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
  {%- set quoted = [] -%}
  {%- for value in values %}{% do quoted.append("'" ~ (value | replace("'", "''")) ~ "'") %}{% endfor -%}
  {%- set condition = column ~ " is not null and " ~ column ~ " not in (" ~ (quoted | join(", ")) ~ ")" -%}
  {%- do checks.append(("accepted_values(" ~ column ~ ")", condition, column)) -%}
{%- endfor -%}

{%- if checks %}
select _check.name as failed_check, _check.value as failed_value, * exclude (_checks, _check)
from (
    select unnest(_checks) as _check, *
    from (
        select
            list_filter([
            {%- for label, condition, column in checks %}
                case when {{ condition }}
                    then {'name': '{{ label | replace("'", "''") }}', 'value': cast({{ column }} as varchar)} end
                {{- "," if not loop.last }}
            {%- endfor %}
            ], lambda c: c is not null) as _checks,
            *
        from {{ model }}
        where {% for label, condition, column in checks %}({{ condition }}){{ "\n            or " if not loop.last }}{% endfor %}
    )
)
{%- endif %}
{%- if unique %}
{{ "union all by name" if checks }}
select
    'unique({{ unique | join(", ") }})' as failed_check,
    count(*) || ' rows' as failed_value,
    {{ unique | join(", ") }},
    count(*) as n_rows
from {{ model }}
group by {{ unique | join(", ") }}
having count(*) > 1
{%- endif %}
{%- if not checks and not unique %}
select null as failed_check, null as failed_value where false
{%- endif %}
{% endtest %}
