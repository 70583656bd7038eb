-- The 11 strategic technology groups of Decision 1131/QĐ-TTg, and ALL for figures across groups.
select tech_group_code, sort_order, name_vi, name_en from {{ ref('stg_reference__technology_groups') }}
union all
select 'ALL', 0, 'Tất cả các nhóm', 'All groups'
