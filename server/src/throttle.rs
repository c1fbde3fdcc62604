//! Slows down password guessing: after too many failed sign-ins for one (email, address) pair
//! within a window, further attempts are refused without checking the password.
//!
//! Kept in memory: a restart forgets it, which costs an attacker a restart they cannot cause.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub(crate) struct SignInThrottle {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<(String, IpAddr), VecDeque<Instant>>>,
}

impl SignInThrottle {
    pub(crate) fn new(max_failures: usize, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Whether this pair has used up its failures for now.
    pub(crate) fn is_blocked(&self, email: &str, ip: IpAddr) -> bool {
        let now = Instant::now();
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = (email.to_owned(), ip);
        let Some(times) = failures.get_mut(&key) else {
            return false;
        };
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) > self.window)
        {
            times.pop_front();
        }
        if times.is_empty() {
            failures.remove(&key);
            return false;
        }
        times.len() >= self.max_failures
    }

    pub(crate) fn record_failure(&self, email: &str, ip: IpAddr) {
        let now = Instant::now();
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget stale entries now and then, so guessing over many emails cannot grow the map forever.
        if failures.len() > 10_000 {
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) <= self.window)
            });
        }
        let times = failures.entry((email.to_owned(), ip)).or_default();
        times.push_back(now);
        while times.len() > self.max_failures {
            times.pop_front();
        }
    }

    pub(crate) fn clear(&self, email: &str, ip: IpAddr) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        failures.remove(&(email.to_owned(), ip));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_blocked_after_its_failures_and_others_are_not() {
        let throttle = SignInThrottle::new(3, Duration::from_secs(600));
        let ip: IpAddr = [127, 0, 0, 1].into();
        for _ in 0..3 {
            assert!(!throttle.is_blocked("a@example.com", ip));
            throttle.record_failure("a@example.com", ip);
        }
        assert!(throttle.is_blocked("a@example.com", ip));
        assert!(!throttle.is_blocked("b@example.com", ip));
        throttle.clear("a@example.com", ip);
        assert!(!throttle.is_blocked("a@example.com", ip));
    }

    #[test]
    fn failures_expire_after_the_window() {
        let throttle = SignInThrottle::new(1, Duration::from_millis(1));
        let ip: IpAddr = [127, 0, 0, 1].into();
        throttle.record_failure("a@example.com", ip);
        std::thread::sleep(Duration::from_millis(5));
        assert!(!throttle.is_blocked("a@example.com", ip));
    }
}
