{#- Rows of `model` whose (subject_id, `column_name`) has no row in the calendar spine `to`. -#}
{% test relationship_days(model, column_name, to) %}
select m.*
from {{ model }} m
left join {{ to }} d on d.subject_id = m.subject_id and d.date_day = m.{{ column_name }}
where m.{{ column_name }} is not null and d.date_day is null
{% endtest %}
