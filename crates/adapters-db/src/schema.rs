//! The tables, declared once for both backends.
//!
//! The SQL types are the common ground of SQLite and PostgreSQL: ids are
//! `BigInt`, dates `Date`, areas `Double`. Every `Timestamp` is a UTC
//! instant written by the application's clock (the domain's `Clock` port),
//! never by a database default: PostgreSQL stores it as `TIMESTAMP` (without
//! time zone) and SQLite as ISO-8601 text, so neither a server time zone nor
//! a session setting can shift it.

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Text,
        first_name -> Text,
        last_name -> Text,
        birth_date -> Nullable<Date>,
        role -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        password_changed_at -> Timestamp,
    }
}

diesel::table! {
    property_types (slug) {
        slug -> Text,
        name -> Text,
    }
}

diesel::table! {
    properties (id) {
        id -> BigInt,
        owner_id -> BigInt,
        name -> Text,
        description -> Text,
        property_type -> Text,
        city -> Text,
        /// `City::key()`: what the city filter compares.
        city_key -> Text,
        /// The property's `Summary` (room count, bedrooms, total area, kinds
        /// present), rewritten in the transaction of every room write, so
        /// that filters and sorts need no join.
        room_count -> Integer,
        bedroom_count -> Integer,
        total_area_m2 -> Double,
        room_kinds -> Integer,
        /// `WordSignature` (word_signature.rs): which prefixes the words of
        /// the name and description may start with, tested in the index
        /// before the word table is probed.
        word_signature_3 -> BigInt,
        word_signature_4 -> BigInt,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    rooms (id) {
        id -> BigInt,
        property_id -> BigInt,
        name -> Text,
        kind -> Text,
        area_m2 -> Double,
        floor -> Nullable<Integer>,
        description -> Nullable<Text>,
    }
}

diesel::table! {
    /// No foreign keys: the trail outlives the users and properties it names.
    audit_events (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> BigInt,
        action -> Text,
        resource -> Text,
        resource_id -> Text,
        property_id -> Nullable<BigInt>,
        /// The domain's `Changes` as JSON.
        changes -> Text,
    }
}

diesel::table! {
    /// The folded words of a property's name and description, cut to 50
    /// characters (the longest search word), each with its property's
    /// creation instant (the newest-first order of a word's matches).
    property_words (property_id, word) {
        property_id -> BigInt,
        word -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// The folded words of a user's email and names.
    user_words (user_id, word) {
        user_id -> BigInt,
        word -> Text,
    }
}

diesel::table! {
    /// The folding version each kind of derived data was computed with.
    derived_data (name) {
        name -> Text,
        version -> Integer,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        /// SHA-256 of the login email.
        key_digest -> Binary,
        at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> BigInt,
        key -> Text,
        fingerprint -> Text,
        status -> Nullable<Integer>,
        /// The replayed headers, as a JSON list of pairs.
        headers -> Nullable<Text>,
        body -> Nullable<Binary>,
        locked_until -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(properties -> users (owner_id));
diesel::joinable!(properties -> property_types (property_type));
diesel::joinable!(rooms -> properties (property_id));
diesel::joinable!(property_words -> properties (property_id));
diesel::joinable!(user_words -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    user_words,
    property_types,
    properties,
    property_words,
    rooms,
    audit_events,
    login_failures,
    idempotency_keys,
    derived_data,
);
