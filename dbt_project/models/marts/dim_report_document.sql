select document_code, title_vi, title_en, issuer_vi, text_file, as_of, number_style
from {{ ref('stg_reference__report_documents') }}
