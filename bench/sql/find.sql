-- pgbench transaction = what GET /properties/{id} sends to PostgreSQL
-- (PropertyRepository::find in crates/adapters-db/src/repositories/
-- properties.rs): one statement, the property left-joined with its rooms,
-- text as logged by log_statement = 'all'. Run with -M prepared, as
-- diesel-async prepares and caches it.
-- Variables: -D min_id=… -D max_id=… (the seeded ids).
\set id random(:min_id, :max_id)
SELECT "properties"."id", "properties"."owner_id", "properties"."name", "properties"."description", "properties"."property_type", "properties"."city", "properties"."version", "properties"."created_at", "properties"."updated_at", "rooms"."id", "rooms"."property_id", "rooms"."name", "rooms"."kind", "rooms"."area_m2", "rooms"."floor", "rooms"."description" FROM ("properties" LEFT OUTER JOIN "rooms" ON ("rooms"."property_id" = "properties"."id")) WHERE ("properties"."id" = :id);
