-- Words left out when report figures are compared by their words (pair candidates): function words,
-- the qualifiers written before a number and unit words. Lower case, NFC (Vietnamese diacritics kept).
select distinct nfc_normalize(lower(trim(word))) as word, why
from {{ read_reference('figure_stop_words.csv', "{'word': 'VARCHAR', 'why': 'VARCHAR'}") }}
