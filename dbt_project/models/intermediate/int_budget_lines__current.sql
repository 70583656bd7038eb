-- Budget lines of the submissions in force, with agency, as-of date and amounts in đồng and tỷ đồng.
-- Amounts stay exact decimals: the declared unit scales by an exact factor.
select
    s.agency_code,
    s.reporting_date as as_of,
    s.file_name,
    b.*,
    cast(b.amount_number * case b.amount_unit when 'DONG' then 1 when 'TRIEU' then 1000000 when 'TY' then 1000000000 end
         as decimal(38, 3)) as amount_vnd,
    cast(b.amount_number * case b.amount_unit when 'DONG' then 0.000000001 when 'TRIEU' then 0.001 when 'TY' then 1 end
         as decimal(38, 9)) as amount_ty
from {{ ref('stg_budget_lines') }} as b
join {{ ref('int_submissions__current') }} as s
    on s.submission_id = b.submission_id and s.domain = 'budget'
