-- IP Office figures: one row per period (a month, or year to date), right type, applicant origin
-- and technology group (ALL = across groups).
select
    period_type || '|' || strftime(period_month, '%Y-%m') || '|' || right_type_code || '|' || origin_code || '|' || tech_group_code as ip_filing_key,
    period_type,
    period_month,
    period_year,
    cast(month(period_month) as integer) as period_month_number,
    cast(strftime(period_month, '%Y%m%d') as integer) as period_date_key,
    right_type_code,
    origin_code,
    tech_group_code,
    received,
    processed,
    granted,
    pending_overdue,
    yoy_growth_pct_number as yoy_growth_pct,
    submission_id,
    file_name,
    source_row
from {{ ref('int_ip_filings__current') }}
