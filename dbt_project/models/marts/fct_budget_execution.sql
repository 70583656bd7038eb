-- Allocation against disbursement per agency, year, source and block: the total lines of the
-- latest allocation and the latest State Treasury disbursement figure, and the rate.
with totals as (
    select * from {{ ref('int_budget__latest_by_stage') }}
    where nature_code = 'ALL' and field_code = 'ALL' and stage_code in ('ALLOCATED', 'DISBURSED')
)
select
    agency_code || '|' || budget_year || '|' || source_code || '|' || block_code || '|' || level_code as budget_execution_key,
    agency_code,
    budget_year,
    source_code,
    block_code,
    level_code,
    max(amount_ty) filter (where stage_code = 'ALLOCATED') as allocated_ty,
    max(amount_ty) filter (where stage_code = 'DISBURSED') as disbursed_ty,
    max(as_of) filter (where stage_code = 'DISBURSED') as disbursed_as_of,
    cast(round(100 * max(amount_ty) filter (where stage_code = 'DISBURSED')
               / nullif(max(amount_ty) filter (where stage_code = 'ALLOCATED'), 0), 2) as decimal(9, 2)) as disbursement_rate_pct
from totals
group by agency_code, budget_year, source_code, block_code, level_code
