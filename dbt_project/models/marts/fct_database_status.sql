-- Periodic snapshot: one row per database per reporting date, from the submissions in force. When
-- two agencies report one database at one date, the owner's row is kept (the other stays in raw and
-- is a DB-NOT-OWNER finding); a row from another agency is kept only when the owner sent none.
select
    database_code || '@' || strftime(reporting_date, '%Y-%m-%d') as database_status_key,
    database_code,
    reporting_agency_code,
    owner_agency_code,
    is_reported_by_owner,
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
