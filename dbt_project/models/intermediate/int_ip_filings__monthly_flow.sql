-- Each month row in force beside the row of the month before (same right type, origin and group):
-- what the office could process in a month is what it received plus the overdue backlog at the end
-- of the previous month; read by IP-PROCESSED-LE-AVAILABLE (no previous month stated: no check).
with months as (
    select * from {{ ref('int_ip_filings__current') }} where period_type = 'MONTH'
)
select
    m.period_month, m.period_year, m.right_type_code, m.origin_code, m.tech_group_code,
    m.received, m.processed, m.submission_id, m.file_name, m.source_row,
    p.period_month as previous_month,
    p.pending_overdue as previous_pending_overdue,
    p.submission_id as previous_submission_id,
    p.file_name as previous_file_name,
    p.source_row as previous_source_row
from months as m
left join months as p
    on p.period_month = m.period_month - interval 1 month
   and p.right_type_code = m.right_type_code and p.origin_code = m.origin_code and p.tech_group_code = m.tech_group_code
