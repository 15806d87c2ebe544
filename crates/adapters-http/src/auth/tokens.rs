//! PASETO v4.public access tokens (Ed25519 signatures): any instance holding
//! the key verifies a token without shared session state.

use chrono::{DateTime, SecondsFormat, Utc};
use pasetors::claims::{Claims, ClaimsValidationRules};
use pasetors::keys::{AsymmetricKeyPair, AsymmetricPublicKey, AsymmetricSecretKey, Generate};
use pasetors::paserk::FormatAsPaserk;
use pasetors::token::UntrustedToken;
use pasetors::version4::V4;
use pasetors::{Public, public};
use realty_domain::ports::{IssuedToken, TokenClaims, TokenService};
use realty_domain::{DomainError, UserId};

/// The token key could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the token key must be a PASERK `k4.secret.…` string as printed by `realty keygen`")]
pub struct TokenKeyError;

/// A fresh secret key in PASERK form (`k4.secret.…`).
///
/// # Errors
/// When the system's random source fails.
pub fn generate_key() -> Result<String, DomainError> {
    let pair = AsymmetricKeyPair::<V4>::generate().map_err(DomainError::internal)?;
    let mut paserk = String::new();
    pair.secret.fmt(&mut paserk).map_err(DomainError::internal)?;
    Ok(paserk)
}

/// The `TokenService` port over PASETO v4.public.
pub struct PasetoTokens {
    secret: AsymmetricSecretKey<V4>,
    public: AsymmetricPublicKey<V4>,
    ttl: chrono::Duration,
}

impl std::fmt::Debug for PasetoTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasetoTokens").field("ttl", &self.ttl).finish_non_exhaustive()
    }
}

impl PasetoTokens {
    /// # Errors
    /// When `paserk` is not a v4 secret key.
    pub fn from_paserk(paserk: &str, ttl: std::time::Duration) -> Result<Self, TokenKeyError> {
        let secret = AsymmetricSecretKey::<V4>::try_from(paserk.trim()).map_err(|_| TokenKeyError)?;
        let public = AsymmetricPublicKey::<V4>::try_from(&secret).map_err(|_| TokenKeyError)?;
        let ttl = chrono::Duration::from_std(ttl).map_err(|_| TokenKeyError)?;
        Ok(Self { secret, public, ttl })
    }

    fn sign(&self, user: UserId, now: DateTime<Utc>) -> Result<String, pasetors::errors::Error> {
        // Sub-second `iat` so that a token issued just after a password
        // change (same second) is not mistaken for one issued before it.
        let instant = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Micros, true);
        let mut claims = Claims::new()?;
        claims.subject(&user.0.to_string())?;
        claims.issued_at(&instant(now))?;
        claims.not_before(&instant(now))?;
        claims.expiration(&instant(now + self.ttl))?;
        claims.token_identifier(&uuid::Uuid::new_v4().to_string())?;
        public::sign(&self.secret, &claims, None, None)
    }
}

impl TokenService for PasetoTokens {
    fn issue(&self, user: UserId, now: DateTime<Utc>) -> Result<IssuedToken, DomainError> {
        let token = self.sign(user, now).map_err(DomainError::internal)?;
        let expires_in_secs = u64::try_from(self.ttl.num_seconds()).unwrap_or(0);
        Ok(IssuedToken { token, expires_in_secs })
    }

    fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<TokenClaims, DomainError> {
        let untrusted =
            UntrustedToken::<Public, V4>::try_from(token).map_err(|_| DomainError::Unauthenticated)?;
        // Checks the signature, then `nbf`, `iat` and `exp` against the
        // system clock.
        let trusted = public::verify(&self.public, &untrusted, &ClaimsValidationRules::new(), None, None)
            .map_err(|_| DomainError::Unauthenticated)?;
        let claims = trusted.payload_claims().ok_or(DomainError::Unauthenticated)?;
        let instant = |name: &str| {
            claims
                .get_claim(name)
                .and_then(|value| value.as_str())
                .and_then(|value| DateTime::parse_from_rfc3339(value).ok())
                .map(|value| value.with_timezone(&Utc))
                .ok_or(DomainError::Unauthenticated)
        };
        // And against the injected clock, which is what the domain trusts.
        if instant("exp")? <= now || instant("nbf")? > now {
            return Err(DomainError::Unauthenticated);
        }
        let user_id = claims
            .get_claim("sub")
            .and_then(|value| value.as_str())
            .and_then(|value| value.parse::<i64>().ok())
            .ok_or(DomainError::Unauthenticated)?;
        Ok(TokenClaims { user_id: UserId(user_id), issued_at: instant("iat")? })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn tokens() -> PasetoTokens {
        let key = generate_key().expect("key");
        PasetoTokens::from_paserk(&key, Duration::from_secs(3600)).expect("valid key")
    }

    #[test]
    fn a_token_verifies_to_its_user() {
        let tokens = tokens();
        let now = Utc::now();
        let issued = tokens.issue(UserId(42), now).expect("issued");
        let claims = tokens.verify(&issued.token, now).expect("valid");
        assert_eq!(claims.user_id, UserId(42));
        assert_eq!(issued.expires_in_secs, 3600);
    }

    #[test]
    fn an_expired_token_is_refused() {
        let tokens = tokens();
        let issued = tokens.issue(UserId(1), Utc::now() - chrono::Duration::hours(2)).expect("issued");
        assert!(matches!(tokens.verify(&issued.token, Utc::now()), Err(DomainError::Unauthenticated)));
    }

    #[test]
    fn a_tampered_token_is_refused() {
        let tokens = tokens();
        let now = Utc::now();
        let mut token = tokens.issue(UserId(1), now).expect("issued").token;
        let last = token.pop().expect("non-empty");
        token.push(if last == 'A' { 'B' } else { 'A' });
        assert!(tokens.verify(&token, now).is_err());
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let now = Utc::now();
        let token = tokens().issue(UserId(1), now).expect("issued").token;
        assert!(tokens().verify(&token, now).is_err());
    }

    #[test]
    fn a_malformed_key_is_rejected() {
        assert!(PasetoTokens::from_paserk("not a key", Duration::from_secs(60)).is_err());
    }
}
