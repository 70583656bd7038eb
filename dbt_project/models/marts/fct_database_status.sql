-- Periodic snapshot: one row per database per reporting date, from the submission in force.
select
    database_code || '@' || strftime(reporting_date, '%Y-%m-%d') as database_status_key,
    database_code,
    reporting_agency_code,
    reporting_date,
    cast(strftime(reporting_date, '%Y%m%d') as integer) as reporting_date_key,
    stage_code,
    stage_order,
    is_funded,
    is_high_risk,
    stage_change_reason,
    previous_stage_code,
    previous_reporting_date,
    coalesce(stage_order < previous_stage_order, false) as moved_back,
    submission_id,
    file_name,
    source_row
from {{ ref('int_database_status__current') }}
