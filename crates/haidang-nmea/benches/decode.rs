//! Decoder throughput: the real AISHub capture, and a synthetic 1 M-sentence mix
//! (types 1-3 most, 5 in two fragments, 18, 24, 4, a tenth with tag blocks).
//!
//! `cargo bench -p haidang-nmea`; throughput is reported in sentences (elements) per second.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use haidang_nmea::encode::{Payload, tag_block, vdm_sentences};
use haidang_nmea::{Decoder, DecoderConfig, Event, Frame, LineFramer};

fn capture() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/ais-conformance/ais-nmea-sample.log");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A deterministic mix of a million sentences.
fn synthetic(sentences: usize) -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut rand = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let mut out = String::with_capacity(sentences * 60);
    let mut count = 0;
    while count < sentences {
        let mmsi = 574_000_000 + rand(999_999);
        let roll = rand(100);
        let mut p = Payload::new();
        let lines = if roll < 75 {
            p.uint(1 + rand(3), 6)
                .uint(0, 2)
                .uint(mmsi, 30)
                .uint(rand(16), 4)
                .int(-128, 8);
            p.uint(rand(200), 10)
                .flag(false)
                .int(6_400_000 + rand(600_000) as i64, 28);
            p.int(600_000 + rand(1_200_000) as i64, 27)
                .uint(rand(3600), 12)
                .uint(rand(360), 9);
            p.uint(rand(60), 6)
                .uint(0, 2)
                .uint(0, 3)
                .flag(false)
                .uint(rand(1 << 19), 19);
            let (a, f) = p.armored();
            vdm_sentences("AI", 'A', None, &a, f, 60)
        } else if roll < 85 {
            p.uint(18, 6)
                .uint(0, 2)
                .uint(mmsi, 30)
                .uint(0, 8)
                .uint(rand(200), 10)
                .flag(false);
            p.int(6_400_000 + rand(600_000) as i64, 28)
                .int(600_000 + rand(1_200_000) as i64, 27);
            p.uint(rand(3600), 12)
                .uint(511, 9)
                .uint(rand(60), 6)
                .uint(0, 2)
                .uint(0b11111, 5);
            p.flag(false).flag(false).uint(rand(1 << 20), 20);
            let (a, f) = p.armored();
            vdm_sentences("AI", 'B', None, &a, f, 60)
        } else if roll < 90 {
            p.uint(5, 6)
                .uint(0, 2)
                .uint(mmsi, 30)
                .uint(0, 2)
                .uint(0, 30)
                .text("XVAB", 7);
            p.text("BINH DINH 90123 TS", 20)
                .uint(30, 8)
                .uint(12, 9)
                .uint(8, 9)
                .uint(3, 6)
                .uint(3, 6);
            p.uint(1, 4)
                .uint(11, 4)
                .uint(23, 5)
                .uint(6, 5)
                .uint(0, 6)
                .uint(25, 8)
                .text("QUY NHON", 20);
            p.uint(0, 1).uint(0, 1);
            let (a, f) = p.armored();
            vdm_sentences("AI", 'A', Some(rand(10) as u8), &a, f, 60)
        } else if roll < 94 {
            p.uint(24, 6).uint(0, 2).uint(mmsi, 30);
            if rand(2) == 0 {
                p.uint(0, 2).text("TS 90123", 20);
            } else {
                p.uint(1, 2)
                    .uint(30, 8)
                    .text("SRT", 3)
                    .uint(1, 4)
                    .uint(rand(1 << 20), 20);
                p.text("XVAB", 7)
                    .uint(10, 9)
                    .uint(5, 9)
                    .uint(2, 6)
                    .uint(2, 6)
                    .uint(0, 6);
            }
            let (a, f) = p.armored();
            vdm_sentences("AI", 'B', None, &a, f, 60)
        } else {
            p.uint(4, 6)
                .uint(0, 2)
                .uint(5_741_000 + rand(999), 30)
                .uint(2026, 14)
                .uint(11, 4);
            p.uint(23, 5)
                .uint(rand(24), 5)
                .uint(rand(60), 6)
                .uint(rand(60), 6)
                .flag(true);
            p.int(6_400_000, 28)
                .int(600_000, 27)
                .uint(1, 4)
                .uint(0, 10)
                .flag(false)
                .uint(0, 19);
            let (a, f) = p.armored();
            vdm_sentences("AI", 'A', None, &a, f, 60)
        };
        let tagged = rand(10) == 0;
        for line in lines {
            if tagged {
                out.push_str(&tag_block(&format!(
                    "s:VN-STN-{},c:{}",
                    rand(20),
                    1_795_000_000 + count
                )));
            }
            out.push_str(&line);
            out.push_str("\r\n");
            count += 1;
        }
    }
    out.into_bytes()
}

fn decode_all(input: &[u8]) -> u64 {
    let mut framer = LineFramer::new(haidang_nmea::DEFAULT_MAX_LINE_BYTES);
    let mut decoder = Decoder::new(DecoderConfig::RECOMMENDED);
    let mut messages = 0_u64;
    let mut on_event = |e: Event<'_>| {
        if let Event::Ais(r) = e {
            messages += u64::from(r.message.mmsi > 0);
        }
    };
    framer.push(input, &mut |frame| {
        if let Frame::Line(line) = frame {
            decoder.feed_line(line, 0, 0, &mut on_event);
        }
    });
    decoder.finish(&mut on_event);
    messages
}

fn count_lines(input: &[u8]) -> u64 {
    input
        .split(|&b| b == b'\n')
        .filter(|l| l.len() > 1 && l[0] != b'#')
        .count() as u64
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    group.sample_size(10);
    for (name, input) in [
        ("ais-nmea-sample.log", capture()),
        ("synthetic-1M", synthetic(1_000_000)),
    ] {
        group.throughput(Throughput::Elements(count_lines(&input)));
        group.bench_function(name, |b| {
            b.iter(|| decode_all(std::hint::black_box(&input)))
        });
    }
    group.finish();

    let capture = capture();
    let mut lines = c.benchmark_group("split-lines");
    lines
        .sample_size(10)
        .throughput(Throughput::Elements(count_lines(&capture)));
    lines.bench_function("ais-nmea-sample.log", |b| {
        b.iter(|| {
            let mut framer = LineFramer::new(haidang_nmea::DEFAULT_MAX_LINE_BYTES);
            let mut n = 0_u64;
            framer.push(std::hint::black_box(&capture), &mut |_| n += 1);
            n
        })
    });
    lines.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
