{#- Models land in the schema they name (staging, intermediate, gold), not "<target>_<name>". -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}
