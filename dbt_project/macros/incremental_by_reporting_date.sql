{#-
Facts kept incrementally, one partition per reporting date (fct_task_status, fct_task_summary_declared).

Which dates to recompute is read from the data, not from arrival time: marts.incremental_inputs holds,
for each such fact, the submissions in force (int_submissions__current) it was built from, per
reporting date. A date is touched when that set differs from the set in force now: a new date, a
corrected resend superseding a file, a second agency's file at a date already held, a file no longer
in force. An incremental run computes only the touched dates (the model filters on
reporting_date_filter, a literal list DuckDB pushes down through the views) and replaces them whole
(strategy replace_reporting_dates: a date whose rows all went away is emptied too, which
delete+insert on a unique_key cannot do); the post-hook then records the sets now in force, in the
same transaction as the rows. A fact's rows of one date depend only on that date's submissions and
on inputs that are not submissions (reference data, contracts, this project's SQL): when those change,
the transform step runs `dbt build --full-refresh` (pipelines/build_state.py), and a full refresh
rebuilds the fact and its record from everything.
-#}

{% macro incremental_inputs_relation() -%}
    {{ return(api.Relation.create(database=this.database, schema=this.schema, identifier='incremental_inputs')) }}
{%- endmacro %}

{% macro _in_force_inputs(domain) -%}
    select reporting_date, submission_id
    from {{ ref('int_submissions__current') }}
    where domain = '{{ domain }}'
{%- endmacro %}

{#- The reporting dates an incremental run must recompute, as ISO strings; [] when parsing. -#}
{% macro touched_reporting_dates(domain) %}
    {% if not execute %}{{ return([]) }}{% endif %}
    {% set ledger = adapter.get_relation(database=this.database, schema=this.schema, identifier='incremental_inputs') %}
    {% if ledger is none %}
        {#- a fact built before its inputs were recorded (or by hand): every date it or the submissions hold -#}
        {% set query %}
            select distinct reporting_date from ({{ _in_force_inputs(domain) }})
            union select distinct reporting_date from {{ this }}
        {% endset %}
    {% else %}
        {% set query %}
            with now_in_force as ({{ _in_force_inputs(domain) }}),
            built as (select reporting_date, submission_id from {{ ledger }} where model = '{{ this.identifier }}')
            select distinct reporting_date from (
                (select * from now_in_force except select * from built)
                union all
                (select * from built except select * from now_in_force)
            )
        {% endset %}
    {% endif %}
    {% set dates = [] %}
    {% for row in run_query(query ~ ' order by 1').rows %}
        {% do dates.append(row[0].isoformat()) %}
    {% endfor %}
    {{ return(dates) }}
{% endmacro %}

{% macro _date_list(dates) -%}
    {%- if dates -%}
        {%- for d in dates %}date '{{ d }}'{{ ', ' if not loop.last }}{% endfor -%}
    {%- else -%}
        null
    {%- endif -%}
{%- endmacro %}

{#- The model's filter: the touched dates on an incremental run, everything on a full build. -#}
{% macro reporting_date_filter(domain, column='reporting_date') -%}
    {%- if is_incremental() -%}
        {{ column }} in ({{ _date_list(touched_reporting_dates(domain)) }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- Incremental strategy `replace_reporting_dates`: delete every touched date, insert what was computed. -#}
{% macro get_incremental_replace_reporting_dates_sql(arg_dict) %}
    {%- set domain = config.get('meta')['input_domain'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where reporting_date in ({{ _date_list(touched_reporting_dates(domain)) }});
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}

{#- Post-hook: the submissions in force this fact is now built from (its record replaced whole). -#}
{% macro record_incremental_inputs(domain) %}
    create table if not exists {{ incremental_inputs_relation() }} (
        model varchar not null, reporting_date date not null, submission_id varchar not null);
    {#- the ledger is no model, so persist_docs cannot describe it: the warehouse must describe every mart table -#}
    comment on table {{ incremental_inputs_relation() }} is 'Bookkeeping of the incremental facts: the submissions in force each was last built from, per reporting date (macros/incremental_by_reporting_date.sql). Not for analysis.';
    comment on column {{ incremental_inputs_relation() }}.model is 'The fact (fct_task_status, fct_task_summary_declared).';
    comment on column {{ incremental_inputs_relation() }}.reporting_date is 'Reporting date of the partition.';
    comment on column {{ incremental_inputs_relation() }}.submission_id is 'A submission in force at that date when the partition was built (audit.submissions).';
    delete from {{ incremental_inputs_relation() }} where model = '{{ this.identifier }}';
    insert into {{ incremental_inputs_relation() }}
    select '{{ this.identifier }}', reporting_date, submission_id from ({{ _in_force_inputs(domain) }})
{% endmacro %}

{#- The config of such a fact: `{{ incremental_by_reporting_date('task_status') }}` at the top of the model. -#}
{% macro incremental_by_reporting_date(domain) %}
    {{ config(
        materialized='incremental',
        incremental_strategy='replace_reporting_dates',
        on_schema_change='fail',
        meta={'input_domain': domain},
        post_hook="{{ record_incremental_inputs('" ~ domain ~ "') }}"
    ) }}
{% endmacro %}
