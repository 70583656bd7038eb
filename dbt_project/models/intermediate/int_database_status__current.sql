-- Database readiness in force: one row per database and reporting date (the owner's row wins over
-- another agency's, int_database_status__reported), with the stage, file and row of the previous
-- reporting date; read by DB-STAGE-REGRESSION, DB-STARTED-NOT-FUNDED, DB-CONNECTED-HIGH-RISK.
select
    *,
    lag(stage_code) over history as previous_stage_code,
    lag(stage_order) over history as previous_stage_order,
    lag(reporting_date) over history as previous_reporting_date,
    lag(submission_id) over history as previous_submission_id,
    lag(file_name) over history as previous_file_name,
    lag(source_row) over history as previous_source_row
from {{ ref('int_database_status__reported') }}
where is_in_force
window history as (partition by database_code order by reporting_date)
