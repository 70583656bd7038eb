-- Each technology-group row in force beside the all-groups row of the same period, right type and
-- origin, one row per count; read by IP-GROUP-LE-ALL (a group's count cannot exceed all groups').
with groups as (
    unpivot (select * from {{ ref('int_ip_filings__current') }} where tech_group_code <> 'ALL')
    on received, processed, granted, pending_overdue into name measure value stated
),
all_groups as (
    unpivot (select * from {{ ref('int_ip_filings__current') }} where tech_group_code = 'ALL')
    on received, processed, granted, pending_overdue into name measure value stated
)
select
    g.period_type, g.period_month, g.period_year, g.right_type_code, g.origin_code, g.tech_group_code, g.measure,
    g.stated as group_value, g.submission_id, g.file_name, g.source_row,
    a.stated as all_value, a.submission_id as all_submission_id, a.file_name as all_file_name, a.source_row as all_source_row
from groups as g
join all_groups as a
    on a.period_type = g.period_type and a.period_month = g.period_month and a.right_type_code = g.right_type_code
   and a.origin_code = g.origin_code and a.measure = g.measure
