-- One row per task row and "6 rõ" field left empty (who, what, when, responsibility, product,
-- authority). A recurring task has no deadline by nature, so 'when' is not required for it.
select
    t.programme_code || ':' || t.task_id as task_key,
    t.lead_agency_code,
    t.status_code,
    t.submission_id,
    t.file_name,
    t.source_row,
    t.reporting_date,
    f.six_clear_field,
    f.header_vi
from {{ ref('int_task_status__current') }} as t
cross join (values
    ('what', 'Nội dung nhiệm vụ'), ('product', 'Sản phẩm'), ('who', 'Người chịu trách nhiệm'),
    ('responsibility', 'Đơn vị chịu trách nhiệm'), ('authority', 'Thẩm quyền'), ('when', 'Thời hạn')
) as f(six_clear_field, header_vi)
where case f.six_clear_field
        when 'what' then t.content is null
        when 'product' then t.expected_product is null
        when 'who' then t.responsible_person is null
        when 'responsibility' then t.responsible_unit is null
        when 'authority' then t.authority is null
        when 'when' then t.deadline is null and t.status_code <> 'RECURRING'
      end
