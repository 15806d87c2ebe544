-- A property's word signature (src/word_signature.rs): two 64-bit masks of
-- the prefixes its words start with, that a search word must find set
-- before the word table is probed. -1 (every bit) lets every search probe,
-- as before: right for rows no signature was computed for yet. Marking the
-- derived data stale makes the first start on this migration compute them
-- all (src/derived.rs). Mirrors migrations/postgres; keep them in step.
ALTER TABLE properties ADD COLUMN word_signature_3 BIGINT NOT NULL DEFAULT -1;
ALTER TABLE properties ADD COLUMN word_signature_4 BIGINT NOT NULL DEFAULT -1;

-- The newest-first walk carries the signature with the room counts (as
-- trailing key columns: SQLite has no INCLUDE), so a search tests it in
-- the index and fetches nothing for the properties it passes over.
DROP INDEX properties_created_at_id_idx;
CREATE INDEX properties_created_at_id_idx
    ON properties (created_at, id, room_count, bedroom_count, total_area_m2, room_kinds, word_signature_3, word_signature_4);

UPDATE derived_data SET version = 0 WHERE name = 'folding';
