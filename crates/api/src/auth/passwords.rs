//! Argon2id password and secret hashing with the crate's defaults, which are OWASP's
//! recommendation (19 MiB, two passes, one lane). Hashing is slow on purpose, so it runs on the
//! blocking pool, one hash per core at a time, never on a request thread.

use argon2::password_hash::PasswordHasher;
use argon2::{Argon2, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("the system random number generator failed: {0}")]
    Random(String),
}

pub fn hash(secret: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(secret.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError::Hash(e.to_string()))
}

/// False for a wrong secret and for a stored hash that cannot be read alike.
pub fn verify(secret: &str, stored_hash: &str) -> bool {
    Argon2::default()
        .verify_password(secret.as_bytes(), stored_hash)
        .is_ok()
}

/// Hashes in progress at once: two per core, so a burst of sign-ins queues here rather than
/// running hundreds of 19 MiB hashes side by side on the blocking pool, each of them slower.
/// (One per core served only 30 of the benchmark's 50 sign-ins per second beside list traffic.)
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(2 * cores)
    })
}

pub async fn hash_off_thread(secret: String) -> Result<String, HashError> {
    let _slot = hashing_slots()
        .acquire()
        .await
        .map_err(|e| HashError::Hash(e.to_string()))?;
    actix_web::web::block(move || hash(&secret))
        .await
        .map_err(|e| HashError::Hash(e.to_string()))?
}

pub async fn verify_off_thread(secret: String, stored_hash: String) -> bool {
    let Ok(_slot) = hashing_slots().acquire().await else {
        return false;
    };
    actix_web::web::block(move || verify(&secret, &stored_hash))
        .await
        .unwrap_or(false)
}

/// `bytes` random bytes, URL-safe base64 without padding.
pub fn random_token(bytes: usize) -> Result<String, HashError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| HashError::Random(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

/// A new service account's client id and secret; the secret is shown once and stored hashed.
pub fn new_client_credentials() -> Result<(String, String), HashError> {
    let mut id = [0u8; 9];
    getrandom::fill(&mut id).map_err(|e| HashError::Random(e.to_string()))?;
    let client_id = format!("svc_{}", URL_SAFE_NO_PAD.encode(id));
    Ok((client_id, random_token(32)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_only_with_the_same_password() -> Result<(), HashError> {
        let stored = hash("正しいパスワード")?;
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("正しいパスワード", &stored));
        assert!(!verify("違うパスワード", &stored));
        assert!(!verify("正しいパスワード", "not a hash"));
        Ok(())
    }

    #[test]
    fn client_credentials_are_random_and_url_safe() -> Result<(), HashError> {
        let (id_a, secret_a) = new_client_credentials()?;
        let (id_b, secret_b) = new_client_credentials()?;
        assert_ne!(id_a, id_b);
        assert_ne!(secret_a, secret_b);
        assert!(secret_a.len() >= 43);
        assert!(
            secret_a
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        Ok(())
    }
}
