-- Analyst view: the databases each agency reported at its latest reporting date (fct_database_status).
{{ config(materialized='view') }}
select
    database_code,
    reporting_agency_code,
    owner_agency_code,
    is_reported_by_owner,
    reporting_date,
    stage_code,
    stage_order,
    is_funded,
    is_high_risk,
    moved_back,
    submission_id,
    file_name,
    source_row
from {{ ref('fct_database_status') }}
qualify reporting_date = max(reporting_date) over (partition by reporting_agency_code)
