-- Each step of a line's cumulative disbursement (one as-of date to the next) as two figures, the
-- earlier ('disbursed_before') and the later ('disbursed_now'), each with its own file, row and
-- written interval; read by BUD-DISBURSEMENT-DECREASES, which compares the two intervals.
with steps as (
    select * from {{ ref('int_budget__disbursement_series') }} where previous_as_of is not null
)
select
    agency_code, budget_year, source_code, nature_code, field_code, block_code, level_code,
    as_of as step_as_of, previous_as_of as step_from,
    'disbursed_now' as metric, as_of, submission_id, file_name, source_row, amount_as_written, amount_unit,
    amount_ty, amount_low_ty, amount_high_ty
from steps
union all
select
    agency_code, budget_year, source_code, nature_code, field_code, block_code, level_code,
    as_of, previous_as_of,
    'disbursed_before', previous_as_of, previous_submission_id, previous_file_name, previous_source_row, previous_amount_as_written,
    previous_amount_unit, previous_amount_ty, previous_amount_low_ty, previous_amount_high_ty
from steps
