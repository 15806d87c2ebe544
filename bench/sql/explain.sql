-- EXPLAIN (ANALYZE, BUFFERS) of the statements behind GET /properties/{id}
-- (one) and GET /properties?city=…&limit=20 (two), prepared with the same text and
-- parameters as Diesel sends them. Each runs twice: with PostgreSQL's
-- default plan choice (a custom plan for the first executions) and with
-- plan_cache_mode = force_generic_plan, the plan a long-lived pooled
-- connection ends up with after five executions when the generic plan is
-- no costlier. run.sh greps the output for sequential scans.
-- psql variables: id (a property id), city (a city key), ids (that city's
-- first page of ids, as an array literal).
\set ON_ERROR_STOP on
PREPARE find_property(bigint) AS SELECT "properties"."id", "properties"."owner_id", "properties"."name", "properties"."description", "properties"."property_type", "properties"."city", "properties"."version", "properties"."created_at", "properties"."updated_at", "rooms"."id", "rooms"."property_id", "rooms"."name", "rooms"."kind", "rooms"."area_m2", "rooms"."floor", "rooms"."description" FROM ("properties" LEFT OUTER JOIN "rooms" ON ("rooms"."property_id" = "properties"."id")) WHERE ("properties"."id" = $1);
PREPARE find_rooms(bigint[]) AS SELECT "rooms"."id", "rooms"."property_id", "rooms"."name", "rooms"."kind", "rooms"."area_m2", "rooms"."floor", "rooms"."description" FROM "rooms" WHERE ("rooms"."property_id" = ANY($1)) ORDER BY "rooms"."property_id" ASC, "rooms"."id" ASC;
PREPARE list_page(text, bigint) AS SELECT "properties"."id", "properties"."owner_id", "properties"."name", "properties"."description", "properties"."property_type", "properties"."city", "properties"."version", "properties"."created_at", "properties"."updated_at" FROM "properties" WHERE ("properties"."city_key" = $1) ORDER BY "properties"."id" DESC LIMIT $2;

\echo '### plan_cache_mode = auto (custom plan)'
\echo '## find: property with its rooms'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE find_property(:id);
\echo '## list: page'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE list_page(:'city', 21);
\echo '## list: rooms of the page'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE find_rooms(:'ids');

SET plan_cache_mode = force_generic_plan;
\echo '### plan_cache_mode = force_generic_plan'
\echo '## find: property with its rooms'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE find_property(:id);
\echo '## list: page'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE list_page(:'city', 21);
\echo '## list: rooms of the page'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE find_rooms(:'ids');
