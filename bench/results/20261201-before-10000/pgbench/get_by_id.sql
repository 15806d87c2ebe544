-- get_by_id: GET /properties/5000, as realty sent it (bench/plans.py)
\set get_by_id_0_1 random(1, 10000)
SELECT "properties"."id", "properties"."owner_id", "properties"."name", "properties"."description", "properties"."property_type", "properties"."city", "properties"."version", "properties"."created_at", "properties"."updated_at", "rooms"."id", "rooms"."property_id", "rooms"."name", "rooms"."kind", "rooms"."area_m2", "rooms"."floor", "rooms"."description" FROM ("properties" LEFT OUTER JOIN "rooms" ON ("rooms"."property_id" = "properties"."id")) WHERE ("properties"."id" = :get_by_id_0_1);
