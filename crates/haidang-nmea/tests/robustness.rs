//! Property tests: no input makes the decoder panic, every sentence fed is accounted for
//! exactly once, and encoding then decoding gives back the fields.

use std::path::PathBuf;
use std::sync::OnceLock;

use haidang_nmea::encode::{Payload, vdm_sentences};
use haidang_nmea::{Body, Decoder, DecoderConfig, Event, LineFramer};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

fn config(cases: u32) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(0x0048_6169_6461_6e67),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Every sentence of the conformance corpus.
fn corpus_lines() -> &'static [String] {
    static LINES: OnceLock<Vec<String>> = OnceLock::new();
    LINES.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/ais-conformance/corpus.jsonl");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        text.lines()
            .flat_map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("JSON");
                v["sentences"].as_array().cloned().unwrap_or_default()
            })
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect()
    })
}

/// Decodes a byte stream delivered in chunks; returns (lines fed to the decoder, sentences
/// in messages, sentences in rejections).
fn account(chunks: &[Vec<u8>], max_line: usize) -> (u64, usize, usize) {
    let mut framer = LineFramer::new(max_line);
    let mut decoder = Decoder::new(DecoderConfig {
        max_pending_messages: 4,
        fragment_max_age_ms: 10,
    });
    let (mut in_messages, mut in_rejections) = (0, 0);
    let mut on_event = |e: Event<'_>| match e {
        Event::Ais(r) => in_messages += r.sentences.len(),
        Event::Gnss(r) => in_messages += r.sentences.len(),
        Event::Sos(r) => in_messages += r.sentences.len(),
        Event::Rejected(r) => in_rejections += r.sentences.len(),
    };
    for (t, chunk) in chunks.iter().enumerate() {
        framer.push(chunk, &mut |f| {
            decoder.feed(f, (t % 3) as u32, t as u64, &mut on_event)
        });
    }
    framer.finish(&mut |f| decoder.feed(f, 0, u64::MAX / 2, &mut on_event));
    decoder.finish(&mut on_event);
    assert_eq!(decoder.pending_messages(), 0);
    (decoder.stats().lines, in_messages, in_rejections)
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn arbitrary_bytes_never_panic(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 0..8)) {
        account(&chunks, 64);
    }

    #[test]
    fn nmea_like_bytes_never_panic(chunks in prop::collection::vec("[!$\\\\*,0-9A-Za-z:@`\\-\r\n]{0,120}", 0..8)) {
        let chunks: Vec<Vec<u8>> = chunks.into_iter().map(String::into_bytes).collect();
        account(&chunks, 128);
    }
}

/// One mutation of a line.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize),
    Insert(usize, u8),
    Truncate(usize),
}

fn mutate(line: &str, mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = line.as_bytes().to_vec();
    for m in mutations {
        let len = bytes.len().max(1);
        match *m {
            Mutation::Flip(i, x) if !bytes.is_empty() => bytes[i % len] ^= x,
            Mutation::Delete(i) if !bytes.is_empty() => {
                bytes.remove(i % len);
            }
            Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Mutation::Truncate(i) => bytes.truncate(i % len),
            _ => {}
        }
    }
    bytes
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255_u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

proptest! {
    #![proptest_config(config(5000))]

    /// Mutated corpus sentences, fed one per line: no panic, and every line that reached the
    /// decoder ends in a message or a rejection (fragments once their message ends).
    #[test]
    fn mutated_corpus_lines_are_all_accounted_for(
        picks in prop::collection::vec((any::<prop::sample::Index>(), prop::collection::vec(mutation(), 0..4)), 1..12),
    ) {
        let lines = corpus_lines();
        let mut stream = Vec::new();
        let mut sentences = 0;
        for (index, mutations) in &picks {
            let mut line = mutate(&lines[index.index(lines.len())], mutations);
            line.retain(|&b| b != b'\n' && b != b'\r');
            if line.iter().any(|&b| b != b' ') {
                sentences += 1;
            }
            stream.extend_from_slice(&line);
            stream.extend_from_slice(b"\r\n");
        }
        let (lines_fed, in_messages, in_rejections) = account(&[stream], 4096);
        prop_assert_eq!(lines_fed, sentences as u64);
        // A line holding two sentences (an interrupted one, then another) counts twice.
        prop_assert!(in_messages + in_rejections >= sentences);
    }

    /// Unmutated corpus sentences in random order and interleaving: each sentence ends up in
    /// exactly one message or one rejection.
    #[test]
    fn every_sentence_ends_in_exactly_one_event(picks in prop::collection::vec(any::<prop::sample::Index>(), 1..40)) {
        let lines = corpus_lines();
        let chosen: Vec<&str> = picks
            .iter()
            .map(|i| lines[i.index(lines.len())].as_str())
            .filter(|l| !l.is_empty() && !l.contains(['\n', '\r']) && l.is_ascii() && l.matches(['!', '$']).count() <= 1)
            .collect();
        let stream: Vec<u8> = chosen.iter().flat_map(|l| l.bytes().chain(*b"\n")).collect();
        let (_, in_messages, in_rejections) = account(&[stream], 4096);
        let nonblank = chosen.iter().filter(|l| !l.trim().is_empty()).count();
        prop_assert_eq!(in_messages + in_rejections, nonblank);
    }

    /// Class A position reports survive encoding and decoding, split over random chunks.
    #[test]
    fn position_reports_round_trip(
        msg_type in 1_u64..=3,
        mmsi in 0_u64..(1 << 30),
        nav_status in 0_u64..16,
        rot in -128_i64..=127,
        sog in 0_u64..1024,
        lon in -108_600_000_i64..=108_600_000,
        lat in -54_600_000_i64..=54_600_000,
        cog in 0_u64..4096,
        heading in 0_u64..512,
        second in 0_u64..64,
        split in 1_usize..90,
    ) {
        let mut p = Payload::new();
        p.uint(msg_type, 6).uint(0, 2).uint(mmsi, 30).uint(nav_status, 4).int(rot, 8).uint(sog, 10);
        p.flag(true).int(lon, 28).int(lat, 27).uint(cog, 12).uint(heading, 9).uint(second, 6);
        p.uint(0, 2).uint(0, 3).flag(false).uint(12_345, 19);
        let (armored, fill) = p.armored();
        let line = vdm_sentences("AI", 'A', None, &armored, fill, 60).concat() + "\r\n";
        let bytes = line.as_bytes();
        let split = split.min(bytes.len());
        let mut decoder = Decoder::new(DecoderConfig::RECOMMENDED);
        let mut framer = LineFramer::new(1024);
        let mut got = None;
        for chunk in [&bytes[..split], &bytes[split..]] {
            framer.push(chunk, &mut |f| decoder.feed(f, 0, 0, &mut |e| {
                if let Event::Ais(r) = e {
                    got = Some(r.message);
                }
            }));
        }
        let message = got.expect("decoded");
        prop_assert_eq!(u64::from(message.msg_type), msg_type);
        prop_assert_eq!(u64::from(message.mmsi), mmsi);
        let Body::PositionReport(b) = message.body else { panic!("not a position report") };
        prop_assert_eq!((u64::from(b.nav_status), i64::from(b.rot_raw), u64::from(b.sog)), (nav_status, rot, sog));
        prop_assert_eq!((i64::from(b.lon), i64::from(b.lat)), (lon, lat));
        prop_assert_eq!((u64::from(b.cog), u64::from(b.heading), u64::from(b.second)), (cog, heading, second));
        prop_assert_eq!(b.radio, 12_345);
    }
}
