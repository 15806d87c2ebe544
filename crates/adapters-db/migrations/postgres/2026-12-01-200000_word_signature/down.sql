DROP INDEX properties_created_at_id_idx;
CREATE INDEX properties_created_at_id_idx ON properties (created_at, id)
    INCLUDE (room_count, bedroom_count, total_area_m2, room_kinds);
ALTER TABLE properties DROP COLUMN word_signature_4;
ALTER TABLE properties DROP COLUMN word_signature_3;
