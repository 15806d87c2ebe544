//! What the adapter found out lately about the stored data to choose a
//! plan (how rare a search word is, how often a bound is met), kept for a
//! while so that the searches people repeat cost nothing more to decide.
//! An answer out of date only picks a slower plan, never another answer.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many answers are kept at most (each a search word of at most 50
/// characters or a handful of numbers, with what was found: a few
/// megabytes at worst); when full, all are forgotten at once, and the next
/// searches ask again.
pub(crate) const REMEMBERED: usize = 10_000;

/// How long an answer is trusted: words and sizes grow common or rare
/// slowly.
const TRUSTED_FOR: Duration = Duration::from_secs(600);

/// Answers by question, each trusted for [`TRUSTED_FOR`], at most
/// [`REMEMBERED`] of them.
#[derive(Debug)]
pub(crate) struct Remembered<K, V> {
    known: Mutex<HashMap<K, (V, Instant)>>,
}

impl<K: Hash + Eq, V: Clone> Remembered<K, V> {
    pub(crate) fn new() -> Self {
        Self { known: Mutex::new(HashMap::new()) }
    }

    /// The answer to `question`, if it was found out lately.
    pub(crate) fn get(&self, question: &K) -> Option<V> {
        let known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        known.get(question).filter(|(_, at)| at.elapsed() < TRUSTED_FOR).map(|(answer, _)| answer.clone())
    }

    /// Remembers the answer to `question`.
    pub(crate) fn remember(&self, question: K, answer: V) {
        let mut known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if known.len() >= REMEMBERED && !known.contains_key(&question) {
            known.clear();
        }
        known.insert(question, (answer, Instant::now()));
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_memory_forgets_everything_rather_than_grow() {
        let known = Remembered::new();
        for n in 0..REMEMBERED {
            known.remember(n, false);
        }
        known.remember(0, true);
        assert_eq!(known.len(), REMEMBERED, "a known question is answered anew in place");

        known.remember(REMEMBERED, true);

        assert_eq!(known.get(&REMEMBERED), Some(true), "the newest is kept");
        assert_eq!(known.get(&1), None, "the older ones were forgotten");
        assert_eq!(known.len(), 1);
    }
}
