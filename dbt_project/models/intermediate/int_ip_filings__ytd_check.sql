-- Each year-to-date row beside the sum of its months (January to its month); read by IP-YTD-SUM.
with ytd as (
    select * from {{ ref('int_ip_filings__current') }} where period_type = 'YTD'
),
months as (
    select * from {{ ref('int_ip_filings__current') }} where period_type = 'MONTH'
)
select
    y.period_year, y.period_month, y.right_type_code, y.origin_code, y.tech_group_code,
    y.file_name, y.source_row,
    y.received as ytd_received, y.processed as ytd_processed, y.granted as ytd_granted,
    sum(m.received) as months_received, sum(m.processed) as months_processed, sum(m.granted) as months_granted,
    count(m.period_month) as months_count,
    min(m.source_row) as first_month_row, max(m.source_row) as last_month_row
from ytd as y
join months as m
    on m.period_year = y.period_year and m.period_month <= y.period_month
   and m.right_type_code = y.right_type_code and m.origin_code = y.origin_code and m.tech_group_code = y.tech_group_code
group by all
