//! Conformance over `shared/ais-conformance/corpus.jsonl`: every `message` case on every
//! non-disputed field (with the record's tolerances), every `stream` in order, every
//! `malformed` case rejected without a panic. `lenient` cases are scored separately.
//! Cases we treat differently on purpose are listed with the reason in
//! `tests/conformance-exceptions.txt`; a listed case that passes fails the test, so the
//! list cannot go stale.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use haidang_nmea::{AisReport, Decoder, DecoderConfig, Event, FieldVisitor};
use serde_json::{Map, Value, json};

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/ais-conformance")
}

/// Collects a message's canonical fields as JSON values.
struct Fields(Map<String, Value>);

impl FieldVisitor for Fields {
    fn uint(&mut self, name: &'static str, value: u64) {
        self.0.insert(name.into(), json!(value));
    }
    fn int(&mut self, name: &'static str, value: i64) {
        self.0.insert(name.into(), json!(value));
    }
    fn float(&mut self, name: &'static str, value: f64) {
        self.0.insert(name.into(), json!(value));
    }
    fn flag(&mut self, name: &'static str, value: bool) {
        self.0.insert(name.into(), json!(value));
    }
    fn text(&mut self, name: &'static str, value: &str) {
        self.0.insert(name.into(), json!(value));
    }
}

fn fields_of(report: &AisReport<'_>) -> Map<String, Value> {
    let mut fields = Fields(Map::new());
    report.message.visit(&mut fields);
    if report.own_ship {
        fields.0.insert("own_ship".into(), json!(true));
    }
    if let Some(tag) = &report.tag_block {
        let mut block = Map::new();
        for (key, value) in tag.fields() {
            block.insert(key.into(), json!(value));
        }
        if let Some(ms) = tag.time_ms() {
            block.insert("c".into(), json!(ms / 1000));
        }
        if let Some(n) = tag.line_count() {
            block.insert("n".into(), json!(n));
        }
        if let Some(g) = tag.group() {
            block.insert(
                "g".into(),
                json!({"num": g.num, "total": g.total, "id": g.id}),
            );
        }
        fields.0.insert("tag_block".into(), Value::Object(block));
    }
    fields.0
}

/// Feeds `sentences` to a fresh decoder, returning the AIS messages' fields and the
/// rejection reasons.
fn run(sentences: &[Value]) -> (Vec<Map<String, Value>>, Vec<String>) {
    let mut decoder = Decoder::new(DecoderConfig::RECOMMENDED);
    let mut messages = Vec::new();
    let mut reasons = Vec::new();
    let mut on_event = |event: Event<'_>| match event {
        Event::Ais(report) => messages.push(fields_of(&report)),
        Event::Gnss(_) | Event::Sos(_) => {}
        Event::Rejected(r) => reasons.push(r.reason.as_str().to_owned()),
    };
    for s in sentences {
        let line = s.as_str().expect("sentence is a string");
        decoder.feed_line(line.as_bytes(), 0, 0, &mut on_event);
    }
    decoder.finish(&mut on_event);
    (messages, reasons)
}

fn canonical_text(v: &str) -> &str {
    v.split('@').next().unwrap_or_default().trim()
}

/// The first difference between expected and decoded fields, if any.
fn compare(
    expected: &Map<String, Value>,
    got: &Map<String, Value>,
    record: &Value,
) -> Option<String> {
    let disputed: BTreeSet<&str> = record["disputed_fields"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (key, want) in expected {
        if disputed.contains(key.as_str()) || want.is_null() {
            continue;
        }
        let Some(have) = got.get(key) else {
            return Some(format!("{key}: missing, want {want}"));
        };
        let tolerance = record["tolerance"][key.as_str()].as_f64().unwrap_or(1e-6);
        if !same(want, have, tolerance) {
            return Some(format!("{key}: got {have}, want {want}"));
        }
    }
    None
}

fn same(want: &Value, have: &Value, tolerance: f64) -> bool {
    match (want, have) {
        (Value::String(w), Value::String(h)) => canonical_text(w) == canonical_text(h),
        (Value::Number(w), Value::Number(h)) if w.is_f64() || h.is_f64() => {
            let (w, h) = (
                w.as_f64().unwrap_or(f64::NAN),
                h.as_f64().unwrap_or(f64::NAN),
            );
            (w - h).abs() <= tolerance
        }
        (Value::Object(w), Value::Object(h)) => w
            .iter()
            .all(|(k, v)| h.get(k).is_some_and(|hv| same(v, hv, tolerance))),
        (Value::Bool(w), Value::Number(h)) | (Value::Number(h), Value::Bool(w)) => {
            h.as_u64() == Some(u64::from(*w))
        }
        _ => want == have,
    }
}

/// Runs one record: `Ok(())` if it passes, else why not.
fn check(record: &Value) -> Result<(), String> {
    let sentences = record["sentences"].as_array().expect("sentences");
    let (messages, reasons) = run(sentences);
    match record["kind"].as_str() {
        Some("message") => {
            let expected = record["expected"].as_object().expect("expected");
            match messages.as_slice() {
                [one] => compare(expected, one, record).map_or(Ok(()), Err),
                _ => Err(format!(
                    "{} messages, rejected: {reasons:?}",
                    messages.len()
                )),
            }
        }
        Some("stream") => {
            let expected = record["expected"]["messages"].as_array().expect("messages");
            if messages.len() != expected.len() {
                return Err(format!(
                    "{} messages, want {}; rejected: {reasons:?}",
                    messages.len(),
                    expected.len()
                ));
            }
            for (i, (want, have)) in expected.iter().zip(&messages).enumerate() {
                let want = want.as_object().expect("message");
                if let Some(diff) = compare(want, have, record) {
                    return Err(format!("message {i}: {diff}"));
                }
            }
            Ok(())
        }
        Some("malformed") => match messages.len() {
            0 => Ok(()),
            n => Err(format!("{n} messages from malformed input")),
        },
        other => Err(format!("unknown kind {other:?}")),
    }
}

fn exceptions() -> BTreeMap<String, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance-exceptions.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (id, why) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (id.to_owned(), why.trim().to_owned())
        })
        .collect()
}

#[test]
fn corpus() {
    let path = shared().join("corpus.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let exceptions = exceptions();
    let mut failures = Vec::new();
    let mut stale = Vec::new();
    let mut scored: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    let mut lenient = (0, 0);
    let mut reason_agree = (0, 0);
    let mut total = 0;
    for line in text.lines() {
        let record: Value = serde_json::from_str(line).expect("corpus line is JSON");
        let id = record["id"].as_str().expect("id").to_owned();
        let kind = record["kind"].as_str().unwrap_or("?");
        total += 1;
        let result = check(&record);
        if record["lenient"] == json!(true) {
            lenient.1 += 1;
            lenient.0 += u32::from(result.is_ok());
            continue;
        }
        if kind == "malformed" {
            let (_, reasons) = run(record["sentences"].as_array().expect("sentences"));
            reason_agree.1 += 1;
            let want = record["expected"]["reason"].as_str().unwrap_or_default();
            reason_agree.0 += u32::from(reasons.iter().any(|r| r == want));
        }
        let entry = scored
            .entry(if kind == "message" {
                "message"
            } else if kind == "stream" {
                "stream"
            } else {
                "malformed"
            })
            .or_default();
        entry.1 += 1;
        match (result, exceptions.contains_key(&id)) {
            (Ok(()), false) => entry.0 += 1,
            (Ok(()), true) => stale.push(id),
            (Err(_), true) => {}
            (Err(why), false) => failures.push(format!("{id}: {why}")),
        }
    }
    println!("conformance over {total} records:");
    for (kind, (pass, n)) in &scored {
        println!("  {kind:9} {pass:5} / {n:5} pass");
    }
    println!("  exceptions (policy, listed): {}", exceptions.len());
    println!(
        "  lenient (scored separately): {} / {} decoded as pyais does",
        lenient.0, lenient.1
    );
    println!(
        "  malformed rejected with the corpus's own reason code: {} / {}",
        reason_agree.0, reason_agree.1
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        stale.is_empty(),
        "listed as exceptions but passing: {stale:?}"
    );
}
