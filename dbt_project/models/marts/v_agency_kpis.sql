-- Analyst view: one row per agency with a current task, database or budget figure: its tasks
-- (latest task-status report), its databases by stage (latest database report) and its
-- disbursement rate (latest budget year, fct_budget_execution).
{{ config(materialized='view') }}
with tasks as (
    select
        reporting_agency_code as agency_code,
        max(reporting_date) as task_reporting_date,
        count(*) as tasks_assigned,
        count(*) filter (where is_completed) as tasks_completed,
        count(*) filter (where is_overdue) as tasks_overdue
    from {{ ref('v_current_task_status') }}
    group by all
),
databases as (
    select
        reporting_agency_code as agency_code,
        max(reporting_date) as database_reporting_date,
        count(*) filter (where stage_code = 'NOT_STARTED') as databases_not_started,
        count(*) filter (where stage_code = 'IN_PROGRESS') as databases_in_progress,
        count(*) filter (where stage_code = 'PLATFORM_READY') as databases_platform_ready,
        count(*) filter (where stage_code = 'CONNECTED') as databases_connected
    from {{ ref('v_current_database_status') }}
    group by all
),
budget as (
    -- lines with an allocation only (a disbursement without one has no rate), latest such year
    select
        agency_code,
        budget_year,
        sum(allocated_ty) as allocated_ty,
        sum(disbursed_ty) as disbursed_ty
    from {{ ref('fct_budget_execution') }} as e
    where allocated_ty is not null
      and budget_year = (select max(budget_year) from {{ ref('fct_budget_execution') }}
                         where agency_code = e.agency_code and allocated_ty is not null)
    group by agency_code, budget_year
)
select
    a.agency_code,
    a.name_vi as agency_name_vi,
    t.task_reporting_date,
    coalesce(t.tasks_assigned, 0) as tasks_assigned,
    coalesce(t.tasks_completed, 0) as tasks_completed,
    coalesce(t.tasks_overdue, 0) as tasks_overdue,
    cast(round(100 * t.tasks_completed / nullif(t.tasks_assigned, 0), 2) as decimal(9, 2)) as task_completion_rate_pct,
    d.database_reporting_date,
    coalesce(d.databases_not_started, 0) as databases_not_started,
    coalesce(d.databases_in_progress, 0) as databases_in_progress,
    coalesce(d.databases_platform_ready, 0) as databases_platform_ready,
    coalesce(d.databases_connected, 0) as databases_connected,
    b.budget_year,
    cast(b.allocated_ty as decimal(38, 9)) as allocated_ty,
    cast(b.disbursed_ty as decimal(38, 9)) as disbursed_ty,
    cast(round(100 * b.disbursed_ty / nullif(b.allocated_ty, 0), 2) as decimal(9, 2)) as disbursement_rate_pct
from {{ ref('dim_agency') }} as a
left join tasks as t using (agency_code)
left join databases as d using (agency_code)
left join budget as b using (agency_code)
where t.agency_code is not null or d.agency_code is not null or b.agency_code is not null
