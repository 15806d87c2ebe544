//! Accounts: registration, login, token checks, profiles and the admin
//! directory.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use realty_domain::ports::{
    Clock, IssuedToken, LoginThrottle, PasswordHasher, TokenClaims, TokenService, UserRepository,
};
use realty_domain::{
    Action, Actor, AuditEntry, BirthDate, Changes, DomainError, Email, LoginEmail, NewUser, Page, Password,
    PasswordHash, PersonName, Role, User, UserId, UserQuery, UserUpdate, authz,
};

use crate::{Parsed, Result};

/// A sign-up.
#[derive(Debug, Clone)]
pub struct Registration {
    pub email: Email,
    pub password: Password,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub birth_date: Option<BirthDate>,
}

/// A login attempt.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub email: LoginEmail,
    pub password: Password,
}

/// A profile PATCH: `None` leaves a field alone; `birth_date: Some(None)`
/// clears it. A new `password` needs the `current_password` when users
/// change their own.
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    pub first_name: Option<PersonName>,
    pub last_name: Option<PersonName>,
    pub birth_date: Option<Option<BirthDate>>,
    pub password: Option<Password>,
    pub current_password: Option<Password>,
}

/// How failed logins are throttled: after `max_failures` for one email
/// within `window`, logins for it are refused until the window passes.
#[derive(Debug, Clone, Copy)]
pub struct LoginPolicy {
    /// 0 turns throttling off.
    pub max_failures: u32,
    pub window: Duration,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        Self { max_failures: 5, window: Duration::from_secs(15 * 60) }
    }
}

/// The account use cases.
#[derive(Clone)]
pub struct Accounts {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenService>,
    throttle: Arc<dyn LoginThrottle>,
    clock: Arc<dyn Clock>,
    policy: LoginPolicy,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts").field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl Accounts {
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        tokens: Arc<dyn TokenService>,
        throttle: Arc<dyn LoginThrottle>,
        clock: Arc<dyn Clock>,
        policy: LoginPolicy,
    ) -> Self {
        Self { users, hasher, tokens, throttle, clock, policy }
    }

    /// Today, by the injected clock: what a birth date is checked against
    /// when a request is parsed.
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// Creates an account with the `user` role.
    ///
    /// # Errors
    /// `Conflict` when the email is taken.
    #[tracing::instrument(skip_all)]
    pub async fn register(&self, registration: Registration) -> Result<User> {
        let Registration { email, password, first_name, last_name, birth_date } = registration;
        let password_hash = self.hasher.hash(&password).await?;
        self.create_user(email, password_hash, first_name, last_name, birth_date, Role::User).await
    }

    async fn create_user(
        &self,
        email: Email,
        password_hash: PasswordHash,
        first_name: PersonName,
        last_name: PersonName,
        birth_date: Option<BirthDate>,
        role: Role,
    ) -> Result<User> {
        let at = self.clock.now();
        let mut changes = Changes::default();
        changes.record("email", None::<&str>, email.as_str());
        changes.record("first_name", None::<&str>, first_name.as_str());
        changes.record("last_name", None::<&str>, last_name.as_str());
        changes.record("birth_date", None::<NaiveDate>, birth_date.map(BirthDate::date));
        changes.record("role", None::<&str>, role.as_str());
        let user = NewUser { email, password_hash, first_name, last_name, birth_date, role, at };
        let audit = AuditEntry { at, actor_id: None, action: Action::Create, changes };
        self.users.create(user, audit).await
    }

    /// Exchanges credentials for an access token.
    ///
    /// Unknown emails cost one password hash too and get the same answer as
    /// wrong passwords, so neither timing nor message tells which accounts
    /// exist. Failures are counted per email (known or not) in shared
    /// storage.
    ///
    /// # Errors
    /// `TooManyAttempts` after too many recent failures (even with the right
    /// password); `Unauthenticated` for bad credentials.
    #[tracing::instrument(skip_all)]
    pub async fn login(&self, credentials: Credentials) -> Result<IssuedToken> {
        let Credentials { email, password } = credentials;
        let now = self.clock.now();
        let key = email.as_str();
        let window_start = now - self.window();
        let failures = self.throttle.recent_failures(key, window_start).await?;
        if let Some(retry_after_secs) = self.retry_after(&failures, now) {
            tracing::info!("login throttled");
            return Err(DomainError::TooManyAttempts { retry_after_secs });
        }

        let user = match email.address() {
            Some(address) => self.users.find_by_email(&address).await?,
            None => None,
        };
        let verified = match &user {
            Some(user) => self.hasher.verify(&password, &user.password_hash).await?,
            None => {
                self.hasher.verify_against_nothing(&password).await?;
                false
            }
        };
        let Some(user) = user.filter(|_| verified) else {
            self.throttle.record_failure(key, now, window_start).await?;
            return Err(DomainError::Unauthenticated);
        };
        if !failures.is_empty() {
            self.throttle.clear(key).await?;
        }
        self.tokens.issue(user.id, now)
    }

    fn window(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.policy.window).unwrap_or(chrono::Duration::MAX)
    }

    /// Seconds until enough failures leave the window for a login to be
    /// allowed again, or `None` when it is allowed now.
    fn retry_after(&self, failures: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<u64> {
        let max = usize::try_from(self.policy.max_failures).unwrap_or(usize::MAX);
        // A limit of 0 would refuse every login forever; read it as "off".
        if max == 0 || failures.len() < max {
            return None;
        }
        // Logins resume once the count in the window drops below `max`, i.e.
        // when the failure `max` places from the newest expires. Rounded up:
        // a client waiting exactly Retry-After seconds must get through.
        let deciding = failures[failures.len() - max];
        let wait = deciding + self.window() - now;
        let seconds = wait.num_seconds() + i64::from(wait.subsec_nanos() > 0);
        Some(u64::try_from(seconds).unwrap_or(0).max(1))
    }

    /// What a bearer token says, checked against the clock (no storage).
    ///
    /// # Errors
    /// `Unauthenticated` for a malformed, tampered, premature or expired
    /// token.
    pub fn verify_token(&self, token: &str) -> Result<TokenClaims> {
        self.tokens.verify(token, self.clock.now())
    }

    /// The user a verified token stands for.
    ///
    /// # Errors
    /// `Unauthenticated` when the user is gone or the token was issued
    /// before their last password change.
    #[tracing::instrument(skip_all, fields(user_id = claims.user_id.0))]
    pub async fn user_of(&self, claims: TokenClaims) -> Result<User> {
        let user = self.users.find_by_id(claims.user_id).await?.ok_or(DomainError::Unauthenticated)?;
        if claims.issued_at < user.password_changed_at {
            return Err(DomainError::Unauthenticated);
        }
        Ok(user)
    }

    /// The user a bearer token stands for ([`Accounts::verify_token`] then
    /// [`Accounts::user_of`]).
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn authenticate(&self, token: &str) -> Result<User> {
        self.user_of(self.verify_token(token)?).await
    }

    /// # Errors
    /// `NotFound`; `Forbidden` unless the actor is that user or an admin.
    #[tracing::instrument(skip_all, fields(user_id = id.0))]
    pub async fn get_user(&self, actor: &Actor, id: UserId) -> Result<User> {
        let user = self.load(id).await?;
        authz::ensure_can_manage_user(actor, id)?;
        Ok(user)
    }

    /// The admin directory.
    ///
    /// # Errors
    /// `Forbidden` unless the actor is an admin.
    #[tracing::instrument(skip_all)]
    pub async fn list_users(&self, actor: &Actor, query: UserQuery) -> Result<Page<User>> {
        authz::ensure_can_list_users(actor)?;
        self.users.list(&query).await
    }

    /// Applies a profile PATCH. Changing one's own password needs the
    /// current one; an admin resetting someone else's does not.
    ///
    /// # Errors
    /// `NotFound`; `Forbidden`; `Invalid` (the patch's own errors, a missing
    /// or wrong `current_password`).
    #[tracing::instrument(skip_all, fields(user_id = id.0))]
    pub async fn update_user(&self, actor: &Actor, id: UserId, patch: Parsed<ProfilePatch>) -> Result<User> {
        let user = self.load(id).await?;
        authz::ensure_can_manage_user(actor, id)?;
        let patch = patch?;
        if patch.password.is_none() && patch.current_password.is_some() {
            return Err(DomainError::invalid("current_password", "is only accepted together with password"));
        }

        let mut update = UserUpdate {
            first_name: patch.first_name,
            last_name: patch.last_name,
            birth_date: patch.birth_date,
            password_hash: None,
            role: None,
        };
        let mut changes = Changes::default();
        if let Some(password) = &patch.password {
            if actor.id == user.id {
                self.check_current_password(&user, patch.current_password.as_ref()).await?;
            }
            update.password_hash = Some(self.hasher.hash(password).await?);
            changes.record_secret("password");
        }
        if let Some(first_name) = &update.first_name {
            changes.record("first_name", user.first_name.as_str(), first_name.as_str());
        }
        if let Some(last_name) = &update.last_name {
            changes.record("last_name", user.last_name.as_str(), last_name.as_str());
        }
        if let Some(birth_date) = update.birth_date {
            let date = |birth_date: Option<BirthDate>| birth_date.map(BirthDate::date);
            changes.record("birth_date", date(user.birth_date), date(birth_date));
        }
        if changes.is_empty() {
            return Ok(user);
        }
        let audit =
            AuditEntry { at: self.clock.now(), actor_id: Some(actor.id), action: Action::Update, changes };
        self.users.update(id, update, audit).await
    }

    async fn check_current_password(&self, user: &User, current: Option<&Password>) -> Result<()> {
        let Some(current) = current else {
            return Err(DomainError::invalid("current_password", "is required to change the password"));
        };
        if self.hasher.verify(current, &user.password_hash).await? {
            Ok(())
        } else {
            Err(DomainError::invalid("current_password", "does not match the current password"))
        }
    }

    /// Deletes the account and, with it, the user's properties.
    ///
    /// # Errors
    /// `NotFound`; `Forbidden` unless the actor is that user or an admin;
    /// `Conflict` when the user is the last admin.
    #[tracing::instrument(skip_all, fields(user_id = id.0))]
    pub async fn delete_user(&self, actor: &Actor, id: UserId) -> Result<()> {
        let user = self.load(id).await?;
        authz::ensure_can_manage_user(actor, id)?;
        let mut changes = Changes::default();
        changes.record("email", user.email.as_str(), None::<&str>);
        changes.record("first_name", user.first_name.as_str(), None::<&str>);
        changes.record("last_name", user.last_name.as_str(), None::<&str>);
        changes.record("role", user.role.as_str(), None::<&str>);
        let audit =
            AuditEntry { at: self.clock.now(), actor_id: Some(actor.id), action: Action::Delete, changes };
        self.users.delete(id, audit).await
    }

    /// Creates an admin, or promotes an existing user to admin (their
    /// password is then left as it is). For the `create-admin` command only:
    /// no API route reaches it.
    ///
    /// # Errors
    /// `Invalid` for a bad email or password.
    #[tracing::instrument(skip_all)]
    pub async fn ensure_admin(&self, email: &str, password: &str) -> Result<User> {
        let email = Email::parse(email).map_err(|error| DomainError::invalid("email", error.to_string()))?;
        if let Some(user) = self.users.find_by_email(&email).await? {
            if user.role == Role::Admin {
                return Ok(user);
            }
            let mut changes = Changes::default();
            changes.record("role", user.role.as_str(), Role::Admin.as_str());
            let update = UserUpdate { role: Some(Role::Admin), ..UserUpdate::default() };
            let audit =
                AuditEntry { at: self.clock.now(), actor_id: Some(user.id), action: Action::Update, changes };
            return self.users.update(user.id, update, audit).await;
        }
        let password =
            Password::parse(password).map_err(|error| DomainError::invalid("password", error.to_string()))?;
        let name = PersonName::parse("Admin").map_err(DomainError::internal)?;
        let password_hash = self.hasher.hash(&password).await?;
        self.create_user(email, password_hash, name.clone(), name, None, Role::Admin).await
    }

    async fn load(&self, id: UserId) -> Result<User> {
        self.users.find_by_id(id).await?.ok_or(DomainError::NotFound { resource: "user" })
    }
}
