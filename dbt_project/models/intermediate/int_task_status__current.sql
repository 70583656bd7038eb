-- Task rows in force: one row per task and reporting date (the winning claim of int_task_status__rows).
select * exclude (task_key, claim_rank, claims)
from {{ ref('int_task_status__rows') }}
where claim_rank = 1
