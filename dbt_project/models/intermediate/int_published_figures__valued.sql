-- Each quoted figure in a common base unit (money in tỷ đồng or triệu USD, shares in %, counts as
-- counted) with the interval its written precision allows:
--   * rounded figures (money, %, ratios, "nghìn/triệu <noun>", anything written with decimals)
--     are exact to half a unit of their last written digit: "21 nghìn tỷ" = 20.5..21.5 nghìn tỷ;
--   * counts of things are exact, unless a qualifier says otherwise;
--   * "khoảng/ước đạt" (about) widens to half a unit of the last non-zero digit ("khoảng 4.100" = 4.050..4.150);
--   * "hơn/trên" (more than) leaves the top open, "gần/tối đa" (nearly, at most) the bottom.
with figures as (
    select
        f.*,
        coalesce(u.unit_kind,
                 case when regexp_matches(f.unit_text, '^(nghìn|triệu) ') then 'scaled_count' else 'count' end) as unit_kind,
        coalesce(u.base_unit, regexp_replace(coalesce(f.unit_text, ''), '^(nghìn|triệu) ', '')) as base_unit,
        coalesce(u.factor_to_base,
                 case when f.unit_text like 'nghìn %' then 1000 when f.unit_text like 'triệu %' then 1000000 else 1 end
        )::decimal(38, 9) as factor_to_base,
        coalesce(q.bound, 'none') as bound,
        q.qualifier is null and f.qualifier is not null as qualifier_unknown
    from {{ ref('stg_published_figures') }} as f
    -- only the figures file in force (a corrected file replaces the earlier one)
    join {{ ref('int_submissions__current') }} as s
        on s.submission_id = f.submission_id and s.domain = 'published_figures'
    left join {{ ref('stg_reference__units') }} as u on u.unit_text = f.unit_text
    left join {{ ref('stg_reference__figure_qualifiers') }} as q on q.qualifier = f.qualifier
),

precision as (
    select
        *,
        cast(
            case
                when bound = 'approx' and decimals_written = 0 then 0.5 * power(10, trailing_zeros)
                when bound = 'approx' or decimals_written > 0 or unit_kind <> 'count' then 0.5 * power(10, -decimals_written)
                else 0
            end as decimal(38, 9)
        ) as half_unit_written
    from figures
),

valued as (
    select
        *,
        cast(value_number * factor_to_base as decimal(38, 9)) as value,
        cast(half_unit_written * factor_to_base as decimal(38, 9)) as half_width
    from precision
)

select
    v.*,
    -- NULL: no bound ("hơn 3.000" has no top; "gần" a negative figure has no bottom). The rule engine
    -- reads NULL as its open bound (pipelines/quality/bounds.py) when it builds figures.
    cast(case bound
        when 'lower' then value
        when 'upper' then case when value >= 0 then 0 end
        else value - half_width end as decimal(38, 9)) as low,
    cast(case bound
        when 'lower' then null
        else value + half_width end as decimal(38, 9)) as high,
    contains(t.content, v.quote) as quote_found,
    contains(v.quote, v.value_text) as value_in_quote
from valued as v
left join {{ ref('stg_reference__report_documents') }} as d using (document_code)
left join read_text('{{ var("project_dir") }}/sources/reports/*.txt') as t
    on ends_with(t.filename, d.text_file)
