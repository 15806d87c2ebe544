//! Credentials: argon2id password hashing and PASETO v4.public tokens.

mod passwords;
mod tokens;

pub use passwords::{Argon2Hasher, HashCost};
pub use tokens::{PasetoTokens, TokenKeyError, generate_key};
