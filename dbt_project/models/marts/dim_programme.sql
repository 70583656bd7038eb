select
    programme_code,
    name_vi,
    name_en,
    issuing_body_vi,
    document_ref,
    issued_date,
    tasks_assigned_stated,
    source_document
from {{ ref('stg_reference__programmes') }}
