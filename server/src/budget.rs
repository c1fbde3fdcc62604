//! Token buckets: how many messages a member may send over all their connections, in a burst
//! and per second.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// One bucket per member, shared by every device they sync from.
#[derive(Debug)]
pub(crate) struct MemberBudgets {
    per_second: u32,
    burst: u32,
    buckets: Mutex<HashMap<String, MessageBudget>>,
}

impl MemberBudgets {
    pub(crate) fn new(per_second: u32, burst: u32) -> Self {
        Self {
            per_second,
            burst,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Spends one of `user`'s messages; `false` once they have sent more than they may.
    pub(crate) fn take(&self, user: &str) -> bool {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        buckets
            .entry(user.to_owned())
            .or_insert_with(|| MessageBudget::new(self.per_second, self.burst))
            .take()
    }
}

#[derive(Debug)]
pub(crate) struct MessageBudget {
    tokens: f64,
    burst: f64,
    per_second: f64,
    last: Instant,
}

impl MessageBudget {
    pub(crate) fn new(per_second: u32, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            tokens: burst,
            burst,
            per_second: f64::from(per_second),
            last: Instant::now(),
        }
    }

    /// Spends one message; `false` once the peer has sent more than it may.
    pub(crate) fn take(&mut self) -> bool {
        self.take_at(Instant::now())
    }

    fn take_at(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
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
        let mut budget = MessageBudget::new(10, 3);
        assert!((0..3).all(|_| budget.take_at(start)));
        assert!(!budget.take_at(start));
        assert!(budget.take_at(start + Duration::from_millis(100)));
        assert!(!budget.take_at(start + Duration::from_millis(100)));
    }

    #[test]
    fn members_share_one_bucket_over_their_connections_and_not_with_others() {
        let budgets = MemberBudgets::new(0, 2);
        assert!(budgets.take("hanako") && budgets.take("hanako"));
        assert!(!budgets.take("hanako"));
        assert!(budgets.take("ken"));
    }
}
