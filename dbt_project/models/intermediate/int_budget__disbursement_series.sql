-- Cumulative disbursement of each budget line over its as-of dates, with the previous figure;
-- read by rule BUD-DISBURSEMENT-DECREASES (cumulative disbursement must never go down).
select
    *,
    lag(amount_ty) over line as previous_amount_ty,
    lag(as_of) over line as previous_as_of,
    lag(file_name) over line as previous_file_name,
    lag(source_row) over line as previous_source_row
from {{ ref('int_budget_lines__current') }}
where stage_code = 'DISBURSED'
window line as (
    partition by agency_code, budget_year, source_code, nature_code, field_code, block_code, level_code
    order by as_of
)
