//! Multi-sentence reassembly: a bounded table of pending messages keyed by source, talker,
//! formatter, channel, sequence id, fragment count and tag-block group, with expiry by age.
//!
//! Policy (the conformance corpus's): fragments must arrive in order; a fragment with no
//! pending message, or out of turn, is rejected as `missing_fragment` together with the
//! fragments it breaks; a new first fragment replaces a pending one (`superseded_fragment`).
//! Nothing is dropped silently: every fragment ends in a message or a rejection.

use crate::bits::MAX_PAYLOAD_CHARS;
use crate::error::Reason;

/// Identifies the message a fragment belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub(crate) source: u32,
    pub(crate) talker: [u8; 2],
    pub(crate) own_ship: bool,
    pub(crate) channel: Option<u8>,
    pub(crate) seq: Option<u8>,
    pub(crate) count: u8,
    pub(crate) group: Option<u32>,
}

/// A message being assembled, or just completed.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    key: Option<Key>,
    next: u8,
    started_ms: u64,
    /// Payload characters of the fragments so far, concatenated.
    pub(crate) payload: Vec<u8>,
    pub(crate) fill: u8,
    /// The raw lines, concatenated; `ends` holds where each one ends.
    pub(crate) lines: Vec<u8>,
    pub(crate) ends: Vec<u32>,
}

impl Pending {
    fn reset(&mut self, key: Key, now_ms: u64) {
        self.key = Some(key);
        self.next = 1;
        self.started_ms = now_ms;
        self.payload.clear();
        self.fill = 0;
        self.lines.clear();
        self.ends.clear();
    }

    fn push_line(&mut self, line: &[u8]) {
        self.lines.extend_from_slice(line);
        self.ends.push(self.lines.len() as u32);
    }

    /// The raw lines held.
    pub(crate) fn sentences(&self) -> crate::Sentences<'_> {
        crate::Sentences::many(&self.lines, &self.ends)
    }
}

/// One sentence of a multi-sentence message.
pub(crate) struct Fragment<'a> {
    pub(crate) key: Key,
    /// Its number, from 1 to `key.count`.
    pub(crate) num: u8,
    pub(crate) payload: &'a [u8],
    pub(crate) fill: u8,
    /// The raw line, kept for the message's `sentences` or for a rejection.
    pub(crate) line: &'a [u8],
}

/// What a fragment did.
pub(crate) enum Step {
    /// Stored; the message needs more fragments.
    Stored,
    /// The message is complete: see [`Assembler::completed`].
    Complete,
}

#[derive(Debug)]
pub(crate) struct Assembler {
    pending: Vec<Pending>,
    spare: Vec<Pending>,
    completed: Pending,
    max_pending: usize,
    max_age_ms: u64,
}

impl Assembler {
    pub(crate) fn new(max_pending: usize, max_age_ms: u64) -> Self {
        Self {
            pending: Vec::new(),
            spare: Vec::new(),
            completed: Pending::default(),
            max_pending: max_pending.max(1),
            max_age_ms,
        }
    }

    /// The message completed by the last [`Step::Complete`].
    pub(crate) fn completed(&self) -> &Pending {
        &self.completed
    }

    /// Adds a fragment. Fragments that this breaks are handed to `reject`.
    pub(crate) fn push(
        &mut self,
        fragment: Fragment<'_>,
        now_ms: u64,
        reject: &mut dyn FnMut(Reason, crate::Sentences<'_>),
    ) -> Result<Step, Reason> {
        let Fragment {
            key,
            num,
            payload,
            fill,
            line,
        } = fragment;
        self.expire(now_ms, reject);
        let found = self.pending.iter().position(|p| p.key == Some(key));
        if num == 1 {
            if let Some(i) = found {
                let old = self.pending.remove(i);
                reject(Reason::SupersededFragment, old.sentences());
                self.spare.push(old);
            }
            if self.pending.len() >= self.max_pending {
                let oldest = self.pending.remove(0);
                reject(Reason::MissingFragment, oldest.sentences());
                self.spare.push(oldest);
            }
            let mut entry = self.spare.pop().unwrap_or_default();
            entry.reset(key, now_ms);
            self.pending.push(entry);
        }
        let Some(i) = (if num == 1 {
            Some(self.pending.len() - 1)
        } else {
            found
        }) else {
            return Err(Reason::MissingFragment);
        };
        let entry = &mut self.pending[i];
        if entry.next != num {
            let broken = self.pending.remove(i);
            reject(Reason::MissingFragment, broken.sentences());
            self.spare.push(broken);
            return Err(Reason::MissingFragment);
        }
        if entry.payload.len() + payload.len() > MAX_PAYLOAD_CHARS {
            let broken = self.pending.remove(i);
            reject(Reason::Overlong, broken.sentences());
            self.spare.push(broken);
            return Err(Reason::Overlong);
        }
        entry.payload.extend_from_slice(payload);
        entry.push_line(line);
        entry.next += 1;
        if num < key.count {
            return Ok(Step::Stored);
        }
        // Fill bits count only on the last fragment.
        entry.fill = fill;
        let done = self.pending.remove(i);
        let previous = std::mem::replace(&mut self.completed, done);
        self.spare.push(previous);
        Ok(Step::Complete)
    }

    /// Rejects pending messages older than the maximum age.
    pub(crate) fn expire(
        &mut self,
        now_ms: u64,
        reject: &mut dyn FnMut(Reason, crate::Sentences<'_>),
    ) {
        while let Some(first) = self.pending.first() {
            // Pending messages are kept in arrival order, so the first is the oldest.
            if now_ms.saturating_sub(first.started_ms) <= self.max_age_ms {
                break;
            }
            let old = self.pending.remove(0);
            reject(Reason::MissingFragment, old.sentences());
            self.spare.push(old);
        }
    }

    /// Rejects every pending message: the input has ended.
    pub(crate) fn flush(&mut self, reject: &mut dyn FnMut(Reason, crate::Sentences<'_>)) {
        for old in self.pending.drain(..) {
            reject(Reason::MissingFragment, old.sentences());
            self.spare.push(old);
        }
    }

    /// Messages waiting for fragments.
    pub(crate) fn pending_count(&self) -> usize {
        self.pending.len()
    }
}
