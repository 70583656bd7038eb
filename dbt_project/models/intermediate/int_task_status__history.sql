-- Each task in force beside its previous reporting date (status and dates as reported then);
-- read by TS-STATUS-REGRESSION and TS-RESTATED-DATES.
select
    *,
    lag(reporting_date) over history as previous_reporting_date,
    lag(status_code) over history as previous_status_code,
    lag(assigned_date) over history as previous_assigned_date,
    lag(completion_date) over history as previous_completion_date,
    lag(submission_id) over history as previous_submission_id,
    lag(file_name) over history as previous_file_name,
    lag(source_row) over history as previous_source_row
from {{ ref('int_task_status__current') }}
window history as (partition by programme_code, task_id order by reporting_date)
