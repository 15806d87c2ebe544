-- Browse and search, the admin directory, idempotent creation, and failed
-- logins kept at a fixed size. Mirrors migrations/postgres; keep them in step.

-- What the filters and sorts compare, kept by every room write. The Rust
-- side fills them (and recomputes city_key with the new folding) right
-- after this migration, see `derived_data` below.
ALTER TABLE properties ADD COLUMN bedroom_count INTEGER NOT NULL DEFAULT 0
    CONSTRAINT properties_bedroom_count_check CHECK (bedroom_count >= 0);
ALTER TABLE properties ADD COLUMN total_area_m2 REAL NOT NULL DEFAULT 0
    CONSTRAINT properties_total_area_m2_check CHECK (total_area_m2 >= 0);
-- One bit per room kind present (RoomKinds in the domain).
ALTER TABLE properties ADD COLUMN room_kinds INTEGER NOT NULL DEFAULT 0;

-- Every sort has its keyset index; each ends with id, the tie-breaker, and
-- serves the ascending order too (read backwards). Each single filter has
-- an index in the default order (created_at, id).
DROP INDEX properties_city_key_id_idx;
DROP INDEX properties_property_type_id_idx;
DROP INDEX properties_owner_id_id_idx;
CREATE INDEX properties_created_at_id_idx ON properties (created_at, id);
CREATE INDEX properties_updated_at_id_idx ON properties (updated_at, id);
CREATE INDEX properties_total_area_m2_id_idx ON properties (total_area_m2, id);
CREATE INDEX properties_room_count_id_idx ON properties (room_count, id);
CREATE INDEX properties_city_key_created_at_id_idx ON properties (city_key, created_at, id);
CREATE INDEX properties_property_type_created_at_id_idx ON properties (property_type, created_at, id);
CREATE INDEX properties_owner_id_created_at_id_idx ON properties (owner_id, created_at, id);

-- The folded words of each property's name and description, for `q`;
-- SQLite compares text bytewise, so a prefix is an index range.
CREATE TABLE property_words (
    property_id INTEGER NOT NULL
        CONSTRAINT property_words_property_fk REFERENCES properties (id) ON DELETE CASCADE,
    word TEXT NOT NULL,
    CONSTRAINT property_words_pkey PRIMARY KEY (property_id, word)
) WITHOUT ROWID;
CREATE INDEX property_words_word_property_id_idx ON property_words (word, property_id);

-- The same for users (email, first and last name): the admin directory.
CREATE TABLE user_words (
    user_id INTEGER NOT NULL CONSTRAINT user_words_user_fk REFERENCES users (id) ON DELETE CASCADE,
    word TEXT NOT NULL,
    CONSTRAINT user_words_pkey PRIMARY KEY (user_id, word)
) WITHOUT ROWID;
CREATE INDEX user_words_word_user_id_idx ON user_words (word, user_id);
CREATE INDEX users_role_id_idx ON users (role, id);

-- Which derived data (city keys, summaries, words) is up to date with the
-- code's folding; the Rust side recomputes it when its version is newer.
CREATE TABLE derived_data (
    name TEXT NOT NULL CONSTRAINT derived_data_pkey PRIMARY KEY,
    version INTEGER NOT NULL
);

-- Failed logins keyed by a SHA-256 of the login email: 32 bytes whatever
-- was typed, and no email kept for a login that did not happen. The old
-- rows are transient (15 minutes) and keyed otherwise: dropped.
DROP TABLE login_failures;
CREATE TABLE login_failures (
    id INTEGER CONSTRAINT login_failures_pkey PRIMARY KEY AUTOINCREMENT,
    key_digest BLOB NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_key_digest_at_idx ON login_failures (key_digest, at);
CREATE INDEX login_failures_at_idx ON login_failures (at);

-- Answers kept for retries under an Idempotency-Key, per user, 24 hours.
-- No foreign key: a deleted user's keys simply expire.
CREATE TABLE idempotency_keys (
    user_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    -- SHA-256 of method, path and body, hex.
    fingerprint TEXT NOT NULL,
    -- NULL while the first request is being processed.
    status INTEGER NULL,
    headers TEXT NULL,
    body BLOB NULL,
    -- An unanswered claim blocks retries until then (its instance died).
    locked_until TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);
