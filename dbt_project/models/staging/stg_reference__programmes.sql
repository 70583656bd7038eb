select
    programme_code,
    name_vi,
    name_en,
    issuing_body_vi,
    document_ref,
    issued_date,
    tasks_assigned_stated,
    source_document
from {{ read_reference('programmes.csv', "{'programme_code': 'VARCHAR', 'name_vi': 'VARCHAR', 'name_en': 'VARCHAR', 'issuing_body_vi': 'VARCHAR', 'document_ref': 'VARCHAR', 'issued_date': 'DATE', 'tasks_assigned_stated': 'INTEGER', 'source_document': 'VARCHAR'}") }}
