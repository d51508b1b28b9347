//! The rules kind by kind, as scripts of fixes, signals and ticks and the outputs they
//! produce; and a property test over random scripts.

use std::collections::HashMap;

use haidang_types::{AlertKind, Knots, LatLon, Meters, Mmsi, ZoneClass};
use proptest::prelude::*;

use crate::{
    DistressSignal, IdentityConflict, Observation, Output, Plausibility, Rules, RulesConfig,
    SignalKind, Source, ZoneEvent, ZoneEventKind, ZoneRef,
};

const MIN: i64 = 60_000;

const ZONES: [ZoneRef<'static>; 4] = [
    ZoneRef {
        id: "idn",
        class: ZoneClass::Foreign,
        country: Some("IDN"),
    },
    ZoneRef {
        id: "dis",
        class: ZoneClass::Undelimited,
        country: None,
    },
    ZoneRef {
        id: "port",
        class: ZoneClass::Port,
        country: Some("VNM"),
    },
    ZoneRef {
        id: "eez",
        class: ZoneClass::VnEez,
        country: Some("VNM"),
    },
];

fn zone(id: &str) -> ZoneRef<'static> {
    ZONES.into_iter().find(|z| z.id == id).unwrap()
}

/// A scripted fix; times in minutes. Defaults: a VMS fix of provider `X`, received at
/// once, plausible, at 109 E 10 N in Viet Nam's EEZ, at 6 kn.
#[derive(Clone, Debug)]
struct Fix {
    vessel: String,
    mmsi: Option<u32>,
    source: Source,
    provider: Option<&'static str>,
    t: i64,
    recv: i64,
    lon: f64,
    lat: f64,
    sog: Option<f64>,
    plausibility: Plausibility,
    zones: Vec<&'static str>,
    events: Vec<(ZoneEventKind, &'static str, Option<f64>, Option<bool>)>,
}

fn fix(vessel: &str, t: i64) -> Fix {
    Fix {
        vessel: vessel.to_owned(),
        mmsi: None,
        source: Source::Vms,
        provider: Some("X"),
        t,
        recv: t,
        lon: 109.0,
        lat: 10.0,
        sog: Some(6.0),
        plausibility: Plausibility::Plausible,
        zones: vec!["eez"],
        events: Vec::new(),
    }
}

impl Fix {
    fn inside(mut self, zones: &[&'static str]) -> Self {
        self.zones = zones.to_vec();
        self
    }
    fn ev(mut self, kind: ZoneEventKind, zone: &'static str) -> Self {
        self.events.push((kind, zone, None, None));
        self
    }
    fn enter(self, zone: &'static str) -> Self {
        self.ev(ZoneEventKind::Enter, zone)
    }
    fn exit(self, zone: &'static str) -> Self {
        self.ev(ZoneEventKind::Exit, zone)
    }
    fn approach(mut self, zone: &'static str, nm: f64) -> Self {
        self.events
            .push((ZoneEventKind::Approach, zone, Some(nm), None));
        self
    }
    fn approach_away(mut self, zone: &'static str, nm: f64) -> Self {
        self.events
            .push((ZoneEventKind::Approach, zone, Some(nm), Some(false)));
        self
    }
    fn recv(mut self, t: i64) -> Self {
        self.recv = t;
        self
    }
    fn sog(mut self, knots: f64) -> Self {
        self.sog = Some(knots);
        self
    }
    fn at(mut self, lon: f64, lat: f64) -> Self {
        self.lon = lon;
        self.lat = lat;
        self
    }
    fn impossible(mut self, knots: f64) -> Self {
        self.plausibility = Plausibility::Impossible {
            implied_speed: Knots(knots),
        };
        self
    }
    fn ais(mut self, mmsi: u32) -> Self {
        self.source = Source::Ais;
        self.provider = None;
        self.mmsi = Some(mmsi);
        self
    }
}

#[derive(Clone, Debug)]
enum Step {
    Fix(Fix),
    Tick(i64),
    /// vessel, mmsi, text, time, received
    Text(&'static str, Option<u32>, &'static str, i64, i64),
    /// vessel, text, time
    Sos(&'static str, &'static str, i64),
    /// vessel, time
    Conflict(&'static str, i64),
}

use Step::{Conflict, Sos, Text, Tick};

impl From<Fix> for Step {
    fn from(f: Fix) -> Step {
        Step::Fix(f)
    }
}

/// Runs one step, appending its outputs.
fn run(rules: &mut Rules, step: &Step, out: &mut Vec<Output>) {
    match step {
        Step::Fix(f) => {
            let zones: Vec<ZoneRef<'_>> = f.zones.iter().map(|z| zone(z)).collect();
            let events: Vec<ZoneEvent<'_>> = f
                .events
                .iter()
                .map(|&(kind, z, nm, toward)| ZoneEvent {
                    kind,
                    zone: zone(z),
                    distance: nm.map(Meters::from_nautical_miles),
                    toward,
                })
                .collect();
            let obs = Observation {
                vessel: &f.vessel,
                mmsi: f.mmsi.and_then(Mmsi::new),
                source: f.source,
                provider: f.provider,
                fix_ms: f.t * MIN,
                received_ms: f.recv * MIN,
                position: LatLon::new(f.lon, f.lat).unwrap(),
                sog: f.sog.map(Knots),
                plausibility: f.plausibility,
                zones: &zones,
                events: &events,
            };
            rules.observe(&obs, out);
        }
        Step::Tick(t) => rules.tick(t * MIN, out),
        Step::Text(vessel, mmsi, text, t, recv) => rules.signal(
            &DistressSignal {
                vessel,
                mmsi: mmsi.and_then(Mmsi::new),
                kind: SignalKind::SafetyText,
                text,
                time_ms: t * MIN,
                received_ms: recv * MIN,
                position: None,
            },
            out,
        ),
        Step::Sos(vessel, text, t) => rules.signal(
            &DistressSignal {
                vessel,
                mmsi: None,
                kind: SignalKind::VmsSos,
                text,
                time_ms: t * MIN,
                received_ms: t * MIN,
                position: LatLon::new(109.5, 9.5).ok(),
            },
            out,
        ),
        Step::Conflict(vessel, t) => rules.identity_conflict(
            &IdentityConflict {
                vessel,
                mmsi: None,
                fix_ms: t * MIN,
                received_ms: t * MIN,
                first: LatLon::new(109.0, 10.0).unwrap(),
                second: LatLon::new(112.0, 10.0).unwrap(),
                distance: Meters(328_000.0),
            },
            out,
        ),
    }
}

/// One line per output: `@minute raise|escalate|resolve key [delayed] [!missions]
/// [country=…] [details…]`. Detail times are in minutes; positions are left out.
fn render(o: &Output) -> String {
    match o {
        Output::Raise(a) => {
            let mut line = format!("@{} raise {}", a.raised_at_ms / MIN, a.dedupe_key);
            if a.delayed {
                line.push_str(" delayed");
            }
            if !a.route_to_missions() {
                line.push_str(" !missions");
            }
            if let Some(c) = a.zone.as_ref().and_then(|z| z.country.as_deref()) {
                line.push_str(&format!(" country={c}"));
            }
            if let Some(k) = &a.closes {
                line.push_str(&format!(" closes={k}"));
            }
            for (k, v) in a.details.pairs() {
                match k {
                    "position" | "other_position" => {}
                    _ if k.ends_with("_ms") => {
                        let m = v.parse::<i64>().unwrap() / MIN;
                        line.push_str(&format!(" {}={m}m", k.trim_end_matches("_ms")));
                    }
                    _ => line.push_str(&format!(" {k}={v}")),
                }
            }
            line
        }
        Output::Escalate(e) => {
            let delayed = if e.delayed { " delayed" } else { "" };
            format!(
                "@{} escalate {}{delayed}",
                e.received_ms / MIN,
                e.escalation_key
            )
        }
        Output::Resolve(r) => format!(
            "@{} resolve {} {}",
            r.at_ms / MIN,
            r.dedupe_key,
            r.reason.as_str()
        ),
    }
}

/// Checks the engine's promises on a sequence of outputs: at most one open alert per
/// (vessel, kind, zone), escalations and resolutions only of open alerts.
#[derive(Default)]
struct OpenSet {
    by_slot: HashMap<(Option<String>, AlertKind, Option<String>), String>,
}

impl OpenSet {
    fn apply(&mut self, o: &Output) {
        match o {
            Output::Raise(a) if a.kind == AlertKind::Exited => {}
            Output::Raise(a) => {
                let slot = (
                    a.vessel.clone(),
                    a.kind,
                    a.zone.as_ref().map(|z| z.id.clone()),
                );
                if a.kind == AlertKind::ProviderOutage {
                    assert!(a.details.provider.is_some());
                }
                let slot = if a.kind == AlertKind::ProviderOutage {
                    (a.details.provider.clone(), a.kind, None)
                } else {
                    slot
                };
                let prev = self.by_slot.insert(slot, a.dedupe_key.clone());
                assert_eq!(prev, None, "two open alerts: {}", a.dedupe_key);
            }
            Output::Escalate(e) => {
                assert!(
                    self.by_slot.values().any(|k| *k == e.dedupe_key),
                    "escalated a closed alert: {}",
                    e.dedupe_key
                );
            }
            Output::Resolve(r) => {
                let before = self.by_slot.len();
                self.by_slot.retain(|_, k| *k != r.dedupe_key);
                assert_eq!(
                    self.by_slot.len() + 1,
                    before,
                    "resolved a closed alert: {}",
                    r.dedupe_key
                );
            }
        }
    }
}

fn check_with(config: RulesConfig, steps: &[Step], expect: &str) {
    let mut rules = Rules::new(config).unwrap();
    let mut open = OpenSet::default();
    let mut got = Vec::new();
    for step in steps {
        let mut out = Vec::new();
        run(&mut rules, step, &mut out);
        for o in &out {
            open.apply(o);
            got.push(render(o));
        }
    }
    let expect: Vec<&str> = expect
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(got.join("\n"), expect.join("\n"));
}

fn check(steps: &[Step], expect: &str) {
    check_with(RulesConfig::recommended(), steps, expect);
}

#[test]
fn approach_escalates_and_closes_on_entry() {
    check(
        &[
            fix("v", 0).approach("idn", 9.0).into(),
            fix("v", 10).approach("idn", 8.0).into(),
            fix("v", 20).approach("idn", 4.0).into(),
            fix("v", 30).approach("idn", 1.5).into(),
            fix("v", 40).approach("idn", 0.5).into(),
            fix("v", 50).inside(&["idn"]).into(),
            fix("v", 60).inside(&["idn"]).enter("idn").into(),
        ],
        "@0 raise approach:v:idn:0 country=IDN distance_m=16668 threshold_nm=10
         @20 escalate approach:v:idn:0:5nm
         @30 escalate approach:v:idn:0:2nm
         @60 resolve approach:v:idn:0 entered
         @60 raise entered_foreign:v:idn:3000000 country=IDN",
    );
}

#[test]
fn approach_needs_heading_toward_an_alerting_boundary() {
    check(
        &[
            fix("v", 0).approach_away("idn", 4.0).into(),
            fix("v", 10).approach("eez", 4.0).into(),
            fix("v", 20).approach("idn", 12.0).into(),
            fix("v", 30).approach("dis", 1.0).into(),
            Tick(30 + 6 * 60),
            Tick(31 + 6 * 60),
            fix("v", 400).approach("dis", 1.0).into(),
        ],
        "@30 raise approach:v:dis:1800000 distance_m=1852 threshold_nm=2
         @390 raise silent_6h:v:1800000 provider=X silent_since=30m manual_report_every=360m
         @391 resolve approach:v:dis:1800000 expired
         @400 resolve silent_6h:v:1800000 reported
         @400 raise approach:v:dis:24000000 distance_m=1852 threshold_nm=2",
    );
}

#[test]
fn entry_needs_the_tracker_and_two_fixes() {
    // The tracker's own hysteresis: Enter at the third fix inside.
    check(
        &[
            fix("v", 0).inside(&["idn"]).into(),
            fix("v", 10).inside(&["idn"]).into(),
            fix("v", 20).inside(&["idn"]).enter("idn").into(),
            fix("v", 30).inside(&["idn"]).enter("idn").into(),
        ],
        "@20 raise entered_foreign:v:idn:0 country=IDN",
    );
    // First seen inside: the tracker reports Enter at once; one fix is not enough.
    check(
        &[
            fix("v", 0).inside(&["dis"]).enter("dis").into(),
            fix("v", 10).inside(&["dis"]).into(),
        ],
        "@10 raise entered_undelimited:v:dis:0",
    );
    // A run broken by a fix outside starts again.
    check(
        &[
            fix("v", 0).inside(&["idn"]).enter("idn").into(),
            fix("v", 10).into(),
            fix("v", 20).inside(&["idn"]).into(),
            fix("v", 30).inside(&["idn"]).into(),
        ],
        "@30 raise entered_foreign:v:idn:1200000 country=IDN",
    );
}

#[test]
fn implausible_fixes_never_drive_zone_alerts() {
    check(
        &[
            fix("v", 0).into(),
            fix("v", 10)
                .inside(&["idn"])
                .enter("idn")
                .impossible(400.0)
                .into(),
            fix("v", 20)
                .inside(&["idn"])
                .enter("idn")
                .impossible(380.0)
                .into(),
            fix("v", 30).into(),
        ],
        "@10 raise implausible_track:v:600000 !missions reason=impossible_speed implied_speed_kn=400",
    );
}

#[test]
fn exit_closes_the_entry() {
    check(
        &[
            fix("v", 0).inside(&["idn"]).enter("idn").into(),
            fix("v", 10).inside(&["idn"]).into(),
            fix("v", 20).exit("idn").into(),
            // An exit with nothing open raises nothing.
            fix("v", 200).exit("dis").into(),
        ],
        "@10 raise entered_foreign:v:idn:0 country=IDN
         @20 raise exited:v:idn:1200000 country=IDN closes=entered_foreign:v:idn:0
         @20 resolve entered_foreign:v:idn:0 exited",
    );
}

#[test]
fn flapping_does_not_re_alert() {
    check(
        &[
            fix("v", 0).inside(&["idn"]).enter("idn").into(),
            fix("v", 10).inside(&["idn"]).into(),
            fix("v", 20).exit("idn").into(),
            // Back in within the 30-minute cooldown: nothing, and its exit says nothing.
            fix("v", 25).inside(&["idn"]).enter("idn").into(),
            fix("v", 30).inside(&["idn"]).into(),
            fix("v", 35).exit("idn").into(),
            fix("v", 40).inside(&["idn"]).enter("idn").into(),
            fix("v", 45).inside(&["idn"]).into(),
            // Still inside once the cooldown after the last exit has passed: a new entry.
            fix("v", 65).inside(&["idn"]).into(),
        ],
        "@10 raise entered_foreign:v:idn:0 country=IDN
         @20 raise exited:v:idn:1200000 country=IDN closes=entered_foreign:v:idn:0
         @20 resolve entered_foreign:v:idn:0 exited
         @65 raise entered_foreign:v:idn:2400000 country=IDN",
    );
}

#[test]
fn late_and_out_of_order_data() {
    // Confirmed by fixes received 20 minutes late: delayed.
    check(
        &[
            fix("v", 0).inside(&["idn"]).enter("idn").recv(20).into(),
            fix("v", 10).inside(&["idn"]).recv(30).into(),
        ],
        "@30 raise entered_foreign:v:idn:0 delayed country=IDN",
    );
    // A late fix from before the exit opens no new entry.
    check(
        &[
            fix("v", 0).inside(&["idn"]).enter("idn").into(),
            fix("v", 10).inside(&["idn"]).into(),
            fix("v", 60).exit("idn").into(),
            fix("v", 50).inside(&["idn"]).enter("idn").recv(70).into(),
            fix("v", 55).inside(&["idn"]).recv(71).into(),
            fix("v", 100).into(),
        ],
        "@10 raise entered_foreign:v:idn:0 country=IDN
         @60 raise exited:v:idn:3600000 country=IDN closes=entered_foreign:v:idn:0
         @60 resolve entered_foreign:v:idn:0 exited",
    );
    // A late fix neither ends a silence nor counts as the latest; a distress from one is
    // delayed.
    check(
        &[
            fix("v", 100).into(),
            Tick(460),
            fix("v", 50).recv(470).into(),
            fix("mmsi:970010001", 500).ais(970_010_001).into(),
            fix("mmsi:970010001", 499).ais(970_010_001).recv(501).into(),
            fix("mmsi:972010001", 499).ais(972_010_001).recv(510).into(),
        ],
        "@460 raise silent_6h:v:6000000 provider=X silent_since=100m manual_report_every=360m
         @500 raise distress:mmsi:970010001:30000000 device=sart
         @510 raise distress:mmsi:972010001:29940000 delayed device=mob",
    );
}

#[test]
fn silences_at_sea() {
    check(
        &[
            fix("v", 0).into(),
            Tick(359),
            Tick(360),
            Tick(361),
            Tick(14_400),
            fix("v", 14_401).recv(14_402).into(),
            Tick(14_402 + 360),
        ],
        "@360 raise silent_6h:v:0 provider=X silent_since=0m manual_report_every=360m
         @14400 raise silent_10d:v:0 provider=X silent_since=0m manual_report_every=360m
         @14402 resolve silent_6h:v:0 reported
         @14402 resolve silent_10d:v:0 reported
         @14762 raise silent_6h:v:864060000 provider=X silent_since=14401m manual_report_every=360m",
    );
    // In port, or heard only on AIS: no silence.
    check(
        &[
            fix("v", 0).inside(&["port"]).into(),
            fix("mmsi:574000001", 0).ais(574_000_001).into(),
            Tick(400),
        ],
        "",
    );
    // Unless AIS silences are turned on.
    let config = RulesConfig {
        ais_silence: true,
        ..RulesConfig::recommended()
    };
    check_with(
        config,
        &[fix("mmsi:574000001", 0).ais(574_000_001).into(), Tick(400)],
        "@400 raise silent_6h:mmsi:574000001:0 silent_since=0m",
    );
}

/// Vessel `o01`..`o25` of provider X.
fn fleet(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("o{i:02}")).collect()
}

/// Every vessel reports at 0; the `silent` ones fall silent after `silent_at(i)` minutes,
/// the others report every 30 minutes until `until`.
fn outage_script(silent: usize, silent_at: impl Fn(usize) -> i64, until: i64) -> Vec<Step> {
    let mut steps = Vec::new();
    let vessels = fleet(25);
    let mut t = 0;
    while t <= until {
        for (i, v) in vessels.iter().enumerate() {
            if i >= silent || t <= silent_at(i) {
                steps.push(fix(v, t).into());
            }
        }
        steps.push(Tick(t));
        t += 30;
    }
    steps
}

#[test]
fn eight_silent_vessels_are_not_an_outage() {
    let mut steps = outage_script(8, |_| 0, 420);
    steps.push(Tick(420));
    let expect: String = fleet(8)
        .iter()
        .map(|v| {
            format!(
                "@360 raise silent_6h:{v}:0 provider=X silent_since=0m manual_report_every=360m\n"
            )
        })
        .collect();
    check(&steps, &expect);
}

#[test]
fn provider_outage_holds_the_silences_back() {
    // 15 of 25 fall silent within 30 minutes (last fixes at 0 and 30); the outage is seen
    // at 210, once they have all been silent for 3 hours. Their 6-hour silences, due at
    // 360 and 390, are held back.
    let mut steps = outage_script(15, |i| if i < 5 { 0 } else { 30 }, 420);
    // 6 of them report again at 430.
    for v in &fleet(25)[..6] {
        steps.push(fix(v, 430).into());
    }
    for v in &fleet(25)[15..] {
        steps.push(fix(v, 430).into());
    }
    steps.push(Tick(431));
    steps.push(Tick(432));
    // The outage ends at 431 (9 of the 15 still silent, fewer than 10); then the boats
    // still silent get their silences, naming the outage.
    let mut expect = String::from(
        "@210 raise provider_outage:provider:X:0 !missions provider=X silent_since=0m vessels_silent=15 vessels_active=25\n\
         @431 resolve provider_outage:provider:X:0 recovered\n",
    );
    for v in &fleet(25)[6..15] {
        expect.push_str(&format!(
            "@431 raise silent_6h:{v}:1800000 provider=X silent_since=30m manual_report_every=360m held_by=provider_outage:provider:X:0\n"
        ));
    }
    check(&steps, &expect);
}

#[test]
fn a_provider_catching_up_on_a_backlog_is_not_an_outage() {
    // The provider's feed was down for five hours and now delivers its backlog: every
    // fix is five hours late, but the feed is delivering, so no outage, and no vessel
    // (silent by fix time for less than 6 h) is silent.
    let mut steps = Vec::new();
    for t in (0..=300).step_by(30) {
        for v in &fleet(25) {
            steps.push(fix(v, t).recv(300 + t / 30).into());
        }
        steps.push(Tick(300 + t / 30));
    }
    check(&steps, "");
}

#[test]
fn distress_from_devices_texts_and_sos() {
    check(
        &[
            fix("mmsi:970010001", 0).ais(970_010_001).into(),
            fix("mmsi:970010001", 1).ais(970_010_001).into(),
            Text("mmsi:970010001", Some(970_010_001), "SART ACTIVE", 1, 1),
            fix("mmsi:972010001", 0).ais(972_010_001).into(),
            fix("mmsi:974010001", 0).ais(974_010_001).into(),
            fix("mmsi:574000001", 0).ais(574_000_001).into(),
            Text("mmsi:574000001", Some(574_000_001), "sart test", 2, 2),
            Text("mmsi:574000002", Some(574_000_002), "MOB ACTIVE", 2, 2),
            Text("mmsi:574000003", Some(574_000_003), "EPIRB ACTIVE", 2, 9),
            Sos("reg:BV-90001-TS", "ENGINE FIRE", 3),
            Sos("reg:BV-90001-TS", "ENGINE FIRE", 5),
            Tick(62),
            Tick(66),
            // The late EPIRB text was heard at minute 9: quiet more than an hour after
            // that (minute 70), not an hour after its own time.
            Tick(69),
            Sos("reg:BV-90001-TS", "TAKING WATER", 70),
            Tick(70),
        ],
        "@0 raise distress:mmsi:970010001:0 device=sart
         @0 raise distress:mmsi:972010001:0 device=mob
         @0 raise distress:mmsi:974010001:0 device=epirb
         @2 raise distress:mmsi:574000002:120000 device=mob text=MOB ACTIVE
         @9 raise distress:mmsi:574000003:120000 delayed device=epirb text=EPIRB ACTIVE
         @3 raise distress:reg:BV-90001-TS:180000 device=vms_sos text=ENGINE FIRE
         @62 resolve distress:mmsi:970010001:0 quiet
         @62 resolve distress:mmsi:972010001:0 quiet
         @62 resolve distress:mmsi:974010001:0 quiet
         @66 resolve distress:mmsi:574000002:120000 quiet
         @66 resolve distress:reg:BV-90001-TS:180000 quiet
         @70 raise distress:reg:BV-90001-TS:4200000 device=vms_sos text=TAKING WATER
         @70 resolve distress:mmsi:574000003:120000 quiet",
    );
}

#[test]
fn possible_detention_stopped_or_silent() {
    // Stopped inside foreign waters for two hours; drifting 100 m does not count as moving.
    let mut steps: Vec<Step> = vec![
        fix("v", 0).inside(&["idn"]).enter("idn").into(),
        fix("v", 10).inside(&["idn"]).into(),
    ];
    for (i, t) in (20..=150).step_by(10).enumerate() {
        let lat = 10.0 + 0.0001 * i as f64;
        steps.push(fix("v", t).inside(&["idn"]).sog(0.2).at(109.0, lat).into());
    }
    steps.push(fix("v", 160).exit("idn").into());
    check(
        &steps,
        "@10 raise entered_foreign:v:idn:0 country=IDN
         @140 raise possible_detention:v:idn:8400000 country=IDN reason=stopped stopped_since=20m
         @160 raise exited:v:idn:9600000 country=IDN closes=entered_foreign:v:idn:0
         @160 resolve entered_foreign:v:idn:0 exited
         @160 resolve possible_detention:v:idn:8400000 exited",
    );
    // Moving away (more than 300 m between slow fixes) restarts the clock.
    let mut steps: Vec<Step> = Vec::new();
    for (i, t) in (0..=150).step_by(10).enumerate() {
        let lat = 10.0 + 0.01 * i as f64;
        steps.push(fix("v", t).inside(&["dis"]).sog(0.2).at(109.0, lat).into());
    }
    check(&steps, "");
    // Silent for 3 hours in undelimited waters.
    check(
        &[
            fix("v", 0).inside(&["dis"]).into(),
            Tick(179),
            Tick(180),
            Tick(360),
        ],
        "@180 raise possible_detention:v:dis:0 provider=X silent_since=0m reason=silent
         @360 raise silent_6h:v:0 provider=X silent_since=0m manual_report_every=360m",
    );
}

#[test]
fn implausible_track_is_never_routed_to_missions() {
    check(
        &[
            fix("v", 0).into(),
            fix("v", 10).impossible(300.0).into(),
            Conflict("v", 20),
            Tick(20 + 6 * 60 + 1),
            Conflict("v", 400),
        ],
        "@10 raise implausible_track:v:600000 !missions reason=impossible_speed implied_speed_kn=300
         @381 resolve implausible_track:v:600000 quiet
         @381 raise silent_6h:v:600000 provider=X silent_since=10m manual_report_every=360m
         @400 raise implausible_track:v:24000000 !missions distance_m=328000 reason=identity_conflict",
    );
}

#[test]
fn state_is_bounded() {
    // At most two vessels: a third evicts the one heard from longest ago.
    let config = RulesConfig {
        max_vessels: 2,
        ..RulesConfig::recommended()
    };
    check_with(
        config,
        &[
            fix("a", 0).into(),
            fix("b", 10).into(),
            Tick(400),
            fix("c", 410).into(),
            fix("b", 420).into(),
        ],
        "@400 raise silent_6h:a:0 provider=X silent_since=0m manual_report_every=360m
         @400 raise silent_6h:b:600000 provider=X silent_since=10m manual_report_every=360m
         @410 resolve silent_6h:a:0 forgotten
         @420 resolve silent_6h:b:600000 reported",
    );
    // Forgotten 12 days after the last fix.
    let mut rules = Rules::new(RulesConfig::recommended()).unwrap();
    let mut out = Vec::new();
    run(&mut rules, &fix("a", 0).into(), &mut out);
    run(&mut rules, &Tick(12 * 24 * 60), &mut out);
    assert_eq!(rules.vessels(), 1);
    run(&mut rules, &Tick(12 * 24 * 60 + 1), &mut out);
    assert_eq!(rules.vessels(), 0);
    let forgotten: Vec<String> = out[out.len() - 2..].iter().map(render).collect();
    assert_eq!(
        forgotten,
        [
            "@17281 resolve silent_10d:a:0 forgotten",
            "@17281 resolve silent_6h:a:0 forgotten"
        ]
    );
}

#[test]
fn config_loads_from_toml_with_defaults() {
    let config: RulesConfig = toml::from_str("silent_short_ms = 7200000").unwrap();
    assert_eq!(config.silent_short_ms, 7_200_000);
    assert_eq!(
        config.silent_long_ms,
        RulesConfig::recommended().silent_long_ms
    );
    assert!(toml::from_str::<RulesConfig>("silence_ms = 1").is_err());
    let bad = RulesConfig {
        outage_min_fraction: 1.5,
        ..RulesConfig::recommended()
    };
    let err = Rules::new(bad).unwrap_err();
    assert_eq!(
        err.to_string(),
        "rules config: outage_min_fraction must be between 0 and 1"
    );
    let bad = RulesConfig {
        approach_nautical_miles: vec![f64::NAN],
        ..RulesConfig::recommended()
    };
    assert_eq!(
        Rules::new(bad).unwrap_err().field,
        "approach_nautical_miles"
    );
}

/// Random scripts over three vessels, two alerting zones, a port, distress MMSIs, late
/// data and ticks.
fn arb_step() -> impl Strategy<Value = Step> {
    let vessel = prop_oneof![
        Just("a"),
        Just("b"),
        Just("mmsi:970000001"),
        Just("reg:BV-1")
    ];
    let zones = prop_oneof![
        Just(vec![]),
        Just(vec!["eez"]),
        Just(vec!["idn"]),
        Just(vec!["dis", "idn"]),
        Just(vec!["port"]),
    ];
    let event = (
        prop_oneof![
            Just(ZoneEventKind::Enter),
            Just(ZoneEventKind::Exit),
            Just(ZoneEventKind::Approach)
        ],
        prop_oneof![Just("idn"), Just("dis"), Just("eez")],
        proptest::option::of(0.0..15.0f64),
        proptest::option::of(any::<bool>()),
    );
    let fix_step = (
        vessel.clone(),
        -100_000i64..100_000,
        0i64..30,
        zones,
        proptest::collection::vec(event, 0..3),
        proptest::option::of(0.0..10.0f64),
        0u8..10,
        proptest::option::of(prop_oneof![Just("X"), Just("Y")]),
    )
        .prop_map(|(v, t, lag, zones, events, sog, gate, provider)| {
            let mut f = fix(v, t).inside(&zones).recv(t + lag);
            f.events = events;
            f.sog = sog;
            f.provider = provider;
            if v.starts_with("mmsi:") {
                f = f.ais(970_000_001);
            }
            if gate == 0 {
                f = f.impossible(200.0);
            } else if gate == 1 {
                f.plausibility = Plausibility::Unchecked;
            }
            Step::Fix(f)
        });
    prop_oneof![
        6 => fix_step,
        2 => (-100_000i64..120_000).prop_map(Step::Tick),
        1 => (-100_000i64..100_000).prop_map(|t| Step::Sos("reg:BV-1", "SOS", t)),
        1 => (-100_000i64..100_000).prop_map(|t| Step::Conflict("a", t)),
        1 => (-100_000i64..100_000).prop_map(|t| Step::Text("b", None, "SART ACTIVE", t, t)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_scripts_keep_one_open_alert_per_slot(
        steps in proptest::collection::vec(arb_step(), 0..120),
        max_vessels in 1usize..5,
    ) {
        let config = RulesConfig { max_vessels, ..RulesConfig::recommended() };
        let mut rules = Rules::new(config).unwrap();
        let mut open = OpenSet::default();
        let mut keys = std::collections::HashSet::new();
        for step in &steps {
            let mut out = Vec::new();
            run(&mut rules, step, &mut out);
            for o in &out {
                open.apply(o);
                match o {
                    // A key is never raised twice (the store's key is unique), unless the
                    // engine forgot the vessel in between.
                    Output::Raise(a) => {
                        prop_assert!(keys.insert(a.dedupe_key.clone()), "{}", a.dedupe_key);
                    }
                    Output::Resolve(r) if r.reason == crate::ResolveReason::Forgotten => {
                        keys.remove(&r.dedupe_key);
                    }
                    _ => {}
                }
            }
            prop_assert!(rules.vessels() <= max_vessels);
        }
    }
}

/// Found by `random_scripts_keep_one_open_alert_per_slot`: an SOS let go as quiet, then the
/// same SOS again (a bridge resending it, a replay) raised the same key a second time, and
/// the engine then held an alert open that the store had already resolved, so a new SOS
/// within the hour would have been taken as a refresh of it and raised nothing.
#[test]
fn a_signal_sent_again_after_its_alert_went_quiet_is_not_raised_again() {
    let mut rules = Rules::new(RulesConfig::recommended()).unwrap();
    let mut out = Vec::new();
    let steps = [
        Step::Sos("reg:BV-1", "SOS", 64_438),
        Step::Tick(64_499),
        Step::Sos("reg:BV-1", "SOS", 64_438),
        // A new SOS, later: a new alert.
        Step::Sos("reg:BV-1", "SOS", 64_500),
    ];
    for step in &steps {
        run(&mut rules, step, &mut out);
    }
    let raised: Vec<&str> = out
        .iter()
        .filter_map(|o| match o {
            Output::Raise(a) => Some(a.dedupe_key.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        raised,
        [
            "distress:reg:BV-1:3866280000",
            "distress:reg:BV-1:3870000000"
        ]
    );
}
