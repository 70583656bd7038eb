select
    submission_id,
    source_row,
    cast(year as integer) as budget_year,
    source as source_code,
    nature as nature_code,
    field as field_code,
    block_code,
    level as level_code,
    stage as stage_code,
    amount as amount_as_written,
    amount_number,
    amount_number_decimals,
    amount_unit,
    number_style,
    note
from {{ source('raw', 'budget_lines') }}
