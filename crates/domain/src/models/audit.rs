//! The audit trail: who changed what, when, and from which value to which.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{PropertyId, UserId};

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Create,
    Update,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Create, Self::Update, Self::Delete].into_iter().find(|a| a.as_str() == raw)
    }
}

/// What it was done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    User,
    Property,
    Room,
    PropertyType,
}

impl Resource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Property => "property",
            Self::Room => "room",
            Self::PropertyType => "property_type",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::User, Self::Property, Self::Room, Self::PropertyType].into_iter().find(|r| r.as_str() == raw)
    }
}

/// A field's value in the audit trail, in JSON's terms. Dates are text
/// (`YYYY-MM-DD`): a separate variant could not be told from a name that
/// looks like a date once stored as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Null,
    Integer(i64),
    Number(f64),
    Text(String),
}

impl From<&str> for FieldValue {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<i64> for FieldValue {
    fn from(value: i64) -> Self {
        Self::Integer(value)
    }
}

impl From<f64> for FieldValue {
    fn from(value: f64) -> Self {
        Self::Number(value)
    }
}

impl From<NaiveDate> for FieldValue {
    fn from(value: NaiveDate) -> Self {
        Self::Text(value.to_string())
    }
}

impl<T: Into<FieldValue>> From<Option<T>> for FieldValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}

/// One field's old and new value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub old: FieldValue,
    pub new: FieldValue,
}

/// The fields a write changed, by name; unchanged fields are left out.
/// Passwords and hashes are never recorded: the builder offers no way to.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Changes(BTreeMap<String, Change>);

impl Changes {
    /// Records `field` when `old` and `new` differ.
    pub fn record(&mut self, field: &str, old: impl Into<FieldValue>, new: impl Into<FieldValue>) {
        let (old, new) = (old.into(), new.into());
        if old != new {
            self.0.insert(field.to_owned(), Change { old, new });
        }
    }

    /// Records that a password was changed without recording any value.
    pub fn record_secret(&mut self, field: &str) {
        self.0.insert(
            field.to_owned(),
            Change { old: FieldValue::Text("***".into()), new: FieldValue::Text("***".into()) },
        );
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&Change> {
        self.0.get(field)
    }

    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Change)> {
        self.0.iter().map(|(field, change)| (field.as_str(), change))
    }
}

/// What a use case asks a repository to record alongside a write, in the
/// same transaction. The repository fills in the resource id (unknown
/// before an insert) and the property the event belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// `None` when the subject acts on itself before it has an id (a user
    /// registering); the repository then records the new user's id.
    pub actor_id: Option<UserId>,
    pub action: Action,
    pub changes: Changes,
}

/// The id of an audited resource, in its own type: users, properties and
/// rooms have integer ids, property types a slug.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResourceId {
    Number(i64),
    Slug(String),
}

impl std::fmt::Display for ResourceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Number(id) => id.fmt(f),
            Self::Slug(slug) => f.write_str(slug),
        }
    }
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: UserId,
    pub action: Action,
    pub resource: Resource,
    pub resource_id: ResourceId,
    /// The property the event belongs to, for property and room events.
    pub property_id: Option<PropertyId>,
    pub changes: Changes,
}
