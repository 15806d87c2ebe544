-- The newest-first walk carries the counts the room filters compare, so a
-- filter that matches few properties (min_area, max_rooms, has...) reads
-- the index alone instead of fetching every row it passes over; see
-- `ids_first` in src/search.rs. Mirrors migrations/sqlite; keep them in step.
DROP INDEX properties_created_at_id_idx;
CREATE INDEX properties_created_at_id_idx ON properties (created_at, id)
    INCLUDE (room_count, bedroom_count, total_area_m2, room_kinds);
