-- The "6 rõ" fields of a task row as the task-status contract marks them (`six_clear:` in
-- sources/contracts/task_status.yml): one row per field, with its contract column and header. Ingest
-- rewrites raw.contract_columns from the contracts on every load (pipelines/ingest/contracts.py), so
-- marking another column in the contract changes int_task_six_clear_gaps with no SQL edit.
select
    column_name,
    six_clear,
    header as header_vi
from raw.contract_columns
where domain = 'task_status' and six_clear is not null
