-- pgbench transaction = what GET /properties?city=…&limit=20 sends to
-- PostgreSQL (PropertyRepository::list): the page (limit + 1 rows, to know
-- whether another page follows), then the rooms of its first 20
-- properties, two autocommit statements, text as logged by log_statement =
-- 'all'. run.sh writes one copy per seeded city (9 = 0…9) and passes
-- that city's key and its first page's ids with -D, so that, under
-- -M prepared, both are bound parameters exactly as Diesel binds them.
\set lim 21
SELECT "properties"."id", "properties"."owner_id", "properties"."name", "properties"."description", "properties"."property_type", "properties"."city", "properties"."version", "properties"."created_at", "properties"."updated_at" FROM "properties" WHERE ("properties"."city_key" = :city_9) ORDER BY "properties"."id" DESC LIMIT :lim;
SELECT "rooms"."id", "rooms"."property_id", "rooms"."name", "rooms"."kind", "rooms"."area_m2", "rooms"."floor", "rooms"."description" FROM "rooms" WHERE ("rooms"."property_id" = ANY(:ids_9)) ORDER BY "rooms"."property_id" ASC, "rooms"."id" ASC;
