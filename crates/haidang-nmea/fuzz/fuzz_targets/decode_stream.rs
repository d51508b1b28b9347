//! Arbitrary bytes through the framer and the decoder, in chunks, from several sources and
//! with an advancing clock: nothing may panic, and nothing may be left pending after
//! `finish`.
#![no_main]

use haidang_nmea::{Decoder, DecoderConfig, Event, LineFramer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut framer = LineFramer::new(256);
    let mut decoder = Decoder::new(DecoderConfig { max_pending_messages: 8, fragment_max_age_ms: 3 });
    let mut events = 0_usize;
    let mut on_event = |e: Event<'_>| {
        events += match e {
            Event::Ais(r) => r.sentences.len(),
            Event::Gnss(r) => r.sentences.len(),
            Event::Sos(r) => r.sentences.len(),
            Event::Rejected(r) => r.sentences.len(),
        };
    };
    // The first byte picks the chunk size, so that lines split at every position.
    let (chunk, rest) = data.split_first().map_or((7, data), |(c, r)| (usize::from(*c % 64) + 1, r));
    for (t, piece) in rest.chunks(chunk).enumerate() {
        framer.push(piece, &mut |f| decoder.feed(f, (t % 2) as u32, t as u64, &mut on_event));
    }
    framer.finish(&mut |f| decoder.feed(f, 0, u64::MAX, &mut on_event));
    decoder.finish(&mut on_event);
    assert_eq!(decoder.pending_messages(), 0);
});
