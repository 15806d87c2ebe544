-- realty's schema for PostgreSQL. Mirrors migrations/sqlite; keep them in step.
--
-- Ids are identity columns (GENERATED ALWAYS: only the database assigns
-- them). Timestamps are TIMESTAMP without time zone holding UTC instants
-- written by the app's clock, so no session time zone can shift them.
-- Constraints are named so that errors can be mapped by name.

CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY CONSTRAINT users_pkey PRIMARY KEY,
    email TEXT NOT NULL CONSTRAINT users_email_unique UNIQUE,
    password_hash TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    birth_date DATE NULL,
    role TEXT NOT NULL CONSTRAINT users_role_check CHECK (role IN ('user', 'admin')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    password_changed_at TIMESTAMP NOT NULL
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
    id BIGINT GENERATED ALWAYS AS IDENTITY CONSTRAINT properties_pkey PRIMARY KEY,
    owner_id BIGINT NOT NULL
        CONSTRAINT properties_owner_fk REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    property_type TEXT NOT NULL
        CONSTRAINT properties_property_type_fk REFERENCES property_types (slug) ON DELETE RESTRICT,
    city TEXT NOT NULL,
    city_key TEXT NOT NULL,
    room_count INTEGER NOT NULL DEFAULT 0 CONSTRAINT properties_room_count_check CHECK (room_count >= 0),
    version BIGINT NOT NULL DEFAULT 1 CONSTRAINT properties_version_check CHECK (version >= 1),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One index per list filter, each ending with the keyset order (id DESC),
-- so a filtered page is a range scan that stops after `limit + 1` rows.
-- The owner and type indexes also serve the ON DELETE checks.
CREATE INDEX properties_city_key_id_idx ON properties (city_key, id DESC);
CREATE INDEX properties_property_type_id_idx ON properties (property_type, id DESC);
CREATE INDEX properties_owner_id_id_idx ON properties (owner_id, id DESC);

CREATE TABLE rooms (
    id BIGINT GENERATED ALWAYS AS IDENTITY CONSTRAINT rooms_pkey PRIMARY KEY,
    property_id BIGINT NOT NULL
        CONSTRAINT rooms_property_fk REFERENCES properties (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    area_m2 DOUBLE PRECISION NOT NULL CONSTRAINT rooms_area_m2_check CHECK (area_m2 > 0),
    floor INTEGER NULL,
    description TEXT NULL
);

CREATE INDEX rooms_property_id_id_idx ON rooms (property_id, id);

CREATE TABLE audit_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY CONSTRAINT audit_events_pkey PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    resource TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    property_id BIGINT NULL,
    changes TEXT NOT NULL
);

CREATE INDEX audit_events_property_id_id_idx ON audit_events (property_id, id);

CREATE TABLE login_failures (
    id BIGINT GENERATED ALWAYS AS IDENTITY CONSTRAINT login_failures_pkey PRIMARY KEY,
    email_key TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);

CREATE INDEX login_failures_email_key_at_idx ON login_failures (email_key, at);
-- Serves the pruning of old failures of every key.
CREATE INDEX login_failures_at_idx ON login_failures (at);
