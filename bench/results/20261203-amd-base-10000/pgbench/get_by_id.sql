-- get_by_id: GET /properties/5000, as realty sent it (bench/plans.py)
\set get_by_id_0_1 random(1, 10000)
SELECT "properties"."id", "properties"."owner_id", "properties"."name", "properties"."description", "properties"."property_type", "properties"."city", "properties"."version", "properties"."created_at", "properties"."updated_at", ARRAY(SELECT ROW(r.id, r.name, r.kind, r.area_m2, r.floor, r.description) FROM rooms r WHERE r.property_id = properties.id ORDER BY r.id) FROM "properties" WHERE ("properties"."id" = :get_by_id_0_1);
