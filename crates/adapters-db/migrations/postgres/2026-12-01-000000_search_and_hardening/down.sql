DROP TABLE idempotency_keys;
DROP TABLE login_failures;
CREATE TABLE login_failures (
    id BIGINT GENERATED ALWAYS AS IDENTITY CONSTRAINT login_failures_pkey PRIMARY KEY,
    email_key TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_email_key_at_idx ON login_failures (email_key, at);
CREATE INDEX login_failures_at_idx ON login_failures (at);
DROP TABLE derived_data;
DROP INDEX users_role_id_idx;
DROP TABLE user_words;
DROP TABLE property_words;
DROP INDEX properties_created_at_id_idx;
DROP INDEX properties_updated_at_id_idx;
DROP INDEX properties_total_area_m2_id_idx;
DROP INDEX properties_room_count_id_idx;
DROP INDEX properties_city_key_created_at_id_idx;
DROP INDEX properties_property_type_created_at_id_idx;
DROP INDEX properties_owner_id_created_at_id_idx;
CREATE INDEX properties_city_key_id_idx ON properties (city_key, id DESC);
CREATE INDEX properties_property_type_id_idx ON properties (property_type, id DESC);
CREATE INDEX properties_owner_id_id_idx ON properties (owner_id, id DESC);
ALTER TABLE properties DROP COLUMN bedroom_count, DROP COLUMN total_area_m2, DROP COLUMN room_kinds;
