{#- Sources whose newest row in `model` is older than `max_age_days` (default: the var
    `freshness_warn_days`) by `time_column`: one row per stale source, with its latest day and age. -#}
{% test source_freshness(model, time_column, max_age_days=none) %}
{%- set days = max_age_days if max_age_days is not none else var('freshness_warn_days', 14) -%}
select
    _source,
    cast(max({{ time_column }}) as date) as latest_day,
    current_date - cast(max({{ time_column }}) as date) as age_days
from {{ model }}
group by _source
having current_date - cast(max({{ time_column }}) as date) > {{ days }}
{% endtest %}
