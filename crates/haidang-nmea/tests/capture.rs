//! The real AISHub capture (`shared/ais-conformance/ais-nmea-sample.log`, 85,182 sentences):
//! at least 99% of its sentences accepted, and the messages by type printed and compared with
//! the counts pyais 3.3.1 gives (from the corpus README).

use std::collections::BTreeMap;
use std::path::PathBuf;

use haidang_nmea::{Decoder, DecoderConfig, Event, LineFramer};

#[test]
fn real_capture() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/ais-conformance/ais-nmea-sample.log");
    let input = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let sentences = input
        .split(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"!"))
        .count();

    let mut framer = LineFramer::new(haidang_nmea::DEFAULT_MAX_LINE_BYTES);
    let mut decoder = Decoder::new(DecoderConfig::RECOMMENDED);
    let mut by_type: BTreeMap<u8, u64> = BTreeMap::new();
    let mut rejected_sentences = 0;
    let mut used_sentences = 0;
    let mut on_event = |e: Event<'_>| match e {
        Event::Ais(r) => {
            *by_type.entry(r.message.msg_type).or_default() += 1;
            used_sentences += r.sentences.len();
        }
        Event::Gnss(_) | Event::Sos(_) => {}
        Event::Rejected(r) => {
            rejected_sentences += r.sentences.iter().filter(|s| s.starts_with(b"!")).count();
        }
    };
    // Feed in odd-sized chunks, as a socket would deliver them.
    for chunk in input.chunks(1021) {
        framer.push(chunk, &mut |f| decoder.feed(f, 0, 0, &mut on_event));
    }
    framer.finish(&mut |f| decoder.feed(f, 0, 0, &mut on_event));
    decoder.finish(&mut on_event);

    let accepted = sentences - rejected_sentences;
    println!(
        "sentences {sentences}, accepted {accepted} ({:.3}%), in messages {used_sentences}",
        100.0 * accepted as f64 / sentences as f64
    );
    println!("messages by type: {by_type:?}");
    for (reason, n) in decoder.stats().rejected.iter() {
        println!("rejected {reason}: {n}");
    }
    assert_eq!(sentences, 85_182);
    assert_eq!(
        accepted, used_sentences,
        "every accepted sentence is in a message"
    );
    assert!(accepted * 100 >= sentences * 99, "fewer than 99% accepted");
    let pyais: BTreeMap<u8, u64> = [
        (1, 61374),
        (2, 1973),
        (3, 8785),
        (4, 4043),
        (5, 2221),
        (6, 435),
        (8, 1082),
        (9, 27),
        (10, 7),
        (11, 28),
        (16, 1),
        (17, 314),
        (18, 1361),
        (19, 109),
        (20, 276),
        (21, 379),
        (22, 23),
        (24, 306),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        by_type, pyais,
        "message counts by type differ from pyais 3.3.1's"
    );
}
