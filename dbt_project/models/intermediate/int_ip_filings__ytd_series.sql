-- Each year-to-date row in force beside the previous year-to-date row of the same year (same right
-- type, origin and group), one row per count; read by IP-YTD-DECREASES (a year-to-date count never
-- goes down within a year).
with ytd as (
    unpivot (select * from {{ ref('int_ip_filings__current') }} where period_type = 'YTD')
    on received, processed, granted into name measure value stated
)
select
    period_month, period_year, right_type_code, origin_code, tech_group_code, measure,
    stated, submission_id, file_name, source_row,
    lag(period_month) over series as previous_month,
    lag(stated) over series as previous_stated,
    lag(submission_id) over series as previous_submission_id,
    lag(file_name) over series as previous_file_name,
    lag(source_row) over series as previous_source_row
from ytd
window series as (partition by period_year, right_type_code, origin_code, tech_group_code, measure order by period_month)
