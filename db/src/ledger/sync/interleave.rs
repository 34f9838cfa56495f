//! The order in which several desks' entries about one subject are replayed: each desk's own
//! entries stay in that desk's order (its sequence numbers), and the desks' streams are merged by
//! when each entry happened. A desk alone replays exactly as it always has, however its clock
//! moved; several desks replay alike wherever the replay runs, because ties go by desk id.

use std::collections::VecDeque;

/// What [`interleave`] needs of an entry.
pub trait Placed {
    fn desk(&self) -> &str;
    fn seq(&self) -> i64;
    /// When it happened, and when it was recorded: the merge's key across desks.
    fn when(&self) -> (i64, i64);
}

impl Placed for crate::event::Event {
    fn desk(&self) -> &str {
        &self.desk
    }
    fn seq(&self) -> i64 {
        self.seq
    }
    fn when(&self) -> (i64, i64) {
        (self.occurred_at, self.recorded_at)
    }
}

impl Placed for crate::record::Record {
    fn desk(&self) -> &str {
        &self.desk
    }
    fn seq(&self) -> i64 {
        self.seq
    }
    /// A register change takes effect when it was recorded: the later one wins.
    fn when(&self) -> (i64, i64) {
        (self.recorded_at, self.occurred_at)
    }
}

/// `entries` (one subject's, in any order) in replay order.
pub fn interleave<T: Placed>(mut entries: Vec<T>) -> Vec<T> {
    entries.sort_by(|a, b| (a.desk(), a.seq()).cmp(&(b.desk(), b.seq())));
    let first_desk = entries.first().map(|e| e.desk().to_string());
    if entries.iter().all(|e| Some(e.desk()) == first_desk.as_deref()) {
        return entries; // one desk: its own order
    }
    let mut streams: Vec<VecDeque<T>> = Vec::new();
    for e in entries {
        match streams.last_mut() {
            Some(stream) if stream.back().is_some_and(|last| last.desk() == e.desk()) => stream.push_back(e),
            _ => streams.push(VecDeque::from([e])),
        }
    }
    let mut merged = Vec::new();
    loop {
        // The stream whose next entry happened first (ties: the lower desk id, as sorted).
        let next = streams
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.front().map(|e| (e.when(), i)))
            .min();
        let Some((_, i)) = next else { break };
        if let Some(e) = streams[i].pop_front() {
            merged.push(e);
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct E(&'static str, i64, i64);

    impl Placed for E {
        fn desk(&self) -> &str {
            self.0
        }
        fn seq(&self) -> i64 {
            self.1
        }
        fn when(&self) -> (i64, i64) {
            (self.2, 0)
        }
    }

    #[test]
    fn one_desk_keeps_its_own_order_even_when_its_clock_went_back() {
        let merged = interleave(vec![E("a", 2, 5), E("a", 1, 9), E("a", 3, 7)]);
        assert_eq!(merged, vec![E("a", 1, 9), E("a", 2, 5), E("a", 3, 7)]);
    }

    #[test]
    fn desks_merge_by_time_each_in_its_own_order() {
        let merged = interleave(vec![E("b", 1, 4), E("a", 2, 6), E("a", 1, 1), E("b", 2, 6)]);
        assert_eq!(merged, vec![E("a", 1, 1), E("b", 1, 4), E("a", 2, 6), E("b", 2, 6)]);
    }
}
