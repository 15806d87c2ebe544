//! Entities and value objects. Each value object has private fields and a
//! validating `parse`, so holding one proves the value obeys its rule.

mod audit;
mod edit;
mod property;
mod property_type;
mod room;
mod search;
mod text;
mod user;

pub use audit::{Action, AuditEntry, AuditEvent, Change, Changes, FieldValue, Resource, ResourceId};
pub use edit::{Decide, Edit, Edited, Precondition, PropertyChange};
pub use property::{
    City, CityKey, Description, NewProperty, Property, PropertyId, PropertyName, PropertyUpdate, Summary,
    Version,
};
pub use property_type::{PropertyType, TypeName, TypeSlug};
pub use room::{
    AreaM2, Floor, NewRoom, Room, RoomDescription, RoomId, RoomKind, RoomKinds, RoomName, RoomUpdate,
};
pub use search::{Keyset, Page, PropertyQuery, SearchWord, Sort, SortKey, SortValue, UserQuery};
pub use text::{refused_in_free_text, refused_in_one_line};
pub use user::{
    Actor, BirthDate, Email, LoginEmail, NewUser, Password, PasswordHash, PersonName, Role, User, UserId,
    UserUpdate,
};
