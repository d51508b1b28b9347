//! Decodes an NMEA file and prints the number of AIS messages, GNSS fixes and rejections:
//! the smallest complete use of the crate, and the program to profile the decoder with
//! (`valgrind --tool=callgrind target/release/examples/count FILE`).

use haidang_nmea::{Decoder, DecoderConfig, Event, LineFramer};

fn main() -> std::io::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "-".into());
    let input = if path == "-" {
        std::io::read_to_string(std::io::stdin())?.into_bytes()
    } else {
        std::fs::read(&path)?
    };
    let mut framer = LineFramer::new(haidang_nmea::DEFAULT_MAX_LINE_BYTES);
    let mut decoder = Decoder::new(DecoderConfig::RECOMMENDED);
    let mut on_event = |_: Event<'_>| {};
    framer.push(&input, &mut |frame| {
        decoder.feed(frame, 0, 0, &mut on_event)
    });
    framer.finish(&mut |frame| decoder.feed(frame, 0, 0, &mut on_event));
    decoder.finish(&mut on_event);
    let stats = decoder.stats();
    println!(
        "{} AIS messages, {} GNSS fixes, {} rejected",
        stats.ais_messages,
        stats.gnss_fixes,
        stats.rejected.total()
    );
    Ok(())
}
