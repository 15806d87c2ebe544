//! The per-client rate limit as a middleware: who the client is (the user
//! a bearer token names, else the address, see `crate::rate_limit`), one
//! token taken per request, and the IETF `RateLimit-Policy` and `RateLimit`
//! fields on every answer.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::RouteTemplates;
use crate::error::ApiError;
use crate::extract::auth::{VerifiedClaims, bearer_token};
use crate::rate_limit::{ClientKey, client_address};
use crate::state::AppState;

const RATE_LIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
const RATE_LIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// What the rate limit layer needs: the service's state and its route
/// templates.
#[derive(Debug, Clone)]
pub(crate) struct Limiting {
    pub(crate) state: AppState,
    pub(crate) routes: Arc<RouteTemplates>,
}

/// Counts the request against its client's bucket; past it, a 429 problem
/// with `Retry-After`, labelled in the metrics with the route it asked for
/// (the router, which would name it, is not reached). A bearer token is
/// verified here (its signature only; the user is loaded by `AuthUser`,
/// which reuses the claims), so an authenticated client is one bucket
/// wherever it connects from.
pub(crate) async fn rate_limit(
    State(Limiting { state, routes }): State<Limiting>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(limiter) = state.rate_limiter.clone() else {
        return next.run(request).await;
    };
    let claims =
        bearer_token(request.headers()).ok().map(|token| state.accounts.verify_token(token).map_err(|_| ()));
    let key = match claims {
        Some(Ok(claims)) => ClientKey::User(claims.user_id.0),
        _ => {
            let peer = request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(peer)| peer.ip());
            ClientKey::anonymous(client_address(peer, request.headers(), &state.trusted_proxies))
        }
    };
    if let Some(claims) = claims {
        request.extensions_mut().insert(VerifiedClaims(claims));
    }
    let decision = limiter.check(&key);
    let mut response = match decision.retry_after_secs() {
        None => next.run(request).await,
        Some(retry_after_secs) => {
            state.metrics.rate_limited();
            let mut refused = ApiError::RateLimited { retry_after_secs }.into_response();
            if let Some(route) = routes.route(request.uri().path()) {
                refused.extensions_mut().insert(route);
            }
            refused
        }
    };
    let headers = response.headers_mut();
    headers.insert(RATE_LIMIT_POLICY, limiter.policy());
    headers.insert(RATE_LIMIT, decision.header());
    response
}
