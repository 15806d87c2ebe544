//! `Idempotency-Key` on the creations (`POST /properties`,
//! `POST /properties/{id}/rooms`, `POST /property-types`), DESIGN §4.3: the
//! first request with a key is processed and its answer kept, in the
//! database, so that a retry through any instance gets the same answer with
//! `Idempotent-Replayed: true` and creates nothing. Keys are scoped to the
//! authenticated user; a request without the header, or without a valid
//! token (the handler answers 401), is not affected.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use realty_domain::ports::{Claim, Lease, StoredResponse};
use realty_domain::{FieldError, UserId};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::extract::auth::{VerifiedClaims, bearer_token};
use crate::extract::json::body_rejection;
use crate::state::AppState;

const IDEMPOTENCY_KEY: &str = "idempotency-key";
const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The headers of an answer worth replaying.
const KEPT_HEADERS: [HeaderName; 3] = [header::LOCATION, header::ETAG, header::CONTENT_TYPE];

/// Kept answers are the creations' own: a few kilobytes. The bound only
/// guards against a bug.
const MAX_KEPT_BODY: usize = 1024 * 1024;

pub(crate) async fn idempotent(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // A route layer wraps every method of its paths, the reads and the 405
    // of an unknown method included: only the creations are concerned.
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(raw) = request.headers().get(IDEMPOTENCY_KEY) else {
        return next.run(request).await;
    };
    // Authentication comes before syntax (DESIGN §4): without a valid token
    // the handler answers 401, whatever the key looks like.
    let Some(user) = user_of(&state, &request) else {
        return next.run(request).await;
    };
    let Some(key) = valid_key(raw) else {
        return ApiError::BadRequest("Idempotency-Key must be 1 to 255 visible ASCII characters".into())
            .into_response();
    };
    let (parts, body) = request.into_parts();
    // Read as the JSON extractor reads it, so that a body past the limit is
    // the same 413 (a streamed body only fails while read) and others a 400.
    let body = match Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await {
        Ok(body) => body,
        Err(rejection) => return body_rejection(rejection).into_response(),
    };
    let fingerprint = fingerprint(parts.method.as_str(), parts.uri.path(), &body);
    match state.idempotency.claim(user, &key, &fingerprint).await {
        Err(error) => ApiError::from(error).into_response(),
        Ok(Claim::Replay(kept)) => replay(kept),
        Ok(Claim::InProgress) => ApiError::Conflict(
            "a request with this Idempotency-Key is still being processed; retry once it is answered".into(),
        )
        .into_response(),
        Ok(Claim::Mismatch) => ApiError::Invalid(vec![FieldError::new(
            "Idempotency-Key",
            "was already used for another request (another method, path or body)",
        )])
        .into_response(),
        Ok(Claim::Claimed(lease)) => {
            let response = next.run(Request::from_parts(parts, Body::from(body))).await;
            keep(&state, user, &key, lease, response).await
        }
    }
}

/// 1 to 255 visible ASCII characters (DESIGN §4.3).
fn valid_key(raw: &HeaderValue) -> Option<String> {
    let key = raw.to_str().ok()?;
    (!key.is_empty() && key.len() <= 255 && key.bytes().all(|byte| byte.is_ascii_graphic()))
        .then(|| key.to_owned())
}

/// The user a valid bearer token names (checked by the rate limiter when
/// it runs, else here).
fn user_of(state: &AppState, request: &Request) -> Option<UserId> {
    if let Some(VerifiedClaims(claims)) = request.extensions().get::<VerifiedClaims>() {
        return claims.ok().map(|claims| claims.user_id);
    }
    let token = bearer_token(request.headers()).ok()?;
    state.accounts.verify_token(token).ok().map(|claims| claims.user_id)
}

/// What makes two requests "the same": method, path and body.
fn fingerprint(method: &str, path: &str, body: &Bytes) -> String {
    let mut digest = Sha256::new();
    for part in [method.as_bytes(), b"\n", path.as_bytes(), b"\n", body.as_ref()] {
        digest.update(part);
    }
    digest.finalize().iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Keeps the answer for retries, except when a retry deserves a fresh try:
/// a server error, or an answer that depends on the credentials or the
/// moment (401, 403, 408, 429). Then the key is released.
async fn keep(state: &AppState, user: UserId, key: &str, lease: Lease, response: Response) -> Response {
    let status = response.status();
    let transient = status.is_server_error()
        || matches!(
            status,
            StatusCode::UNAUTHORIZED
                | StatusCode::FORBIDDEN
                | StatusCode::REQUEST_TIMEOUT
                | StatusCode::TOO_MANY_REQUESTS
        );
    if transient {
        if let Err(error) = state.idempotency.release(user, key, lease).await {
            tracing::warn!(error = %error, "an idempotency key could not be released");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let body = match to_bytes(body, MAX_KEPT_BODY).await {
        Ok(body) => body,
        Err(error) => {
            return ApiError::internal(format!("an answer could not be kept: {error}")).into_response();
        }
    };
    let headers = KEPT_HEADERS
        .iter()
        .filter_map(|name| {
            let value = parts.headers.get(name)?.to_str().ok()?;
            Some((name.as_str().to_owned(), value.to_owned()))
        })
        .collect();
    let kept = StoredResponse { status: status.as_u16(), headers, body: body.to_vec() };
    match state.idempotency.complete(user, key, lease, kept).await {
        Ok(true) => {}
        // This request outlived its lease and a retry took the key over:
        // that retry's answer is the one to keep.
        Ok(false) => tracing::warn!("an idempotent answer came after its claim was taken over; not kept"),
        // The creation happened; a retry will find the claim's lease and wait
        // it out rather than create twice.
        Err(error) => tracing::warn!(error = %error, "an idempotent answer could not be kept"),
    }
    Response::from_parts(parts, Body::from(body))
}

fn replay(kept: StoredResponse) -> Response {
    let status = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
    let mut response = (status, kept.body).into_response();
    let headers = response.headers_mut();
    for (name, value) in kept.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            headers.insert(name, value);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}
