//! `haidang decode` as a user runs it: the built binary, real files and pipes.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn haidang() -> Command {
    Command::new(env!("CARGO_BIN_EXE_haidang"))
}

/// Runs `haidang decode` with `input` on stdin; returns (JSON objects, stderr).
fn decode(args: &[&str], input: &[u8]) -> (Vec<Value>, String) {
    let mut child = haidang()
        .arg("decode")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("haidang runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    let output = child.wait_with_output().expect("haidang finishes");
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    let objects = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    (
        objects,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn decodes_ais_gnss_and_tag_blocks_and_summarises_rejections() {
    let input = concat!(
        "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\r\n",
        "\\g:1-2-1604,s:rORBCOMM008,c:1418169601,T:2014-12-10 00.00.01*37\\!AIVDM,2,1,6,A,53@o0E000001Q0CG37U8u<Tp4q@D00000000000018330400000000000000,0*63\n",
        "\\g:2-2-1604,s:rORBCOMM008,c:1418169601,T:2014-12-10 00.00.01*34\\!AIVDM,2,2,6,A,00000000008,2*2A\n",
        "garbage\u{ff}\x00 before !AIVDM,1,1,,B,142O8P@0161NcTHErr8e0rI80<0;,0*6E\n",
        "!AIVDM,1,1,,B,142O8P@0161NcTHErr8e0rI80<0;,0*9A\n",
        "\\s:574000001,c:1700000000*0D\\$GPRMC,225446,A,4916.45,N,12311.12,W,000.5,054.7,191120,020.3,E*67\n",
        "$GPGGA,,,,,,0,,,,,,,,*66\n",
        "!AIVDM,2,1,0,A,539p4OT00000@7W3K@08ThiLE8@E:0000000001S0h9135Pl?0R0C@UDQp00,0*68\n",
    );
    let (objects, stderr) = decode(&[], input.as_bytes());
    assert_eq!(objects.len(), 4, "{objects:#?}");

    assert_eq!(objects[0]["mmsi"], 371_798_000);
    assert_eq!(
        objects[0]["lat"].as_f64().map(|v| (v * 1e6).round()),
        Some(48_381_633.0)
    );
    assert_eq!(objects[0]["rot_raw"], -127);
    assert_eq!(
        objects[0]["nmea"][0],
        "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"
    );

    assert_eq!(objects[1]["msg_type"], 5);
    assert_eq!(objects[1]["name"], "ROSINANTE");
    assert_eq!(objects[1]["nmea"].as_array().map(Vec::len), Some(2));
    assert_eq!(objects[1]["tag_block"]["s"], "rORBCOMM008");
    assert_eq!(objects[1]["tag_block"]["c"], 1_418_169_601);
    assert_eq!(objects[1]["tag_block"]["g"]["id"], 1604);
    assert_eq!(objects[1]["tag_block"]["T"], "2014-12-10 00.00.01");

    assert_eq!(
        objects[2]["mmsi"], 271_042_689,
        "the sentence after the junk is decoded"
    );

    assert_eq!(objects[3]["sentence"], "RMC");
    assert_eq!(objects[3]["vessel"], "574000001");
    assert_eq!(objects[3]["time"], "2020-11-19T22:54:46Z");
    assert!((objects[3]["lat"].as_f64().unwrap_or_default() - 49.274_166).abs() < 1e-5);

    assert!(
        stderr.contains("4 rejected") || stderr.contains("3 rejected"),
        "{stderr}"
    );
    assert!(stderr.contains("bad_checksum"), "{stderr}");
    assert!(stderr.contains("no_fix"), "{stderr}");
    assert!(stderr.contains("missing_fragment"), "{stderr}");
}

#[test]
fn errors_file_keeps_every_rejected_line_with_its_reason() {
    let dir = std::env::temp_dir().join(format!("haidang-decode-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let errors = dir.join("errors.jsonl");
    let long = "X".repeat(5000);
    let input = format!(
        "!AIVDM,1,1,,B,142O8P@0161NcTHErr8e0rI80<0;,0*9A\n{long}\n!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\n"
    );
    let (objects, _) = decode(
        &["--errors", errors.to_str().expect("path"), "--quiet"],
        input.as_bytes(),
    );
    assert_eq!(objects.len(), 1);
    let rejected: Vec<Value> = std::fs::read_to_string(&errors)
        .expect("errors file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let reasons: Vec<&str> = rejected
        .iter()
        .filter_map(|r| r["reason"].as_str())
        .collect();
    assert_eq!(reasons, ["bad_checksum", "overlong"]);
    assert_eq!(
        rejected[0]["nmea"][0],
        "!AIVDM,1,1,,B,142O8P@0161NcTHErr8e0rI80<0;,0*9A"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn reads_a_file_argument_and_stops_quietly_on_a_closed_pipe() {
    let capture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/ais-conformance/ais-nmea-sample.log"
    );
    // `| head -1`: the reader goes away after one line.
    let mut child = haidang()
        .args(["decode", capture])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("haidang runs");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0_u8; 64];
    std::io::Read::read_exact(&mut stdout, &mut first).expect("some output");
    drop(stdout);
    let output = child.wait_with_output().expect("haidang finishes");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(first.starts_with(b"{\"msg_type\":"));
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let output = haidang()
        .args(["decode", "/nonexistent/feed.nmea"])
        .output()
        .expect("haidang runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot open /nonexistent/feed.nmea"),
        "{stderr}"
    );
}

#[test]
fn a_live_feed_is_decoded_as_it_arrives() {
    // A feed that sends one sentence and then stays open: the message must come out
    // before the input ends, not when an output buffer fills.
    let mut child = haidang()
        .args(["decode", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("haidang runs");
    // Should the message never come, end the child so that the test fails, not hangs.
    let pid = child.id().to_string();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(20));
        let _ = Command::new("kill").arg(&pid).status();
    });
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\r\n")
        .expect("write");
    stdin.flush().expect("flush");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line)
        .expect("read a line while the feed is open");
    assert!(line.contains("\"mmsi\":371798000"), "{line}");
    drop(stdin);
    assert!(child.wait().expect("exit").success());
}
