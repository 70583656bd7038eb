-- Periodic snapshot: one row per task per reporting date, from the submission in force.
{{ incremental_by_reporting_date('task_status') }}
-- Incremental by reporting date (macros/incremental_by_reporting_date.sql): an incremental run
-- recomputes only the dates whose task_status submissions in force changed.
-- depends_on: {{ ref('int_submissions__current') }}
select
    t.programme_code || ':' || t.task_id || '@' || strftime(t.reporting_date, '%Y-%m-%d') as task_snapshot_key,
    t.programme_code || ':' || t.task_id as task_key,
    cast(strftime(t.reporting_date, '%Y%m%d') as integer) as reporting_date_key,
    t.reporting_date,
    t.reporting_agency_code,
    t.lead_agency_code,
    t.programme_code,
    t.status_code,
    t.assigned_date,
    t.deadline,
    t.completion_date,
    cast(t.deadline - t.reporting_date as integer) as days_to_deadline,
    s.is_completed,
    t.submission_id,
    t.file_name,
    t.source_row
from {{ ref('int_task_status__current') }} as t
join {{ ref('stg_reference__task_statuses') }} as s using (status_code)
where {{ reporting_date_filter('task_status', 't.reporting_date') }}
