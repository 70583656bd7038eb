select
    submission_id,
    source_row,
    database_code,
    stage as stage_code,
    cast(funded as boolean) as is_funded,
    cast(high_risk as boolean) as is_high_risk,
    stage_change_reason
from {{ source('raw', 'database_status_rows') }}
