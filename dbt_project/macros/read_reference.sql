{#- Read one reference CSV from sources/reference with every column typed as declared (no sniffing). -#}
{% macro read_reference(file_name, columns) -%}
read_csv('{{ var("reference_dir") }}/{{ file_name }}', header = true, auto_detect = false, columns = {{ columns }})
{%- endmacro %}
