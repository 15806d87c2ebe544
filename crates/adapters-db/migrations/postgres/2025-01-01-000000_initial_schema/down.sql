DROP TABLE login_failures;
DROP TABLE audit_events;
DROP TABLE rooms;
DROP TABLE properties;
DROP TABLE property_types;
DROP TABLE users;
