-- The five statuses of DOMAIN.md (sources/reference/task_statuses.csv); labels match sources/contracts/enums.yml.
-- Reference data: a change here can change rows of any reporting date of fct_task_status (is_completed),
-- so the transform step rebuilds the marts whole when it changes (pipelines/build_state.py).
select * from {{ read_reference('task_statuses.csv', "{'status_code': 'VARCHAR', 'name_vi': 'VARCHAR', 'name_en': 'VARCHAR', 'sort_order': 'INTEGER', 'is_completed': 'BOOLEAN', 'is_late': 'BOOLEAN', 'is_on_time': 'BOOLEAN'}") }}
