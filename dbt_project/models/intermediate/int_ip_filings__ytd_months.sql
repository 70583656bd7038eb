-- The months of each year-to-date row of int_ip_filings__ytd_check (January to its month, in force),
-- summed per count and per file they come from, with their rows: every figure IP-YTD-SUM compares
-- cites its own file, even when a later file restated some of the months.
with months as (
    unpivot (select * from {{ ref('int_ip_filings__current') }} where period_type = 'MONTH')
    on received, processed, granted into name measure value stated
)
select
    y.period_year, y.period_month, y.right_type_code, y.origin_code, y.tech_group_code, m.measure,
    m.submission_id,
    m.file_name,
    sum(m.stated) as months_value,
    min(m.period_month) as first_month,
    max(m.period_month) as last_month,
    count(*) as months_count,
    string_agg(m.source_row::varchar, ', ' order by m.period_month) as source_rows,
    list(m.source_row order by m.period_month) as source_row_list
from {{ ref('int_ip_filings__ytd_check') }} as y
join months as m
    on m.period_year = y.period_year and m.period_month <= y.period_month
   and m.right_type_code = y.right_type_code and m.origin_code = y.origin_code and m.tech_group_code = y.tech_group_code
group by all
