-- Each year-to-date row that states a growth, beside the same period of the previous year; read by IP-YOY-GROWTH.
select
    c.period_year, c.period_month, c.right_type_code, c.origin_code, c.tech_group_code,
    c.submission_id, c.file_name, c.source_row,
    c.yoy_growth_pct, c.yoy_growth_pct_number, c.yoy_growth_pct_decimals,
    c.received as current_received,
    p.received as previous_received,
    p.submission_id as previous_submission_id,
    p.file_name as previous_file_name,
    p.source_row as previous_source_row
from {{ ref('int_ip_filings__current') }} as c
join {{ ref('int_ip_filings__current') }} as p
    on p.period_type = 'YTD' and p.period_year = c.period_year - 1
   and month(p.period_month) = month(c.period_month)
   and p.right_type_code = c.right_type_code and p.origin_code = c.origin_code and p.tech_group_code = c.tech_group_code
where c.period_type = 'YTD' and c.yoy_growth_pct_number is not null
