-- The newest-first walk carries the counts the room filters compare, so a
-- filter that matches few properties (min_area, max_rooms, has...) reads
-- the index alone instead of fetching every row it passes over; see
-- `ids_first` in src/search.rs. SQLite has no INCLUDE: the counts are
-- trailing key columns, which serve the same. Mirrors migrations/postgres.
DROP INDEX properties_created_at_id_idx;
CREATE INDEX properties_created_at_id_idx
    ON properties (created_at, id, room_count, bedroom_count, total_area_m2, room_kinds);
