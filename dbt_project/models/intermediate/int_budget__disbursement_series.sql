-- Cumulative disbursement of each budget line over its as-of dates, with the previous figure as
-- written (value, unit, interval, file and row); cumulative disbursement must never go down.
select
    *,
    lag(amount_ty) over line as previous_amount_ty,
    lag(amount_low_ty) over line as previous_amount_low_ty,
    lag(amount_high_ty) over line as previous_amount_high_ty,
    lag(amount_as_written) over line as previous_amount_as_written,
    lag(amount_unit) over line as previous_amount_unit,
    lag(as_of) over line as previous_as_of,
    lag(submission_id) over line as previous_submission_id,
    lag(file_name) over line as previous_file_name,
    lag(source_row) over line as previous_source_row
from {{ ref('int_budget_lines__current') }}
where stage_code = 'DISBURSED'
window line as (
    partition by agency_code, budget_year, source_code, nature_code, field_code, block_code, level_code
    order by as_of
)
