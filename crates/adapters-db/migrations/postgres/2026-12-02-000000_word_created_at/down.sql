DROP INDEX property_words_word_created_at_idx;
CREATE INDEX property_words_word_property_id_idx ON property_words (word, property_id);
ALTER TABLE property_words DROP COLUMN created_at;
