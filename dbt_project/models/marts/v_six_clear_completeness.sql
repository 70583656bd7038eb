-- Analyst view: how many tasks are clear on all six of the "6 rõ" (who, what, when, responsibility,
-- product, authority), per lead agency and for the whole country. Each task (dim_task) as described
-- in its most recent report; a field is missing when empty or blank. The fields are dim_task's
-- columns the task-status contract marks `six_clear`; a recurring task has no deadline by nature, so
-- 'when' is not required of it (as rule TS-SIX-CLEAR, which cites the rows).
{{ config(materialized='view') }}
with latest_status as (
    select task_key, arg_max(status_code, reporting_date) as status_code
    from {{ ref('fct_task_status') }}
    group by task_key
),
gaps as (
    select
        t.task_key,
        t.lead_agency_code,
        nullif(trim(t.responsible_person), '') is null as missing_who,
        nullif(trim(t.content), '') is null as missing_what,
        t.deadline is null and s.status_code is distinct from 'RECURRING' as missing_when,
        nullif(trim(t.responsible_unit), '') is null as missing_responsibility,
        nullif(trim(t.expected_product), '') is null as missing_product,
        nullif(trim(t.authority), '') is null as missing_authority
    from {{ ref('dim_task') }} as t
    left join latest_status as s using (task_key)
),
counted as (
    select
        case when grouping(lead_agency_code) = 1 then 'all' else 'agency' end as scope,
        lead_agency_code as agency_code,
        count(*) as tasks,
        count(*) filter (where not (missing_who or missing_what or missing_when or missing_responsibility
                                    or missing_product or missing_authority)) as tasks_six_clear,
        count(*) filter (where missing_who) as missing_who,
        count(*) filter (where missing_what) as missing_what,
        count(*) filter (where missing_when) as missing_when,
        count(*) filter (where missing_responsibility) as missing_responsibility,
        count(*) filter (where missing_product) as missing_product,
        count(*) filter (where missing_authority) as missing_authority
    from gaps
    group by rollup (lead_agency_code)
)
select
    c.scope,
    c.agency_code,
    a.name_vi as agency_name_vi,
    c.tasks,
    c.tasks_six_clear,
    c.tasks - c.tasks_six_clear as tasks_not_six_clear,
    c.missing_who,
    c.missing_what,
    c.missing_when,
    c.missing_responsibility,
    c.missing_product,
    c.missing_authority,
    cast(round(100 * c.tasks_six_clear / nullif(c.tasks, 0), 2) as decimal(9, 2)) as six_clear_pct
from counted as c
left join {{ ref('dim_agency') }} as a on a.agency_code = c.agency_code
