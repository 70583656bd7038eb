select
    submission_id,
    source_row,
    programme_code,
    total as declared_total,
    recurring as declared_recurring,
    completed as declared_completed,
    completed_on_time as declared_completed_on_time,
    completed_late as declared_completed_late,
    in_progress_on_time as declared_in_progress_on_time,
    in_progress_overdue as declared_in_progress_overdue
from {{ source('raw', 'task_summary_rows') }}
