//! `haidang decode [FILE|-]`: NMEA in, JSON Lines out, one object per AIS message or GNSS
//! fix; rejected lines to `--errors FILE`; a summary of rejections by reason on stderr.

use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use haidang_nmea::{
    DEFAULT_MAX_LINE_BYTES, Decoder, DecoderConfig, Event, GnssKind, LineFramer, TagBlock,
};

use crate::json::JsonLine;

/// Options of `haidang decode`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// NMEA input; `-` or nothing reads standard input.
    input: Option<PathBuf>,
    /// Write each rejected line, with its reason, as JSON Lines to this file.
    #[arg(long, value_name = "FILE")]
    errors: Option<PathBuf>,
    /// Longest line accepted, in bytes; longer lines are rejected as `overlong`.
    #[arg(long, default_value_t = DEFAULT_MAX_LINE_BYTES, value_name = "BYTES")]
    max_line_bytes: usize,
    /// Print nothing on stderr.
    #[arg(long, short)]
    quiet: bool,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let mut input = crate::open_input(args.input.as_ref())?;
    let out = BufWriter::with_capacity(1 << 18, std::io::stdout().lock());
    let errors = match &args.errors {
        Some(path) => Some(BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => None,
    };

    let mut framer = LineFramer::new(args.max_line_bytes);
    let mut decoder = Decoder::new(DecoderConfig::RECOMMENDED);
    let mut sink = Sink {
        out,
        errors,
        json: JsonLine::default(),
        failed: None,
    };
    let started = Instant::now();
    let mut buf = vec![0_u8; 1 << 16];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).context("cannot read input"),
        };
        let now_ms = started.elapsed().as_millis() as u64;
        framer.push(&buf[..n], &mut |frame| {
            decoder.feed(frame, 0, now_ms, &mut |e| sink.on_event(&e))
        });
        // A short read means the input is a live feed that has gone quiet: show what was
        // decoded now rather than when the output buffer fills.
        if n < buf.len() {
            sink.flush_output();
        }
        if sink.failed.is_some() {
            break;
        }
    }
    let now_ms = started.elapsed().as_millis() as u64;
    framer.finish(&mut |frame| decoder.feed(frame, 0, now_ms, &mut |e| sink.on_event(&e)));
    decoder.finish(&mut |e| sink.on_event(&e));
    sink.flush()?;

    let stats = decoder.stats();
    if !args.quiet {
        let mut summary = format!(
            "haidang decode: {} lines, {} AIS messages, {} GNSS fixes, {} rejected",
            stats.lines,
            stats.ais_messages,
            stats.gnss_fixes,
            stats.rejected.total()
        );
        for (reason, count) in stats.rejected.iter() {
            summary.push_str(&format!("\n  {reason:24} {count}"));
        }
        eprintln!("{summary}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Where events go: messages to stdout, rejections to the errors file. The first write
/// error stops the run.
struct Sink<W: Write, E: Write> {
    out: W,
    errors: Option<E>,
    json: JsonLine,
    failed: Option<std::io::Error>,
}

impl<W: Write, E: Write> Sink<W, E> {
    fn on_event(&mut self, event: &Event<'_>) {
        if self.failed.is_some() {
            return;
        }
        let result = match (event, self.errors.as_mut()) {
            (Event::Rejected(r), Some(file)) => {
                write_rejected(&mut self.json, r);
                file.write_all(self.json.as_bytes())
            }
            (Event::Rejected(_), None) => Ok(()),
            _ => {
                write_event(&mut self.json, event);
                self.out.write_all(self.json.as_bytes())
            }
        };
        if let Err(e) = result {
            self.failed = Some(e);
        }
    }

    fn flush_output(&mut self) {
        if self.failed.is_none()
            && let Err(e) = self.out.flush()
        {
            self.failed = Some(e);
        }
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        if let Some(e) = self.failed.take() {
            return Err(e).context("cannot write output");
        }
        self.out.flush().context("cannot write output")?;
        if let Some(file) = self.errors.as_mut() {
            file.flush().context("cannot write the errors file")?;
        }
        Ok(())
    }
}

fn write_event(json: &mut JsonLine, event: &Event<'_>) {
    json.begin();
    match event {
        Event::Ais(report) => {
            report.message.visit(json);
            if report.own_ship {
                json.bool_field("own_ship", true);
            }
            if let Some(channel) = report.channel {
                json.str_field("channel", &[channel]);
            }
            if let Some(tag) = &report.tag_block {
                write_tag_block(json, tag);
            }
            json.str_array_field("nmea", report.sentences.iter());
        }
        Event::Gnss(report) => {
            let fix = &report.fix;
            json.str_field("sentence", fix.kind.as_str().as_bytes());
            json.str_field("talker", &report.talker);
            if let Some(vessel) = report.tag_block.as_ref().and_then(TagBlock::source) {
                json.str_field("vessel", vessel.as_bytes());
            }
            if fix.kind != GnssKind::Vtg {
                json.opt_f64_field("lat", fix.lat);
                json.opt_f64_field("lon", fix.lon);
            }
            json.opt_f64_field("sog", fix.sog_knots);
            json.opt_f64_field("cog", fix.cog_degrees);
            match fix.time {
                Some(t) => json.str_field("time", t.to_string().as_bytes()),
                None => json.null_field("time"),
            }
            if let Some(ms) = fix.time_of_day_ms {
                let tod = format!(
                    "{:02}:{:02}:{:02}.{:03}",
                    ms / 3_600_000,
                    ms / 60_000 % 60,
                    ms / 1000 % 60,
                    ms % 1000
                );
                json.str_field("time_of_day", tod.as_bytes());
            }
            if let Some(tag) = &report.tag_block {
                write_tag_block(json, tag);
            }
            json.str_array_field("nmea", report.sentences.iter());
        }
        Event::Sos(report) => {
            json.str_field("sentence", b"SOS");
            if let Some(vessel) = report.tag_block.as_ref().and_then(TagBlock::source) {
                json.str_field("vessel", vessel.as_bytes());
            }
            json.str_field("text", report.text.as_bytes());
            if let Some(tag) = &report.tag_block {
                write_tag_block(json, tag);
            }
            json.str_array_field("nmea", report.sentences.iter());
        }
        Event::Rejected(r) => write_rejected(json, r),
    }
    json.end();
}

fn write_rejected(json: &mut JsonLine, rejected: &haidang_nmea::Rejected<'_>) {
    json.begin();
    json.str_field("reason", rejected.reason.as_str().as_bytes());
    json.str_array_field("nmea", rejected.sentences.iter());
    json.end();
}

/// The tag block as `{"s":…,"c":<UNIX seconds>,"g":{"num","total","id"},"n":…}`, other keys
/// verbatim as strings.
fn write_tag_block(json: &mut JsonLine, tag: &TagBlock<'_>) {
    json.begin_object("tag_block");
    for (key, value) in tag.fields() {
        match key {
            "c" => match tag.time_ms() {
                Some(ms) if ms % 1000 == 0 => json.u64_field("c", (ms / 1000) as u64),
                Some(ms) => json.f64_field("c", ms as f64 / 1000.0),
                None => json.str_field("c", value.as_bytes()),
            },
            "n" => match tag.line_count() {
                Some(n) => json.u64_field("n", n),
                None => json.str_field("n", value.as_bytes()),
            },
            "g" => match tag.group() {
                Some(g) => {
                    json.begin_object("g");
                    json.u64_field("num", u64::from(g.num));
                    json.u64_field("total", u64::from(g.total));
                    json.u64_field("id", u64::from(g.id));
                    json.end_nested(b'}');
                }
                None => json.str_field("g", value.as_bytes()),
            },
            _ => json.str_field(key, value.as_bytes()),
        }
    }
    json.end_nested(b'}');
}
