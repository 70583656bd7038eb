-- Analyst view: each agency's budget lines at its latest as-of date, per budget year and stage
-- (a stage's figures come from different files and dates: disbursement from the State Treasury).
{{ config(materialized='view') }}
select
    agency_code,
    budget_year,
    stage_code,
    as_of,
    source_code,
    nature_code,
    field_code,
    block_code,
    level_code,
    is_total_line,
    amount_ty,
    submission_id,
    file_name,
    source_row
from {{ ref('fct_budget_line') }}
qualify as_of = max(as_of) over (partition by agency_code, budget_year, stage_code)
