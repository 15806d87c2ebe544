-- Each word carries its property's creation instant (which never changes),
-- and the word index is ordered by it: the newest matches of a rare word
-- are then read from the word index alone, without a visit to each
-- property's row for its `created_at` (src/search.rs, `word_first_page!`;
-- BENCHMARKS.md, "Rare words"). Mirrors migrations/sqlite; keep them in
-- step.
ALTER TABLE property_words ADD COLUMN created_at TIMESTAMP;
UPDATE property_words AS w SET created_at = p.created_at FROM properties AS p WHERE p.id = w.property_id;
ALTER TABLE property_words ALTER COLUMN created_at SET NOT NULL;

DROP INDEX property_words_word_property_id_idx;
CREATE INDEX property_words_word_created_at_idx ON property_words (word, created_at, property_id);
