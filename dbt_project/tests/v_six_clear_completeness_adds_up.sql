-- The all row of v_six_clear_completeness is the sum of the agency rows, and no field is missing from
-- more tasks than are not six-clear: rows returned are failures.
with agencies as (
    -- coalesce: with no task at all there is no agency row, and the all row counts 0 (not NULL)
    select coalesce(sum(tasks), 0) as tasks, coalesce(sum(tasks_six_clear), 0) as tasks_six_clear,
           coalesce(sum(missing_who), 0) as missing_who, coalesce(sum(missing_when), 0) as missing_when,
           coalesce(sum(missing_product), 0) as missing_product
    from {{ ref('v_six_clear_completeness') }}
    where scope = 'agency'
),
total as (
    select * from {{ ref('v_six_clear_completeness') }} where scope = 'all'
)
select 'all row differs from the sum of the agencies' as problem
from agencies as a, total as t
where (a.tasks, a.tasks_six_clear, a.missing_who, a.missing_when, a.missing_product)
      is distinct from (t.tasks, t.tasks_six_clear, t.missing_who, t.missing_when, t.missing_product)
union all
select 'a field missing from more tasks than are not six-clear: ' || coalesce(agency_code, 'all')
from {{ ref('v_six_clear_completeness') }}
where greatest(missing_who, missing_what, missing_when, missing_responsibility, missing_product, missing_authority)
      > tasks_not_six_clear
