-- One row per budget line an agency stated at an as-of date, from the submission in force.
select
    agency_code || '|' || budget_year || '|' || source_code || ':' || nature_code || ':' || field_code || '|'
        || block_code || '|' || level_code || '|' || stage_code || '@' || strftime(as_of, '%Y-%m-%d') as budget_line_key,
    agency_code,
    budget_year,
    source_code || ':' || nature_code || ':' || field_code as budget_category_key,
    source_code,
    nature_code,
    field_code,
    block_code,
    level_code,
    stage_code,
    as_of,
    cast(strftime(as_of, '%Y%m%d') as integer) as as_of_date_key,
    amount_vnd,
    amount_ty,
    amount_as_written,
    amount_unit,
    number_style,
    nature_code = 'ALL' or field_code = 'ALL' as is_total_line,
    submission_id,
    file_name,
    source_row
from {{ ref('int_budget_lines__current') }}
