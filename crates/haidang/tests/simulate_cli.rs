//! `haidang simulate` as a user runs it: its output decodes without a rejection, and the
//! scripted boats do what they are scripted to do against the shipped zones.

use std::collections::BTreeMap;
use std::process::Command;

use haidang_geofence::ZoneIndex;
use haidang_nmea::{Decoder, DecoderConfig, Event};
use haidang_types::LatLon;

fn simulate(args: &[&str]) -> Vec<u8> {
    let output = Command::new(env!("CARGO_BIN_EXE_haidang"))
        .arg("simulate")
        .args(args)
        .output()
        .expect("haidang runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Every position each vessel reported, by MMSI or VMS registration, in order.
fn tracks(nmea: &[u8]) -> BTreeMap<String, Vec<(f64, f64)>> {
    let mut decoder = Decoder::new(DecoderConfig::RECOMMENDED);
    let mut tracks: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut rejected = Vec::new();
    for line in nmea.split(|&b| b == b'\n') {
        decoder.feed_line(
            line.strip_suffix(b"\r").unwrap_or(line),
            0,
            0,
            &mut |e| match e {
                Event::Ais(r) => {
                    if let Some(p) = r.message.position() {
                        tracks
                            .entry(r.message.mmsi.to_string())
                            .or_default()
                            .push(p);
                    }
                }
                Event::Gnss(r) => {
                    let vessel = r
                        .tag_block
                        .and_then(|t| t.source())
                        .unwrap_or("?")
                        .to_owned();
                    if let (Some(lon), Some(lat)) = (r.fix.lon, r.fix.lat) {
                        tracks.entry(vessel).or_default().push((lon, lat));
                    }
                }
                Event::Sos(_) => {}
                Event::Rejected(r) => rejected.push(r.reason),
            },
        );
    }
    assert!(
        rejected.is_empty(),
        "simulated output was rejected: {rejected:?}"
    );
    tracks
}

fn zones() -> ZoneIndex {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../geodata/zones.geojson");
    let text = std::fs::read_to_string(path).expect("geodata/zones.geojson");
    ZoneIndex::from_geojson(&text).expect("shipped zones load")
}

fn zone_ids(index: &ZoneIndex, (lon, lat): (f64, f64)) -> Vec<String> {
    let p = LatLon::new(lon, lat).expect("valid position");
    index
        .containing(p)
        .into_iter()
        .map(|z| index.zone(z).id().to_owned())
        .collect()
}

#[test]
fn scripted_boats_cross_into_foreign_waters() {
    let nmea = simulate(&[
        "--vessels",
        "0",
        "--duration-secs",
        "36000",
        "--start-unix",
        "1795000000",
    ]);
    let tracks = tracks(&nmea);
    let index = zones();
    // With no ordinary boats, the scripted ones are numbered from 0: two cross into
    // Indonesian waters north of Natuna (one on AIS, one on VMS), one into Chinese waters
    // across the Gulf of Tonkin line.
    for (vessel, zone) in [
        ("574100000", "foreign-idn"),
        ("BV-90001-TS", "foreign-idn"),
        ("574100002", "foreign-chn"),
    ] {
        let track = &tracks[vessel];
        let first = zone_ids(&index, track[0]);
        let last = zone_ids(&index, *track.last().expect("positions"));
        assert!(
            !first.iter().any(|z| z.starts_with("foreign")),
            "{vessel} starts in {first:?}"
        );
        assert!(
            last.iter().any(|z| z == zone),
            "{vessel} ends in {last:?}, not {zone}"
        );
    }
}

#[test]
fn the_fleet_reports_from_vietnamese_waters_and_is_reproducible() {
    let args = [
        "--vessels",
        "40",
        "--duration-secs",
        "1800",
        "--start-unix",
        "1795000000",
        "--seed",
        "3",
    ];
    let nmea = simulate(&args);
    assert_eq!(nmea, simulate(&args), "same seed, same output");
    let tracks = tracks(&nmea);
    assert!(tracks.len() >= 40, "{} vessels reported", tracks.len());
    let index = zones();
    let ordinary_in_foreign = tracks
        .iter()
        .filter(|(id, _)| !["574100040", "574100042", "BV-90041-TS"].contains(&id.as_str()))
        .filter(|(_, t)| {
            zone_ids(&index, t[0])
                .iter()
                .any(|z| z.starts_with("foreign"))
        })
        .count();
    assert_eq!(
        ordinary_in_foreign, 0,
        "ordinary boats start in Vietnamese waters"
    );
}
