//! argon2id hashing on a few dedicated threads that each reuse one memory
//! buffer.
//!
//! Decision: at most one hash per core but one runs at a time, each thread
//! hashing into the buffer it allocated once; logins queue instead of
//! taking every core and a fresh 19 MiB each, as they did on tokio's
//! blocking pool. The queue has a cap ([`MAX_PENDING`]): past it a login is
//! a 503 at once rather than a wait a client would give up on. The threads keep the normal
//! priority. The measurements behind both choices are in BENCHMARKS.md
//! ("Password hashing on dedicated threads").

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use argon2::password_hash::phc::{self, Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use async_trait::async_trait;
use realty_domain::ports::PasswordHasher;
use realty_domain::{DomainError, Password, PasswordHash};

/// Hashes queued or running at most, per hashing thread: at a few tens of
/// milliseconds a hash, the last one waits about a second.
pub const MAX_PENDING: usize = 32;

/// The argon2id cost. `Default` is OWASP's recommended minimum
/// (19 MiB, 2 passes, 1 lane), which is also argon2's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
}

impl Default for HashCost {
    fn default() -> Self {
        Self { memory_kib: Params::DEFAULT_M_COST, iterations: Params::DEFAULT_T_COST }
    }
}

/// The `PasswordHasher` port over argon2id. Clones share the hashing
/// threads, which stop once the last clone is dropped.
#[derive(Clone)]
pub struct Argon2Hasher {
    jobs: mpsc::Sender<Job>,
    /// Hashes queued or running (for the metrics), at most `max_pending`.
    pending: Arc<AtomicUsize>,
    max_pending: usize,
    /// A hash of a random password, verified against for unknown emails so
    /// that they cost as much as a wrong password.
    decoy: Arc<PasswordHash>,
}

impl std::fmt::Debug for Argon2Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Argon2Hasher").finish_non_exhaustive()
    }
}

/// Work for a hashing thread, given that thread's reusable state.
type Job = Box<dyn FnOnce(&mut Workspace) + Send>;

impl Argon2Hasher {
    /// Starts one hashing thread per core but one (at least one): that core
    /// is left to the runtime and the database.
    ///
    /// # Errors
    /// When the cost parameters are out of argon2's range, or a thread cannot
    /// be started.
    pub fn new(cost: HashCost) -> Result<Self, DomainError> {
        let params = Params::new(cost.memory_kib, cost.iterations, Params::DEFAULT_P_COST, None)
            .map_err(DomainError::internal)?;
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let threads = cores.saturating_sub(1).max(1);

        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..threads {
            let queue = Arc::clone(&queue);
            let params = params.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || serve(&queue, params))
                .map_err(DomainError::internal)?;
        }

        let mut workspace = Workspace::new(params);
        let decoy = workspace.hash(uuid::Uuid::new_v4().to_string().as_bytes()).map_err(hash_error)?;
        Ok(Self {
            jobs,
            pending: Arc::new(AtomicUsize::new(0)),
            max_pending: MAX_PENDING * threads,
            decoy: Arc::new(PasswordHash::new(decoy)),
        })
    }

    /// Hashes waiting for a hashing thread or running on one.
    pub fn queue_depth(&self) -> usize {
        self.pending.load(Ordering::Relaxed)
    }

    /// Queues `work` for a hashing thread and waits for its result;
    /// `Unavailable` at once when the queue is full.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Workspace) -> T + Send + 'static,
    ) -> Result<T, DomainError> {
        let slot = QueueSlot::take(&self.pending, self.max_pending)
            .ok_or_else(|| DomainError::unavailable("too many password checks are waiting"))?;
        let (reply, result) = tokio::sync::oneshot::channel();
        let span = tracing::debug_span!(parent: tracing::Span::current(), "argon2");
        let job: Job = Box::new(move |workspace| {
            // The request gave up while queued (client gone, timeout): its
            // hash would be CPU spent for nobody.
            let outcome = (!reply.is_closed()).then(|| span.in_scope(|| work(workspace)));
            // Off the count before the answer, so whoever gets it finds the
            // queue as it is.
            drop(slot);
            if let Some(outcome) = outcome {
                let _ = reply.send(outcome);
            }
        });
        self.jobs
            .send(job)
            .map_err(|_| DomainError::internal("the password hashing threads have stopped"))?;
        result.await.map_err(|_| DomainError::internal("a password hashing thread dropped its job"))
    }
}

/// A job's place in the queue, given back when dropped: once it ran, or if
/// it panicked or was never sent.
struct QueueSlot(Arc<AtomicUsize>);

impl QueueSlot {
    fn take(pending: &Arc<AtomicUsize>, max: usize) -> Option<Self> {
        let taken =
            pending.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| (n < max).then_some(n + 1));
        taken.ok().map(|_| Self(Arc::clone(pending)))
    }
}

impl Drop for QueueSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, DomainError> {
        let password = password.expose().to_owned();
        self.run(move |workspace| workspace.hash(password.as_bytes()))
            .await?
            .map(PasswordHash::new)
            .map_err(hash_error)
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, DomainError> {
        let password = password.expose().to_owned();
        let hash = hash.as_str().to_owned();
        self.run(move |workspace| workspace.verify(password.as_bytes(), &hash)).await?.map_err(hash_error)
    }

    async fn verify_against_nothing(&self, password: &Password) -> Result<(), DomainError> {
        self.verify(password, &self.decoy).await.map(|_| ())
    }
}

/// A hashing thread's loop: takes the next job until every `Argon2Hasher`
/// clone is gone.
fn serve(queue: &Mutex<mpsc::Receiver<Job>>, params: Params) {
    let mut workspace = Workspace::new(params);
    loop {
        // The lock is held while waiting for a job, never while hashing. A
        // poisoned lock only means another thread panicked while waiting.
        let next = queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner).recv();
        let Ok(job) = next else { return };
        // A panicking job drops its reply (its request gets a 500); the
        // thread lives on for the next one.
        if std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut workspace))).is_err() {
            tracing::error!("a password hashing job panicked");
        }
    }
}

/// What a hashing thread keeps between hashes: the configured cost and the
/// argon2 memory, allocated on first use and grown if a stored hash asks
/// for more (a hash made under an earlier, larger cost).
struct Workspace {
    params: Params,
    memory: Vec<Block>,
}

impl Workspace {
    fn new(params: Params) -> Self {
        Self { params, memory: Vec::new() }
    }

    fn blocks(&mut self, params: &Params) -> &mut [Block] {
        let count = params.block_count();
        if self.memory.len() < count {
            self.memory.resize(count, Block::default());
        }
        &mut self.memory[..count]
    }

    /// A new PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) with a
    /// random salt, identical in form to what `argon2`'s own hasher writes.
    fn hash(&mut self, password: &[u8]) -> Result<String, HashError> {
        let params = self.params.clone();
        let salt = Salt::generate();
        let mut output = [0; Params::DEFAULT_OUTPUT_LEN];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone()).hash_password_into_with_memory(
            password,
            &salt,
            &mut output,
            self.blocks(&params),
        )?;
        let hash = phc::PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params)?,
            salt: Some(salt),
            hash: Some(Output::new(&output)?),
        };
        Ok(hash.to_string())
    }

    /// Recomputes `stored`'s hash of `password` with `stored`'s own
    /// algorithm, version, cost and salt, and compares in constant time.
    fn verify(&mut self, password: &[u8], stored: &str) -> Result<bool, HashError> {
        let stored = phc::PasswordHash::new(stored)?;
        let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
            return Err(HashError::Incomplete);
        };
        let algorithm = Algorithm::try_from(stored.algorithm.as_str())?;
        let version = stored.version.map(Version::try_from).transpose()?.unwrap_or_default();
        let params = Params::try_from(&stored)?;
        let mut output = [0; Output::MAX_LENGTH];
        let output = output.get_mut(..expected.len()).ok_or(HashError::Incomplete)?;
        Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
            password,
            salt,
            &mut *output,
            self.blocks(&params),
        )?;
        // `Output`'s equality is constant-time.
        Ok(Output::new(output)? == *expected)
    }
}

#[derive(Debug, thiserror::Error)]
enum HashError {
    #[error(transparent)]
    Argon2(#[from] argon2::Error),
    #[error(transparent)]
    Phc(#[from] argon2::password_hash::Error),
    #[error(transparent)]
    PhcString(#[from] phc::Error),
    #[error("the stored password hash has no salt or no hash")]
    Incomplete,
}

fn hash_error(error: HashError) -> DomainError {
    DomainError::internal(error)
}

#[cfg(test)]
mod tests {
    use argon2::{PasswordHasher as _, PasswordVerifier as _};

    use super::*;

    const CHEAP: HashCost = HashCost { memory_kib: 1024, iterations: 1 };

    fn workspace() -> Workspace {
        Workspace::new(Params::new(CHEAP.memory_kib, CHEAP.iterations, 1, None).expect("valid cost"))
    }

    fn library() -> Argon2<'static> {
        Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(CHEAP.memory_kib, CHEAP.iterations, 1, None).expect("valid cost"),
        )
    }

    #[test]
    fn its_hashes_verify_with_the_argon2_crate_and_back() {
        let mut workspace = workspace();
        let ours = workspace.hash(b"correct horse").expect("hash");
        assert!(ours.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{ours}");
        assert!(library().verify_password(b"correct horse", ours.as_str()).is_ok());
        assert!(library().verify_password(b"wrong horse", ours.as_str()).is_err());

        let theirs = library().hash_password(b"battery staple").expect("hash").to_string();
        assert!(workspace.verify(b"battery staple", &theirs).expect("verify"));
        assert!(!workspace.verify(b"battery stapler", &theirs).expect("verify"));
    }

    #[test]
    fn a_hash_made_under_another_cost_still_verifies() {
        let mut workspace = workspace();
        let costlier = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(2048, 2, 1, None).expect("valid cost"),
        )
        .hash_password(b"s3cret")
        .expect("hash")
        .to_string();
        assert!(workspace.verify(b"s3cret", &costlier).expect("verify"));
        assert!(!workspace.verify(b"secret", &costlier).expect("verify"));
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_their_salt() {
        let mut workspace = workspace();
        assert_ne!(workspace.hash(b"same").expect("hash"), workspace.hash(b"same").expect("hash"));
    }

    #[test]
    fn a_malformed_stored_hash_is_an_error_not_a_mismatch() {
        let mut workspace = workspace();
        assert!(workspace.verify(b"x", "not a phc string").is_err());
        assert!(workspace.verify(b"x", "$argon2id$v=19$m=1024,t=1,p=1").is_err());
    }

    #[tokio::test]
    async fn the_port_hashes_and_verifies_on_the_hashing_threads() {
        let hasher = Argon2Hasher::new(CHEAP).expect("hasher");
        let password = Password::parse("a long enough password").expect("valid password");
        let hash = hasher.hash(&password).await.expect("hash");
        assert!(hasher.verify(&password, &hash).await.expect("verify"));
        let other = Password::parse("another long password").expect("valid password");
        assert!(!hasher.verify(&other, &hash).await.expect("verify"));
        hasher.verify_against_nothing(&password).await.expect("decoy");

        // Many at once all come back, through clones sharing the threads.
        let checks = (0..8).map(|_| {
            let (hasher, password, hash) = (hasher.clone(), password.clone(), hash.clone());
            tokio::spawn(async move { hasher.verify(&password, &hash).await })
        });
        for check in checks {
            assert!(check.await.expect("task").expect("verify"));
        }
    }

    /// Far more checks at once than the queue holds: those past the cap are
    /// refused at once, the others all come back.
    #[tokio::test]
    async fn past_its_cap_the_queue_refuses_at_once() {
        let costly = HashCost { memory_kib: 8 * 1024, iterations: 2 };
        let hasher = Argon2Hasher::new(costly).expect("hasher");
        let password = Password::parse("a long enough password").expect("valid password");
        let hash = hasher.hash(&password).await.expect("hash");
        let many = 3 * hasher.max_pending;

        let mut checks = tokio::task::JoinSet::new();
        for _ in 0..many {
            let (hasher, password, hash) = (hasher.clone(), password.clone(), hash.clone());
            checks.spawn(async move { hasher.verify(&password, &hash).await });
        }
        let outcomes = checks.join_all().await;

        let refused =
            outcomes.iter().filter(|outcome| matches!(outcome, Err(DomainError::Unavailable(_)))).count();
        let verified = outcomes.iter().filter(|outcome| matches!(outcome, Ok(true))).count();
        assert_eq!(refused + verified, many, "nothing else: {outcomes:?}");
        assert!(verified >= hasher.max_pending, "the queue's worth is served: {verified}");
        assert!(refused >= many - hasher.max_pending - 8, "the rest is refused: {refused}");
        assert_eq!(hasher.queue_depth(), 0, "nothing left queued");
    }
}
