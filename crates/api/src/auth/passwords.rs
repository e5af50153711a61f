//! Argon2id password and secret hashing with the crate's defaults, which are OWASP's
//! recommendation (19 MiB, two passes, one lane). Hashing is slow on purpose, so it runs on the
//! blocking pool, never on a request thread, in a fixed number of slots (one per core), each
//! with its own 19 MiB of working memory kept from one hash to the next: a burst of sign-ins
//! queues for a slot instead of allocating 19 MiB per hash, which the allocator would keep.

use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, PasswordVerifier, Version};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::Semaphore;

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

/// Working memory for the default parameters.
fn new_memory() -> Vec<Block> {
    vec![Block::new(); Params::default().block_count()]
}

/// `hash` in the given working memory: the same PHC string format.
pub fn hash_in(secret: &str, memory: &mut [Block]) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| HashError::Random(e.to_string()))?;
    let params = Params::default();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(secret.as_bytes(), &salt, &mut out, memory)
        .map_err(|e| HashError::Hash(e.to_string()))?;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(out)
    ))
}

/// `verify` in the given working memory (hashes stored with other parameters get their own).
pub fn verify_in(secret: &str, stored_hash: &str, memory: &mut [Block]) -> bool {
    let Ok(stored) = PasswordHash::new(stored_hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(stored.algorithm.as_str()),
        Params::try_from(&stored),
    ) else {
        return false;
    };
    let version = stored
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or_default();
    let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let hashed = if params.block_count() == memory.len() {
        argon2.hash_password_into_with_memory(secret.as_bytes(), salt, &mut out, memory)
    } else {
        argon2.hash_password_into(secret.as_bytes(), salt, &mut out)
    };
    // `Output` compares in constant time.
    hashed.is_ok()
        && argon2::password_hash::phc::Output::new(&out).is_ok_and(|computed| &computed == expected)
}

/// The hashing slots and the working memory of those in use before.
struct Slots {
    permits: Arc<Semaphore>,
    memory: Mutex<Vec<Vec<Block>>>,
}

/// One slot per core: a hash keeps its core busy, so more at once would only make each slower,
/// and every slot holds 19 MiB.
pub fn slot_count() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn slots() -> &'static Slots {
    static SLOTS: OnceLock<Slots> = OnceLock::new();
    SLOTS.get_or_init(|| Slots {
        permits: Arc::new(Semaphore::new(slot_count())),
        memory: Mutex::new(Vec::new()),
    })
}

/// Runs `work` in a slot on the blocking pool with that slot's working memory.
async fn in_slot<T: Send + 'static>(
    work: impl FnOnce(&mut [Block]) -> T + Send + 'static,
) -> Result<T, HashError> {
    let kept = slots();
    let permit = Arc::clone(&kept.permits)
        .acquire_owned()
        .await
        .map_err(|e| HashError::Hash(e.to_string()))?;
    let mut memory = kept
        .memory
        .lock()
        .ok()
        .and_then(|mut kept| kept.pop())
        .unwrap_or_else(new_memory);
    tokio::task::spawn_blocking(move || {
        let done = work(&mut memory);
        if let Ok(mut kept) = slots().memory.lock() {
            kept.push(memory);
        }
        drop(permit);
        done
    })
    .await
    .map_err(|e| HashError::Hash(e.to_string()))
}

/// Working memories allocated so far: never more than the slots.
pub fn memories_kept() -> usize {
    slots().memory.lock().map_or(0, |kept| kept.len())
}

pub async fn hash_off_thread(secret: String) -> Result<String, HashError> {
    in_slot(move |memory| hash_in(&secret, memory)).await?
}

pub async fn verify_off_thread(secret: String, stored_hash: String) -> bool {
    in_slot(move |memory| verify_in(&secret, &stored_hash, memory))
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
    fn a_hash_made_in_kept_memory_is_the_standard_format_and_verifies_both_ways()
    -> Result<(), HashError> {
        let mut memory = new_memory();
        let stored = hash_in("正しいパスワード", &mut memory)?;
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify("正しいパスワード", &stored),
            "argon2's own verifier agrees"
        );
        assert!(verify_in("正しいパスワード", &stored, &mut memory));
        assert!(!verify_in("違うパスワード", &stored, &mut memory));
        let standard = hash("正しいパスワード")?;
        assert!(verify_in("正しいパスワード", &standard, &mut memory));
        assert!(!verify_in("正しいパスワード", "not a hash", &mut memory));
        // Other parameters (a cheaper hash from elsewhere) still verify, in their own memory.
        let small = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).map_err(|e| HashError::Hash(e.to_string()))?,
        )
        .hash_password(b"pw")
        .map_err(|e| HashError::Hash(e.to_string()))?
        .to_string();
        assert!(verify_in("pw", &small, &mut memory));
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_of_sign_ins_uses_no_more_working_memory_than_there_are_slots() {
        let stored = hash("secret-secret").unwrap_or_default();
        let checks: Vec<_> = (0..3 * slot_count())
            .map(|_| verify_off_thread("secret-secret".into(), stored.clone()))
            .collect();
        for ok in futures_util::future::join_all(checks).await {
            assert!(ok);
        }
        let kept = memories_kept();
        assert!(kept >= 1 && kept <= slot_count(), "{kept} working memories");
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
