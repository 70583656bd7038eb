-- Pairs of report figures that may state the same quantity (across the two reports or in two
-- sentences of one) and that no rule compares yet: the auditor's review list
-- (warehouse/reports/published_figure_pairs.csv). A pair is a candidate when
--   * the units are compatible: the same unit kind and base unit after conversion (tỷ and nghìn tỷ
--     đồng; % with %), or counts of the same noun (one noun's words within the other's: "22 quốc gia"
--     and "22 quốc gia, vùng lãnh thổ");
--   * the programme is the same where both state one, and the year where both state one;
--   * no scope is stated differently on the two sides (who = agency or block; status, nature, field,
--     level, stage);
--   * they share words. Words come from the quote, the hand-given subject and the metric code: NFC,
--     lower case, split on anything that is not a letter or a digit; numbers, one-letter words and
--     stop words (sources/reference/figure_stop_words.csv) left out. Diacritics are kept: in Vietnamese
--     "đơn" (application) and "đồn" (post) are different words. Section headings are not in the word sets
--     (every figure of a section would share them); a shared section counts below;
--   * score >= var pair_candidate_min_score (dbt_project.yml):
--       word overlap: IDF-weighted Jaccard of the two word sets (a word rare in the reports counts more), 0..1
--       + 0.25 the same metric code (different codes weigh through their words, which are in the word sets)
--       - 0.25 per scope stated on one side only (what a part and its whole look like)
--       - 0.15 both dated, at different dates
--       - 0.15 the same metric code but different hand-given subjects
--       - 0.15 both in one section of one report (a report seldom restates a figure a few lines on).
-- Left out: two numbers of one quoted fragment; two figures of one section with different metric codes or
-- subjects (siblings the extractor told apart a few lines apart: agreements with France and with Russia,
-- revenue and profit against plan); pairs a rule names by id (int_published_figures__rule_bindings);
-- pairs PF-SAME-SCOPE-DATED/-UNDATED already compare (published_figures.yml: metric, every dimension,
-- date and base unit equal, no floor or ceiling); pairs an auditor marked `different`.
-- Ranked: undecided pairs first, then pairs whose intervals do not overlap, then by score.
with figures as (
    select
        figure_id, document_code, section, quote, metric, programme_code, block_code, agency_code, status,
        nature, field, level, stage, subject, year, as_of, bound, value_text, unit_text, unit_kind, base_unit,
        value, low, high,
        coalesce(agency_code, block_code) as who,
        case when unit_kind in ('count', 'scaled_count') then 'count' else unit_kind end as unit_family
    from {{ ref('int_published_figures__valued') }}
),

stop_words as (
    select word from {{ ref('stg_reference__figure_stop_words') }}
),

raw_words as (
    select figure_id, unnest(string_split_regex(nfc_normalize(lower(coalesce(quote, ''))), '[^\p{L}\p{N}]+')) as word
    from figures
    union all
    select figure_id, unnest(string_split_regex(nfc_normalize(lower(concat_ws(' ', subject, replace(metric, '_', ' ')))), '[^\p{L}\p{N}]+'))
    from figures
),

words as (
    select distinct w.figure_id, w.word
    from raw_words as w
    anti join stop_words as s on s.word = w.word
    where length(w.word) > 1 and not regexp_full_match(w.word, '[0-9]+')
),

-- inverse document frequency: a word found in every figure weighs nothing
weights as (
    select word, ln((select count(*) from figures) / count(*)) as idf
    from words group by word
),

masses as (
    select w.figure_id, sum(x.idf) as mass
    from words as w join weights as x using (word)
    group by w.figure_id
),

-- the noun a count counts, as a set of words ("quốc gia và vùng lãnh thổ" -> gia, lãnh, quốc, thổ, vùng)
unit_words as (
    select figure_id, unnest(string_split_regex(nfc_normalize(lower(coalesce(base_unit, ''))), '[^\p{L}\p{N}]+')) as word
    from figures
),

nouns as (
    select f.figure_id,
           coalesce(list_sort(list(distinct u.word) filter (where u.word <> '' and s.word is null)), []) as noun
    from figures as f
    left join unit_words as u using (figure_id)
    left join stop_words as s on s.word = u.word
    group by f.figure_id
),

shared as (
    select a.figure_id as figure_id_a, b.figure_id as figure_id_b, sum(x.idf) as shared_weight,
           string_agg(a.word, ' ' order by x.idf desc, a.word) as shared_words
    from words as a
    join words as b on b.word = a.word and a.figure_id < b.figure_id
    join weights as x on x.word = a.word
    group by all
),

bound_by_rule as (
    select distinct a.figure_id as figure_id_a, b.figure_id as figure_id_b
    from {{ ref('int_published_figures__rule_bindings') }} as a
    join {{ ref('int_published_figures__rule_bindings') }} as b on b.rule_id = a.rule_id and a.figure_id < b.figure_id
),

compared as (
    select
        s.figure_id_a, s.figure_id_b, s.shared_words,
        s.shared_weight / nullif(ma.mass + mb.mass - s.shared_weight, 0) as word_overlap,
        coalesce(a.metric = b.metric, false) as same_metric,
        list_filter([
            case when (a.who is null) <> (b.who is null) then 'who' end,
            case when (a.status is null) <> (b.status is null) then 'status' end,
            case when (a.nature is null) <> (b.nature is null) then 'nature' end,
            case when (a.field is null) <> (b.field is null) then 'field' end,
            case when (a.level is null) <> (b.level is null) then 'level' end,
            case when (a.stage is null) <> (b.stage is null) then 'stage' end
        ], lambda x: x is not null) as one_sided,
        coalesce(a.as_of <> b.as_of, false) as dates_differ,
        coalesce(a.metric = b.metric and a.subject <> b.subject, false) as subjects_differ,
        coalesce(a.document_code = b.document_code and a.section = b.section, false) as same_section,
        -- what PF-SAME-SCOPE-DATED / -UNDATED already compare (their group keys, published_figures.yml)
        a.bound in ('none', 'approx') and b.bound in ('none', 'approx')
            and a.metric is not distinct from b.metric and a.programme_code is not distinct from b.programme_code
            and a.block_code is not distinct from b.block_code and a.agency_code is not distinct from b.agency_code
            and a.status is not distinct from b.status and a.nature is not distinct from b.nature
            and a.field is not distinct from b.field and a.level is not distinct from b.level
            and a.stage is not distinct from b.stage and a.subject is not distinct from b.subject
            and a.year is not distinct from b.year and a.as_of is not distinct from b.as_of
            and a.base_unit is not distinct from b.base_unit as same_scope,
        a.document_code as document_a, a.section as section_a, a.quote as quote_a, a.metric as metric_a,
        a.value_text || coalesce(' ' || a.unit_text, '') as stated_a, a.base_unit as base_unit_a,
        a.value as value_a, a.low as low_a, a.high as high_a, a.as_of as as_of_a,
        b.document_code as document_b, b.section as section_b, b.quote as quote_b, b.metric as metric_b,
        b.value_text || coalesce(' ' || b.unit_text, '') as stated_b, b.base_unit as base_unit_b,
        b.value as value_b, b.low as low_b, b.high as high_b, b.as_of as as_of_b
    from shared as s
    join figures as a on a.figure_id = s.figure_id_a
    join figures as b on b.figure_id = s.figure_id_b
    join masses as ma on ma.figure_id = a.figure_id
    join masses as mb on mb.figure_id = b.figure_id
    join nouns as na on na.figure_id = a.figure_id
    join nouns as nb on nb.figure_id = b.figure_id
    where a.unit_family = b.unit_family
      and case when a.unit_family = 'count'
               then na.noun = nb.noun or (len(na.noun) > 0 and len(nb.noun) > 0
                                          and (list_has_all(na.noun, nb.noun) or list_has_all(nb.noun, na.noun)))
               else a.base_unit = b.base_unit end
      and (a.programme_code is null or b.programme_code is null or a.programme_code = b.programme_code)
      and (a.year is null or b.year is null or a.year = b.year)
      and not coalesce(a.who <> b.who or a.status <> b.status or a.nature <> b.nature or a.field <> b.field
                       or a.level <> b.level or a.stage <> b.stage, false)
      and not (a.document_code = b.document_code and a.quote = b.quote)
      and not coalesce(a.document_code = b.document_code and a.section = b.section
                       and (a.metric <> b.metric or a.subject <> b.subject), false)
),

scored as (
    select
        c.*,
        cast(round(c.word_overlap + 0.25 * c.same_metric::int - 0.25 * len(c.one_sided)
                   - 0.15 * c.dates_differ::int - 0.15 * c.subjects_differ::int - 0.15 * c.same_section::int, 3) as decimal(6, 3)) as score,
        -- a NULL bound is open: it never ends an interval before the other begins
        not coalesce(c.high_a < c.low_b or c.high_b < c.low_a, false) as intervals_overlap,
        cast(greatest(c.low_a - c.high_b, c.low_b - c.high_a, 0) as decimal(38, 9)) as gap,
        r.decision as review_decision,
        r.note as review_note
    from compared as c
    anti join bound_by_rule as x using (figure_id_a, figure_id_b)
    left join {{ ref('stg_published_figure_pair_reviews') }} as r on r.pair_key = c.figure_id_a || '|' || c.figure_id_b
    where not c.same_scope
      and r.decision is distinct from 'different'
)

select
    row_number() over (order by review_decision is not null, intervals_overlap, score desc, figure_id_a, figure_id_b) as pair_rank,
    figure_id_a, figure_id_b,
    review_decision, review_note,
    intervals_overlap, gap, score,
    document_a, section_a, quote_a, metric_a, stated_a, value_a, low_a, high_a, base_unit_a,
    document_b, section_b, quote_b, metric_b, stated_b, value_b, low_b, high_b, base_unit_b,
    shared_words,
    concat_ws('; ',
        'shared words: ' || shared_words || ' (overlap ' || round(word_overlap, 2) || ')',
        case when same_metric then 'same metric code' else 'metric codes ' || metric_a || ' / ' || metric_b end,
        case when len(one_sided) > 0 then 'stated on one side only: ' || array_to_string(one_sided, ', ') end,
        case when dates_differ then 'dated ' || strftime(as_of_a, '%d/%m/%Y') || ' and ' || strftime(as_of_b, '%d/%m/%Y')
             when (as_of_a is null) <> (as_of_b is null) then 'only one is dated' end,
        case when subjects_differ then 'same metric, different subjects' end,
        case when document_a <> document_b then 'across the two reports'
             when section_a = section_b then 'same section of ' || document_a
             else 'two sections of ' || document_a end
    ) as reasons
from scored
where score >= {{ var('pair_candidate_min_score') }}
