-- What GET /properties/{id} sent to PostgreSQL before find() became one
-- statement (see find.sql): the property, then its rooms, two autocommit
-- statements, text as logged by log_statement = 'all'. Kept for the
-- before/after comparison in BENCHMARKS.md; run.sh does not use it. Run with -M prepared, as
-- diesel-async prepares and caches both. One difference: Diesel binds the
-- rooms' ids as one bigint[] parameter ('{42}'); pgbench variables are
-- numbers, so the array is built around the id (same plan: an index scan
-- on rooms_property_id_id_idx with property_id = ANY(...)).
-- Variables: -D min_id=… -D max_id=… (the seeded ids).
\set id random(:min_id, :max_id)
\set one 1
SELECT "properties"."id", "properties"."owner_id", "properties"."name", "properties"."description", "properties"."property_type", "properties"."city", "properties"."version", "properties"."created_at", "properties"."updated_at" FROM "properties" WHERE ("properties"."id" = :id) LIMIT :one;
SELECT "rooms"."id", "rooms"."property_id", "rooms"."name", "rooms"."kind", "rooms"."area_m2", "rooms"."floor", "rooms"."description" FROM "rooms" WHERE ("rooms"."property_id" = ANY(ARRAY[CAST(:id AS bigint)])) ORDER BY "rooms"."property_id" ASC, "rooms"."id" ASC;
