-- Each earlier statement of a period by the IP Office (a file in force whose row the marts do not
-- keep) beside the statement in force, one row per count; read by IP-RESTATED, which cites both
-- files and rows when the counts differ.
with statements as (
    unpivot (select * from {{ ref('int_ip_filings__statements') }} where is_ip_office)
    on received, processed, granted, pending_overdue into name measure value stated
),
in_force as (
    unpivot (select * from {{ ref('int_ip_filings__current') }})
    on received, processed, granted, pending_overdue into name measure value stated
)
select
    c.period_type, c.period_month, c.period_year, c.right_type_code, c.origin_code, c.tech_group_code, c.measure,
    e.stated as earlier_value,
    e.submission_id as earlier_submission_id,
    e.file_name as earlier_file_name,
    e.source_row as earlier_source_row,
    e.reporting_date as earlier_reporting_date,
    c.stated as in_force_value,
    c.submission_id as in_force_submission_id,
    c.file_name as in_force_file_name,
    c.source_row as in_force_source_row,
    c.reporting_date as in_force_reporting_date
from in_force as c
join statements as e
    on e.period_type = c.period_type and e.period_month = c.period_month and e.right_type_code = c.right_type_code
   and e.origin_code = c.origin_code and e.tech_group_code = c.tech_group_code and e.measure = c.measure
   and e.submission_id <> c.submission_id
