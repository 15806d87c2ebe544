DROP INDEX properties_created_at_id_idx;
CREATE INDEX properties_created_at_id_idx ON properties (created_at, id);
