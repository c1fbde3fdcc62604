//! Token buckets: how much one member (over all their connections) or one client address (on the
//! endpoints anyone may call) may ask of the relay, in a burst and over time.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Instant;

use crate::config::Rate;

/// With more than this many buckets, full ones are forgotten (a full bucket is the same as
/// none), so callers who vary the key (many addresses) cannot grow the map for good. The next
/// pruning waits until the map has doubled again, so it costs nothing per call on average; past
/// a hard ceiling every bucket is forgotten.
const PRUNE_ABOVE: usize = 10_000;
const CEILING: usize = 1_000_000;

/// One bucket per key: per member for sync messages, per client address for unauthenticated calls.
#[derive(Debug)]
pub(crate) struct Budgets<K> {
    per_second: f64,
    burst: f64,
    buckets: Mutex<Buckets<K>>,
}

#[derive(Debug)]
struct Buckets<K> {
    by_key: HashMap<K, Bucket>,
    prune_at: usize,
}

/// Sync messages per member, shared by every device they sync from.
pub(crate) type MemberBudgets = Budgets<String>;

impl<K: Hash + Eq + Clone> Budgets<K> {
    pub(crate) fn new(per_second: f64, burst: u32) -> Self {
        Self {
            per_second,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(Buckets {
                by_key: HashMap::new(),
                prune_at: PRUNE_ABOVE,
            }),
        }
    }

    pub(crate) fn with_rate(rate: Rate) -> Self {
        Self::new(rate.per_second(), rate.burst)
    }

    /// Spends one of `key`'s calls; `false` once it has asked for more than it may.
    pub(crate) fn take(&self, key: &K) -> bool {
        self.take_at(key, 1.0, Instant::now())
    }

    /// Spends `amount` (bytes, say) of `key`'s budget at once, or nothing if it has not that much.
    pub(crate) fn take_amount(&self, key: &K, amount: usize) -> bool {
        // Exact below 2^52: the amounts here are at most a few megabytes.
        #[allow(clippy::cast_precision_loss)]
        let amount = amount as f64;
        self.take_at(key, amount, Instant::now())
    }

    fn take_at(&self, key: &K, amount: f64, now: Instant) -> bool {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.by_key.len() > buckets.prune_at {
            let (per_second, burst) = (self.per_second, self.burst);
            buckets
                .by_key
                .retain(|_, b| b.level_at(now, per_second, burst) < burst);
            if buckets.by_key.len() > CEILING {
                buckets.by_key.clear();
            }
            buckets.prune_at = (2 * buckets.by_key.len()).max(PRUNE_ABOVE);
        }
        buckets
            .by_key
            .entry(key.clone())
            .or_insert_with(|| Bucket::full(self.burst, now))
            .take_at(now, amount, self.per_second, self.burst)
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn full(burst: f64, now: Instant) -> Self {
        Self {
            tokens: burst,
            last: now,
        }
    }

    fn level_at(&self, now: Instant, per_second: f64, burst: f64) -> f64 {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        (self.tokens + elapsed * per_second).min(burst)
    }

    fn take_at(&mut self, now: Instant, amount: f64, per_second: f64, burst: f64) -> bool {
        self.tokens = self.level_at(now, per_second, burst);
        self.last = now;
        if self.tokens >= amount {
            self.tokens -= amount;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_is_allowed_and_refills_at_the_rate() {
        let start = Instant::now();
        let budgets = Budgets::new(10.0, 3);
        assert!((0..3).all(|_| budgets.take_at(&"k", 1.0, start)));
        assert!(!budgets.take_at(&"k", 1.0, start));
        assert!(budgets.take_at(&"k", 1.0, start + Duration::from_millis(100)));
        assert!(!budgets.take_at(&"k", 1.0, start + Duration::from_millis(100)));
    }

    #[test]
    fn an_amount_is_taken_whole_or_not_at_all() {
        let start = Instant::now();
        let budgets = Budgets::new(0.0, 1000);
        assert!(budgets.take_at(&"k", 600.0, start));
        assert!(!budgets.take_at(&"k", 600.0, start), "only 400 left");
        assert!(budgets.take_at(&"k", 400.0, start));
    }

    #[test]
    fn members_share_one_bucket_over_their_connections_and_not_with_others() {
        let budgets = MemberBudgets::new(0.0, 2);
        let (hanako, ken) = ("hanako".to_owned(), "ken".to_owned());
        assert!(budgets.take(&hanako) && budgets.take(&hanako));
        assert!(!budgets.take(&hanako));
        assert!(budgets.take(&ken));
    }

    #[test]
    fn many_keys_do_not_grow_the_map_without_bound() {
        let start = Instant::now();
        let budgets = Budgets::new(1000.0, 1);
        for i in 0..3 * PRUNE_ABOVE {
            budgets.take_at(&i, 1.0, start + Duration::from_millis(i as u64));
        }
        let held = budgets.buckets.lock().expect("not poisoned").by_key.len();
        assert!(held <= PRUNE_ABOVE + 1, "{held} buckets held");
    }
}
