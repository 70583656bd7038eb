select
    submission_id,
    source_row,
    period_type,
    month as period_month,
    right_type as right_type_code,
    origin as origin_code,
    coalesce(tech_group_code, 'ALL') as tech_group_code,
    received,
    processed,
    granted,
    pending_overdue,
    yoy_growth_pct,
    yoy_growth_pct_number,
    yoy_growth_pct_number_decimals as yoy_growth_pct_decimals
from {{ source('raw', 'ip_filing_rows') }}
