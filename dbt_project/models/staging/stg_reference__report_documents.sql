select document as document_code, title_vi, title_en, issuer_vi, text_file, as_of, number_style
from {{ read_reference('report_documents.csv', "{'document': 'VARCHAR', 'title_vi': 'VARCHAR', 'title_en': 'VARCHAR', 'issuer_vi': 'VARCHAR', 'text_file': 'VARCHAR', 'as_of': 'DATE', 'number_style': 'VARCHAR'}") }}
