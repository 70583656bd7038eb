-- What each agency declared about its own tasks, per programme and reporting date.
{{ incremental_by_reporting_date('task_summary') }}
-- Incremental by reporting date (macros/incremental_by_reporting_date.sql): an incremental run
-- recomputes only the dates whose task_summary submissions in force changed.
-- depends_on: {{ ref('int_submissions__current') }}
select
    agency_code || ':' || programme_code || '@' || strftime(reporting_date, '%Y-%m-%d') as summary_key,
    agency_code,
    programme_code,
    cast(strftime(reporting_date, '%Y%m%d') as integer) as reporting_date_key,
    reporting_date,
    declared_total,
    declared_recurring,
    declared_completed,
    declared_completed_on_time,
    declared_completed_late,
    declared_in_progress_on_time,
    declared_in_progress_overdue,
    submission_id,
    file_name,
    source_row
from {{ ref('int_task_summary__current') }}
where {{ reporting_date_filter('task_summary', 'reporting_date') }}
