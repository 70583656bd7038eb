-- One row per task row and "6 rõ" field left empty. The fields (who, what, when, responsibility,
-- product, authority) are the columns the task-status contract marks `six_clear`
-- (stg_contract__six_clear): every cell of a task row is turned into a row, keeping empty cells, and
-- joined to them by column name. A recurring task has no deadline by nature, so 'when' is not
-- required for it.
with task_rows as (
    select
        programme_code || ':' || task_id as task_key,
        lead_agency_code,
        status_code,
        submission_id,
        file_name,
        source_row,
        reporting_date,
        columns(* exclude (task_id, programme_code, lead_agency_code, status_code, reporting_agency_code,
                           submission_id, file_name, source_row, reporting_date))::varchar
    from {{ ref('int_task_status__current') }}
)

select
    c.task_key,
    c.lead_agency_code,
    c.status_code,
    c.submission_id,
    c.file_name,
    c.source_row,
    c.reporting_date,
    f.six_clear as six_clear_field,
    f.header_vi
from task_rows
    unpivot include nulls (cell for column_name in (columns(* exclude (task_key, lead_agency_code, status_code,
                                                                     submission_id, file_name, source_row, reporting_date)))) as c
join {{ ref('stg_contract__six_clear') }} as f using (column_name)
where c.cell is null
  and not (f.six_clear = 'when' and c.status_code = 'RECURRING')
