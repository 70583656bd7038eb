-- What each agency declared about its own tasks, per programme and reporting date.
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
