-- Each word carries its property's creation instant (which never changes),
-- and the word index is ordered by it: the newest matches of a rare word
-- are then read from the word index alone, without a visit to each
-- property's row for its `created_at` (src/search.rs, `word_first_page!`;
-- BENCHMARKS.md, "Rare words"). Mirrors migrations/postgres; keep them in
-- step. (SQLite adds a NOT NULL column only with a default; every insert
-- gives the value.)
ALTER TABLE property_words ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
UPDATE property_words
    SET created_at = (SELECT p.created_at FROM properties AS p WHERE p.id = property_words.property_id);

DROP INDEX property_words_word_property_id_idx;
CREATE INDEX property_words_word_created_at_idx ON property_words (word, created_at, property_id);
