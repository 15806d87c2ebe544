//! Entities and value objects. Each value object has private fields and a
//! validating `parse`, so holding one proves the value obeys its rule.

mod audit;
mod page;
mod property;
mod property_type;
mod room;
mod text;
mod user;

pub use audit::{Action, AuditEntry, AuditEvent, Change, Changes, FieldValue, Resource};
pub use page::{Page, PropertyFilter, RoomCountBound};
pub use property::{
    City, CityKey, Description, NewProperty, Property, PropertyId, PropertyName, PropertyUpdate, Version,
};
pub use property_type::{PropertyType, TypeName, TypeSlug};
pub use room::{AreaM2, Floor, NewRoom, Room, RoomDescription, RoomId, RoomKind, RoomName, RoomUpdate};
pub use user::{
    Actor, BirthDate, Email, NewUser, Password, PasswordHash, PersonName, Role, User, UserId, UserUpdate,
};
