//! A token bucket: how many messages a connection may send, in a burst and per second.

use std::time::Instant;

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
}
