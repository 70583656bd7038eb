select status_code, name_vi, name_en, sort_order, is_completed, is_late, is_on_time
from {{ ref('stg_reference__task_statuses') }}
