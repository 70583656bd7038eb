-- Analyst view: each agency's tasks as its latest task-status report states them (the latest
-- reporting date per reporting agency in fct_task_status).
{{ config(materialized='view') }}
select
    task_key,
    programme_code,
    reporting_agency_code,
    lead_agency_code,
    reporting_date,
    status_code,
    assigned_date,
    deadline,
    completion_date,
    days_to_deadline,
    is_completed,
    status_code = 'IN_PROGRESS_OVERDUE' as is_overdue,
    submission_id,
    file_name,
    source_row
from {{ ref('fct_task_status') }}
qualify reporting_date = max(reporting_date) over (partition by reporting_agency_code)
