-- realty's schema for SQLite. Mirrors migrations/postgres; keep them in step.
--
-- Ids are AUTOINCREMENT so that SQLite never reuses the id of a deleted row:
-- keyset pages (`id < cursor`) and the audit trail rely on ids only growing.
-- Dates and timestamps are TEXT: Diesel writes them as ISO-8601 strings,
-- which sort chronologically. Every timestamp is UTC, written by the app.
-- Constraints are named so that errors can be mapped by name; SQLite reports
-- foreign-key failures without a name, so the code also knows which
-- statement failed.

CREATE TABLE users (
    id INTEGER CONSTRAINT users_pkey PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL CONSTRAINT users_email_unique UNIQUE,
    password_hash TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    birth_date TEXT NULL,
    role TEXT NOT NULL CONSTRAINT users_role_check CHECK (role IN ('user', 'admin')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);

CREATE TABLE property_types (
    slug TEXT NOT NULL CONSTRAINT property_types_pkey PRIMARY KEY,
    name TEXT NOT NULL
);

INSERT INTO property_types (slug, name) VALUES
    ('house', 'House'),
    ('apartment', 'Apartment'),
    ('studio', 'Studio'),
    ('villa', 'Villa'),
    ('loft', 'Loft'),
    ('land', 'Land'),
    ('commercial', 'Commercial'),
    ('parking', 'Parking');

CREATE TABLE properties (
    id INTEGER CONSTRAINT properties_pkey PRIMARY KEY AUTOINCREMENT,
    owner_id INTEGER NOT NULL
        CONSTRAINT properties_owner_fk REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    property_type TEXT NOT NULL
        CONSTRAINT properties_property_type_fk REFERENCES property_types (slug) ON DELETE RESTRICT,
    city TEXT NOT NULL,
    city_key TEXT NOT NULL,
    room_count INTEGER NOT NULL DEFAULT 0 CONSTRAINT properties_room_count_check CHECK (room_count >= 0),
    version INTEGER NOT NULL DEFAULT 1 CONSTRAINT properties_version_check CHECK (version >= 1),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One index per list filter, each ending with the keyset order (id DESC),
-- so a filtered page is a range scan that stops after `limit + 1` rows.
-- The owner and type indexes also serve the ON DELETE checks.
CREATE INDEX properties_city_key_id_idx ON properties (city_key, id DESC);
CREATE INDEX properties_property_type_id_idx ON properties (property_type, id DESC);
CREATE INDEX properties_owner_id_id_idx ON properties (owner_id, id DESC);

CREATE TABLE rooms (
    id INTEGER CONSTRAINT rooms_pkey PRIMARY KEY AUTOINCREMENT,
    property_id INTEGER NOT NULL
        CONSTRAINT rooms_property_fk REFERENCES properties (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    area_m2 REAL NOT NULL CONSTRAINT rooms_area_m2_check CHECK (area_m2 > 0),
    floor INTEGER NULL,
    description TEXT NULL
);

CREATE INDEX rooms_property_id_id_idx ON rooms (property_id, id);

CREATE TABLE audit_events (
    id INTEGER CONSTRAINT audit_events_pkey PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    resource TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    property_id INTEGER NULL,
    changes TEXT NOT NULL
);

CREATE INDEX audit_events_property_id_id_idx ON audit_events (property_id, id);

CREATE TABLE login_failures (
    id INTEGER CONSTRAINT login_failures_pkey PRIMARY KEY AUTOINCREMENT,
    email_key TEXT NOT NULL,
    at TEXT NOT NULL
);

CREATE INDEX login_failures_email_key_at_idx ON login_failures (email_key, at);
-- Serves the pruning of old failures of every key.
CREATE INDEX login_failures_at_idx ON login_failures (at);
