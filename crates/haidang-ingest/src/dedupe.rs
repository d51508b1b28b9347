//! The same message heard by several receivers: the first copy within a time window passes,
//! the others are dropped (and counted by the caller). The window and the memory are
//! bounded.

use std::collections::{HashMap, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};

use haidang_nmea::Sentences;

/// Remembers the messages seen in the last `window_ms`, at most `capacity` of them.
///
/// Times are the messages' own (the receiving station's tag-block time when there is one,
/// else the receive time), and a copy is one within `window_ms` of the first: a replayed
/// or backlogged feed, whose reports arrive faster than they were sent, is not mistaken
/// for copies.
#[derive(Debug)]
pub struct Dedupe {
    window_ms: i64,
    capacity: usize,
    /// Arrival order, for expiry and eviction: (time, key).
    order: VecDeque<(i64, u64)>,
    /// Key to the time it was last seen.
    seen: HashMap<u64, i64>,
    /// The newest time seen, which expiry follows.
    newest_ms: i64,
}

impl Dedupe {
    /// A filter with a window of `window_ms` and room for `capacity` messages (AIS-catcher
    /// keeps 32,768 over a few seconds; 30 s covers satellite and terrestrial copies).
    pub fn new(window_ms: i64, capacity: usize) -> Self {
        Self {
            window_ms,
            capacity: capacity.max(1),
            order: VecDeque::new(),
            seen: HashMap::new(),
            newest_ms: i64::MIN,
        }
    }

    /// True the first time a message is seen within the window around `time_ms`; false for
    /// a copy.
    ///
    /// The key is the message's payload (the sentences' payload and fill-bit fields, or the
    /// whole sentence for GNSS), so the copies that differ only in receiver, channel, talker
    /// or tag block count as one.
    pub fn first(&mut self, sentences: Sentences<'_>, time_ms: i64) -> bool {
        self.newest_ms = self.newest_ms.max(time_ms);
        self.expire();
        let key = payload_key(sentences);
        if let Some(&seen_ms) = self.seen.get(&key)
            && (time_ms - seen_ms).abs() < self.window_ms
        {
            return false;
        }
        if self.order.len() >= self.capacity
            && let Some((t, old)) = self.order.pop_front()
        {
            self.forget(old, t);
        }
        self.order.push_back((time_ms, key));
        self.seen.insert(key, time_ms);
        true
    }

    /// Messages remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True if nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    fn expire(&mut self) {
        while let Some(&(t, key)) = self.order.front() {
            if self.newest_ms.saturating_sub(t) < self.window_ms {
                break;
            }
            self.order.pop_front();
            self.forget(key, t);
        }
    }

    /// Forgets `key` unless it was seen again after `t`.
    fn forget(&mut self, key: u64, t: i64) {
        if self.seen.get(&key) == Some(&t) {
            self.seen.remove(&key);
        }
    }
}

fn payload_key(sentences: Sentences<'_>) -> u64 {
    let mut h = DefaultHasher::new();
    for s in sentences.iter() {
        // Skip a tag block; then for `!..VDM` hash fields 5 and 6 (payload, fill bits).
        let s = match s.strip_prefix(b"\\") {
            Some(rest) => rest
                .iter()
                .position(|&b| b == b'\\')
                .map_or(s, |i| &rest[i + 1..]),
            None => s,
        };
        if s.starts_with(b"!") {
            let mut fields = s.split(|&b| b == b',').skip(5);
            fields.next().hash(&mut h);
            // The fill-bit digit, without the checksum (which covers the talker too).
            fields.next().and_then(|f| f.first()).hash(&mut h);
        } else {
            s.hash(&mut h);
        }
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use haidang_nmea::{Decoder, DecoderConfig, Event};

    /// Feeds lines at the given times; returns which were passed as first copies.
    fn check(lines: &[(i64, &str)], window_ms: i64, capacity: usize, expect: &[bool]) {
        let mut dedupe = Dedupe::new(window_ms, capacity);
        let mut decoder = Decoder::new(DecoderConfig::RECOMMENDED);
        let mut got = Vec::new();
        for &(t, line) in lines {
            decoder.feed_line(line.as_bytes(), 0, 0, &mut |e| {
                if let Event::Ais(r) = e {
                    got.push(dedupe.first(r.sentences, t));
                }
            });
        }
        assert_eq!(got, expect);
        assert!(dedupe.len() <= capacity);
    }

    const A: &str = "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A";
    const A_OTHER_RECEIVER: &str =
        "\\s:STN-2,c:1700000000*6C\\!BSVDM,1,1,,B,15RTgt0PAso;90TKcjM8h6g208CQ,0*50";
    const B: &str = "!AIVDM,1,1,,A,16SteH0P00Jt63hHaa6SagvJ087r,0*42";

    #[test]
    fn copies_from_other_receivers_are_dropped_within_the_window() {
        check(
            &[(0, A), (1_000, A_OTHER_RECEIVER), (2_000, B), (29_000, A)],
            30_000,
            100,
            &[true, false, true, false],
        );
    }

    #[test]
    fn after_the_window_a_message_counts_again() {
        check(
            &[(0, A), (30_000, A), (31_000, A)],
            30_000,
            100,
            &[true, true, false],
        );
    }

    #[test]
    fn a_replay_faster_than_real_time_is_not_taken_for_copies() {
        // The same report a minute apart by its own time, arriving a second apart.
        check(
            &[(0, A), (60_000, A), (61_000, A_OTHER_RECEIVER)],
            30_000,
            100,
            &[true, true, false],
        );
    }

    #[test]
    fn memory_is_bounded() {
        check(&[(0, A), (1, B), (2, A)], 30_000, 1, &[true, true, true]);
    }
}
