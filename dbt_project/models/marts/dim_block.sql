select block_code, name_vi, name_en, sort_order from {{ ref('stg_reference__blocks') }}
