-- The latest figure of each budget line per stage (what the agency last said it proposed,
-- was approved, allocated or disbursed), for comparisons across stages.
select *
from {{ ref('int_budget_lines__current') }}
qualify row_number() over (
    partition by agency_code, budget_year, source_code, nature_code, field_code, block_code, level_code, stage_code
    order by as_of desc
) = 1
