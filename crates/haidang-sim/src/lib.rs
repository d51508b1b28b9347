//! A synthetic fleet: Vietnamese fishing boats with AIS Class A, AIS Class B or a VMS
//! terminal, sailing from their ports to fishing grounds, plus scripted events: boats that
//! cross into Indonesian and Chinese waters, a VMS terminal that falls silent, and an AIS-SART
//! that starts transmitting.
//!
//! The model is pure and deterministic: a seed and the times passed to [`Fleet::advance`]
//! decide everything. It produces NMEA lines (`!AIVDM`, and tag-blocked `$GPRMC` for VMS,
//! with the vessel's registration number in `s:`), for `haidang simulate` and for the demo.
//!
//! Positions are dead-reckoned on a sphere from speed and course; the scripted routes are
//! chosen from the shipped zone set and are approximate, like it.

use haidang_nmea::UtcMillis;
use haidang_nmea::encode::{Payload, sentence, tag_block, vdm_sentences};

/// What the fleet looks like.
#[derive(Clone, Debug)]
pub struct FleetConfig {
    /// Boats sailing from the ports (the scripted ones come on top).
    pub vessels: usize,
    /// Seed of the pseudo-random choices.
    pub seed: u64,
    /// Simulated time of the start, UNIX milliseconds.
    pub start_ms: i64,
    /// Interval between AIS Class A position reports, in simulated seconds.
    pub ais_interval_secs: u32,
    /// Interval between VMS position reports, in simulated seconds.
    pub vms_interval_secs: u32,
    /// Include the scripted events (crossings, silence, distress).
    pub scripted: bool,
    /// Put an NMEA 4.10 tag block with the transmission time (`c:`) before every AIS
    /// sentence, as receiving stations that stamp their output do.
    pub stamp_ais: bool,
    /// How much faster than their speed boats move: 1 is true to life; the demo uses more
    /// so that a crossing happens within a minute while report times stay real.
    pub motion_scale: f64,
}

impl FleetConfig {
    /// A fleet of `vessels` boats with the usual report intervals: AIS Class A every 10 s,
    /// Class B every 30 s, VMS every 10 minutes, scripted events on, AIS not stamped.
    pub fn with_vessels(vessels: usize, seed: u64, start_ms: i64) -> Self {
        Self {
            vessels,
            seed,
            start_ms,
            ais_interval_secs: 10,
            vms_interval_secs: 600,
            scripted: true,
            stamp_ais: false,
            motion_scale: 1.0,
        }
    }
}

/// How a boat reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transponder {
    /// AIS Class A: type 1 position reports, type 5 static data.
    AisClassA,
    /// AIS Class B: type 18 position reports, type 24 static data.
    AisClassB,
    /// A VMS terminal: `$GPRMC` behind a tag block naming the vessel.
    Vms,
    /// An AIS search-and-rescue transmitter (MMSI 970xxxxxx) in distress mode.
    Sart,
}

/// What a scripted boat is there to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Script {
    /// An ordinary boat.
    None,
    /// Sails south across the 2003 Viet Nam–Indonesia line, north of Natuna.
    CrossIntoIndonesia,
    /// Sails north-east across the Gulf of Tonkin line towards Hainan.
    CrossIntoChina,
    /// Its VMS terminal stops reporting a fifth into the run and never comes back.
    FallSilent,
    /// An AIS-SART that switches on a third into the run.
    Distress,
}

/// One simulated boat.
#[derive(Clone, Debug)]
pub struct Vessel {
    /// The MMSI (AIS) or a number standing for the VMS terminal.
    pub mmsi: u32,
    /// Registration number, as `BD-90123-TS`.
    pub registration: String,
    /// Name, as painted on the hull.
    pub name: String,
    /// How it reports.
    pub transponder: Transponder,
    /// What it is there to show.
    pub script: Script,
    /// Longitude, degrees.
    pub lon: f64,
    /// Latitude, degrees.
    pub lat: f64,
    /// Speed over ground, knots.
    pub sog_knots: f64,
    /// Course over ground, degrees.
    pub cog_degrees: f64,
    waypoint: (f64, f64),
    moved_at_ms: i64,
    next_position_ms: i64,
    next_static_ms: i64,
    active_from_ms: i64,
    silent_from_ms: i64,
}

/// Ports the boats sail from: (name, province code, longitude, latitude of the sea off it).
const PORTS: [(&str, &str, f64, f64); 10] = [
    ("QUY NHON", "BD", 109.32, 13.72),
    ("VUNG TAU", "BV", 107.25, 10.15),
    ("AN THOI", "KG", 103.95, 9.90),
    ("DA NANG", "DNa", 108.35, 16.20),
    ("HAI PHONG", "HP", 106.95, 20.60),
    ("NHA TRANG", "KH", 109.30, 12.20),
    ("RACH GIA", "KG", 104.80, 9.95),
    ("SONG DOC", "CM", 104.70, 9.00),
    ("PHAN THIET", "BTh", 108.20, 10.80),
    ("LY SON", "QNg", 109.20, 15.45),
];

/// The provinces of the ports' registration codes, as named after the 2025 merger.
const PROVINCES: [(&str, &str); 9] = [
    ("BD", "Gia Lai"),
    ("BV", "TP. Hồ Chí Minh"),
    ("KG", "An Giang"),
    ("DNa", "Đà Nẵng"),
    ("HP", "Hải Phòng"),
    ("KH", "Khánh Hòa"),
    ("CM", "Cà Mau"),
    ("BTh", "Lâm Đồng"),
    ("QNg", "Quảng Ngãi"),
];

const EARTH_RADIUS_NM: f64 = 3440.065;

/// The simulated fleet.
#[derive(Debug)]
pub struct Fleet {
    vessels: Vec<Vessel>,
    rng: Rng,
    now_ms: i64,
    config: FleetConfig,
    seq: u8,
}

impl Fleet {
    /// A fleet at `config.start_ms`. The run's length (for the scripted times) is
    /// `run_secs` of simulated time.
    pub fn new(config: FleetConfig, run_secs: u64) -> Self {
        let mut rng = Rng(config.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let start = config.start_ms;
        let run_ms = i64::try_from(run_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let mut vessels = Vec::with_capacity(config.vessels + 5);
        for i in 0..config.vessels {
            let (port, province, lon, lat) = PORTS[i % PORTS.len()];
            let transponder = match rng.below(10) {
                0..=4 => Transponder::AisClassA,
                5..=6 => Transponder::AisClassB,
                _ => Transponder::Vms,
            };
            let (lon, lat) = (
                lon + rng.uniform(-0.08, 0.08),
                lat + rng.uniform(-0.08, 0.08),
            );
            let mut v = vessel(
                i as u32,
                province,
                port,
                transponder,
                Script::None,
                lon,
                lat,
                start,
            );
            v.sog_knots = rng.uniform(5.0, 10.0);
            v.waypoint = fishing_ground(&mut rng, lon, lat);
            v.next_position_ms = start + rng.below(10_000) as i64;
            vessels.push(v);
        }
        if config.scripted {
            let n = config.vessels as u32;
            let scripted = [
                (
                    Script::CrossIntoIndonesia,
                    Transponder::AisClassA,
                    (108.10, 6.95),
                    (108.10, 5.70),
                    "BV",
                    "VUNG TAU",
                ),
                (
                    Script::CrossIntoIndonesia,
                    Transponder::Vms,
                    (107.90, 6.90),
                    (107.95, 5.80),
                    "BV",
                    "VUNG TAU",
                ),
                (
                    Script::CrossIntoChina,
                    Transponder::AisClassA,
                    (106.80, 19.00),
                    (107.60, 19.45),
                    "HP",
                    "HAI PHONG",
                ),
                (
                    Script::FallSilent,
                    Transponder::Vms,
                    (110.20, 12.60),
                    (111.00, 12.40),
                    "KH",
                    "NHA TRANG",
                ),
                (
                    Script::Distress,
                    Transponder::Sart,
                    (109.90, 14.30),
                    (109.90, 14.30),
                    "BD",
                    "QUY NHON",
                ),
            ];
            for (k, (script, transponder, (lon, lat), waypoint, province, port)) in
                scripted.into_iter().enumerate()
            {
                let mut v = vessel(
                    n + k as u32,
                    province,
                    port,
                    transponder,
                    script,
                    lon,
                    lat,
                    start,
                );
                v.waypoint = waypoint;
                v.sog_knots = if script == Script::Distress { 0.5 } else { 9.0 };
                match script {
                    Script::FallSilent => v.silent_from_ms = start + run_ms / 5,
                    Script::Distress => {
                        v.active_from_ms = start + run_ms / 3;
                        v.moved_at_ms = v.active_from_ms;
                    }
                    _ => {}
                }
                vessels.push(v);
            }
        }
        Self {
            vessels,
            rng,
            now_ms: start,
            config,
            seq: 0,
        }
    }

    /// The boats, as they are now.
    pub fn vessels(&self) -> &[Vessel] {
        &self.vessels
    }

    /// The fleet's register, as the CSV that `haidang registry import` reads: every boat
    /// (not the SART) with its registration, its MMSI if it has AIS, its name, a length
    /// (AIS Class A and VMS boats 15 m and over, Class B under), its province (after the
    /// 2025 merger), and a VMS provider and terminal for VMS boats. Deterministic.
    pub fn register_csv(&self) -> String {
        let mut csv = String::from(
            "registration_number,mmsi,name,length_m,gear,province,owner,vms_provider,\
             vms_device_id,licence_valid_from,licence_valid_to\r\n",
        );
        for (i, v) in self.vessels.iter().enumerate() {
            let (mmsi, length, provider) = match v.transponder {
                Transponder::Sart => continue,
                Transponder::AisClassA => (v.mmsi.to_string(), 15 + i % 14, ""),
                Transponder::AisClassB => (v.mmsi.to_string(), 8 + i % 7, ""),
                Transponder::Vms => (String::new(), 15 + i % 12, "Vishipel"),
            };
            let code = v.registration.split('-').next().unwrap_or_default();
            let province = PROVINCES
                .iter()
                .find(|(c, _)| *c == code)
                .map_or(code, |(_, name)| *name);
            let device = if provider.is_empty() {
                String::new()
            } else {
                format!("VS-{}", v.mmsi)
            };
            let gear = ["lưới kéo", "lưới vây", "câu", "lưới rê"][i % 4];
            csv.push_str(&format!(
                "{},{mmsi},\"{}\",{length},{gear},{province},,{provider},{device},,\r\n",
                v.registration,
                v.name.replace('"', "\"\""),
            ));
        }
        csv
    }

    /// Moves the fleet to `now_ms` and appends the lines every boat sent on the way, each
    /// ending in CR LF, in time order per boat.
    pub fn advance(&mut self, now_ms: i64, out: &mut Vec<String>) {
        let ais_ms = i64::from(self.config.ais_interval_secs.max(1)) * 1000;
        let vms_ms = i64::from(self.config.vms_interval_secs.max(1)) * 1000;
        for i in 0..self.vessels.len() {
            loop {
                let v = &self.vessels[i];
                let due = v.next_position_ms.max(v.active_from_ms);
                if due > now_ms {
                    break;
                }
                let interval = match v.transponder {
                    Transponder::AisClassA => ais_ms,
                    Transponder::AisClassB => ais_ms * 3,
                    Transponder::Vms => vms_ms,
                    Transponder::Sart => 60_000,
                };
                let elapsed = (due - v.moved_at_ms).max(0);
                let seq = self.seq;
                let v = &mut self.vessels[i];
                let scaled = (elapsed as f64 * self.config.motion_scale.max(0.0)) as i64;
                v.sail(scaled, &mut self.rng);
                v.moved_at_ms = due;
                if due < v.silent_from_ms {
                    let stamp = self.config.stamp_ais.then_some(due);
                    v.report(due, stamp, out);
                    if due >= v.next_static_ms {
                        v.report_static(seq, stamp, out);
                        v.next_static_ms = due + 360_000;
                        self.seq = (self.seq + 1) % 10;
                    }
                }
                v.next_position_ms = due + interval;
            }
        }
        self.now_ms = now_ms;
    }
}

#[allow(clippy::too_many_arguments)]
fn vessel(
    i: u32,
    province: &str,
    port: &str,
    transponder: Transponder,
    script: Script,
    lon: f64,
    lat: f64,
    start: i64,
) -> Vessel {
    let number = 90_000 + i;
    let mmsi = match transponder {
        Transponder::Sart => 970_574_000 + i % 1000,
        _ => 574_100_000 + i,
    };
    Vessel {
        mmsi,
        registration: format!("{province}-{number}-TS"),
        name: format!("{province} {number} TS"),
        transponder,
        script,
        lon,
        lat,
        sog_knots: 0.0,
        cog_degrees: 0.0,
        waypoint: (lon, lat),
        moved_at_ms: start,
        next_position_ms: start,
        next_static_ms: start,
        active_from_ms: start,
        silent_from_ms: i64::MAX,
    }
    .named_after(port)
}

impl Vessel {
    fn named_after(mut self, port: &str) -> Self {
        if self.transponder == Transponder::Sart {
            self.name = format!("SART {port}");
        }
        self
    }

    /// Dead-reckons `elapsed_ms` towards the waypoint; a boat that reaches it drifts there,
    /// unless it is an ordinary boat, which picks a new fishing spot nearby.
    fn sail(&mut self, elapsed_ms: i64, rng: &mut Rng) {
        let (dist_nm, bearing) =
            distance_bearing(self.lon, self.lat, self.waypoint.0, self.waypoint.1);
        if dist_nm < 0.5 {
            if self.script == Script::None {
                self.waypoint = fishing_ground(rng, self.lon, self.lat);
            } else {
                self.sog_knots = 0.3;
            }
        } else {
            self.cog_degrees = bearing;
        }
        let step_nm = (self.sog_knots * elapsed_ms as f64 / 3_600_000.0).min(dist_nm.max(0.0));
        let (lon, lat) = destination(self.lon, self.lat, self.cog_degrees, step_nm);
        self.lon = lon;
        self.lat = lat;
    }

    fn report(&self, t_ms: i64, stamp: Option<i64>, out: &mut Vec<String>) {
        let lon = (self.lon * 600_000.0).round() as i64;
        let lat = (self.lat * 600_000.0).round() as i64;
        let sog = (self.sog_knots * 10.0).round() as u64;
        let cog = (self.cog_degrees * 10.0).round() as u64 % 3600;
        let second = ((t_ms / 1000) % 60) as u64;
        let mut p = Payload::new();
        match self.transponder {
            Transponder::AisClassA | Transponder::Sart => {
                let nav_status = if self.transponder == Transponder::Sart {
                    14
                } else {
                    7
                };
                p.uint(1, 6)
                    .uint(0, 2)
                    .uint(u64::from(self.mmsi), 30)
                    .uint(nav_status, 4)
                    .int(-128, 8);
                p.uint(sog, 10)
                    .flag(false)
                    .int(lon, 28)
                    .int(lat, 27)
                    .uint(cog, 12);
                p.uint(511, 9)
                    .uint(second, 6)
                    .uint(0, 2)
                    .uint(0, 3)
                    .flag(false)
                    .uint(0, 19);
                push_ais(&p, 'A', None, stamp, out);
            }
            Transponder::AisClassB => {
                p.uint(18, 6)
                    .uint(0, 2)
                    .uint(u64::from(self.mmsi), 30)
                    .uint(0, 8)
                    .uint(sog, 10);
                p.flag(false)
                    .int(lon, 28)
                    .int(lat, 27)
                    .uint(cog, 12)
                    .uint(511, 9)
                    .uint(second, 6);
                p.uint(0, 2)
                    .uint(0b1_0111, 5)
                    .flag(false)
                    .flag(false)
                    .uint(0, 20);
                push_ais(&p, 'B', None, stamp, out);
            }
            Transponder::Vms => {
                let (y, mo, d, h, mi, s, _) = UtcMillis(t_ms).to_civil();
                let (lat_abs, ns) = (self.lat.abs(), if self.lat < 0.0 { 'S' } else { 'N' });
                let (lon_abs, ew) = (self.lon.abs(), if self.lon < 0.0 { 'W' } else { 'E' });
                let body = format!(
                    "GPRMC,{h:02}{mi:02}{s:02},A,{:02}{:07.4},{ns},{:03}{:07.4},{ew},{:.1},{:.1},{d:02}{mo:02}{:02},,,A",
                    lat_abs.trunc() as u32,
                    lat_abs.fract() * 60.0,
                    lon_abs.trunc() as u32,
                    lon_abs.fract() * 60.0,
                    self.sog_knots,
                    self.cog_degrees,
                    y % 100,
                );
                let tag = tag_block(&format!("s:{},c:{}", self.registration, t_ms / 1000));
                out.push(format!("{tag}{}\r\n", sentence('$', &body)));
            }
        }
    }

    fn report_static(&self, seq: u8, stamp: Option<i64>, out: &mut Vec<String>) {
        let mmsi = u64::from(self.mmsi);
        match self.transponder {
            Transponder::AisClassA => {
                let mut p = Payload::new();
                p.uint(5, 6)
                    .uint(0, 2)
                    .uint(mmsi, 30)
                    .uint(0, 2)
                    .uint(0, 30)
                    .text("XV", 7);
                p.text(&self.name, 20)
                    .uint(30, 8)
                    .uint(14, 9)
                    .uint(6, 9)
                    .uint(3, 6)
                    .uint(3, 6);
                p.uint(1, 4)
                    .uint(0, 4)
                    .uint(0, 5)
                    .uint(24, 5)
                    .uint(60, 6)
                    .uint(20, 8);
                p.text(&self.registration, 20).uint(0, 1).uint(0, 1);
                push_ais(&p, 'A', Some(seq), stamp, out);
            }
            Transponder::AisClassB => {
                let mut a = Payload::new();
                a.uint(24, 6)
                    .uint(0, 2)
                    .uint(mmsi, 30)
                    .uint(0, 2)
                    .text(&self.name, 20);
                push_ais(&a, 'B', None, stamp, out);
                let mut b = Payload::new();
                b.uint(24, 6)
                    .uint(0, 2)
                    .uint(mmsi, 30)
                    .uint(1, 2)
                    .uint(30, 8)
                    .text("HDG", 3);
                b.uint(1, 4)
                    .uint(u64::from(self.mmsi % 1_000_000), 20)
                    .text("XV", 7);
                b.uint(10, 9).uint(5, 9).uint(2, 6).uint(2, 6).uint(0, 6);
                push_ais(&b, 'B', None, stamp, out);
            }
            Transponder::Sart => {
                let mut p = Payload::new();
                p.uint(14, 6)
                    .uint(0, 2)
                    .uint(mmsi, 30)
                    .uint(0, 2)
                    .text("SART ACTIVE", 11);
                push_ais(&p, 'A', None, stamp, out);
            }
            Transponder::Vms => {}
        }
    }
}

fn push_ais(
    p: &Payload,
    channel: char,
    seq: Option<u8>,
    stamp_ms: Option<i64>,
    out: &mut Vec<String>,
) {
    let (armored, fill) = p.armored();
    let tag = stamp_ms
        .map(|t| tag_block(&format!("c:{}", t / 1000)))
        .unwrap_or_default();
    for line in vdm_sentences("AI", channel, seq, &armored, fill, 60) {
        out.push(format!("{tag}{line}\r\n"));
    }
}

/// A spot 20 to 60 nm from `(lon, lat)`, seaward (east and south of the coast, roughly).
fn fishing_ground(rng: &mut Rng, lon: f64, lat: f64) -> (f64, f64) {
    let bearing = rng.uniform(80.0, 200.0);
    destination(lon, lat, bearing, rng.uniform(20.0, 60.0))
}

/// Great-circle distance (nm) and initial bearing (degrees) on a sphere.
fn distance_bearing(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> (f64, f64) {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dl = (lon2 - lon1).to_radians();
    let a = ((p2 - p1) / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    let dist = 2.0 * EARTH_RADIUS_NM * a.sqrt().asin();
    let y = dl.sin() * p2.cos();
    let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
    (dist, y.atan2(x).to_degrees().rem_euclid(360.0))
}

/// The point `dist_nm` from `(lon, lat)` on initial bearing `bearing` (degrees), on a sphere.
fn destination(lon: f64, lat: f64, bearing: f64, dist_nm: f64) -> (f64, f64) {
    let d = dist_nm / EARTH_RADIUS_NM;
    let (p1, l1, b) = (lat.to_radians(), lon.to_radians(), bearing.to_radians());
    let p2 = (p1.sin() * d.cos() + p1.cos() * d.sin() * b.cos()).asin();
    let l2 = l1 + (b.sin() * d.sin() * p1.cos()).atan2(d.cos() - p1.sin() * p2.sin());
    (l2.to_degrees(), p2.to_degrees())
}

/// xorshift64: small, fast, deterministic.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1_u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use haidang_nmea::{Decoder, DecoderConfig, Event};

    fn run(vessels: usize, secs: u64) -> (Fleet, Vec<String>) {
        let start = 1_795_000_000_000;
        let mut fleet = Fleet::new(FleetConfig::with_vessels(vessels, 7, start), secs);
        let mut lines = Vec::new();
        for step in 1..=secs / 60 {
            fleet.advance(start + step as i64 * 60_000, &mut lines);
        }
        (fleet, lines)
    }

    #[test]
    fn everything_it_sends_decodes() {
        let (_, lines) = run(30, 3600);
        let mut decoder = Decoder::new(DecoderConfig::RECOMMENDED);
        let (mut ais, mut gnss, mut rejected) = (0, 0, Vec::new());
        let mut types = std::collections::BTreeSet::new();
        for line in &lines {
            decoder.feed_line(line.trim_end().as_bytes(), 0, 0, &mut |e| match e {
                Event::Ais(r) => {
                    ais += 1;
                    types.insert(r.message.msg_type);
                }
                Event::Gnss(r) => {
                    gnss += 1;
                    assert!(
                        r.tag_block
                            .and_then(|t| t.source())
                            .is_some_and(|s| s.ends_with("-TS"))
                    );
                }
                Event::Sos(_) => {}
                Event::Rejected(r) => rejected.push(r.reason),
            });
        }
        assert!(rejected.is_empty(), "{rejected:?}");
        assert!(ais > 1000 && gnss > 10, "{ais} AIS, {gnss} GNSS");
        assert_eq!(types.into_iter().collect::<Vec<_>>(), [1, 5, 14, 18, 24]);
    }

    #[test]
    fn boats_sail_at_their_speed() {
        let (fleet, _) = run(0, 3600);
        let crosser = fleet
            .vessels()
            .iter()
            .find(|v| v.script == Script::CrossIntoIndonesia)
            .expect("scripted");
        // 9 knots due south for an hour from 6.95 N: 9 nm, 0.15 degree of latitude.
        assert!(
            (crosser.lat - (6.95 - 9.0 / 60.0)).abs() < 0.01,
            "{}",
            crosser.lat
        );
    }

    #[test]
    fn deterministic_for_a_seed() {
        assert_eq!(run(10, 1200).1, run(10, 1200).1);
    }

    #[test]
    fn the_silent_boat_stops_and_the_sart_starts() {
        let (fleet, lines) = run(0, 3000);
        let silent = fleet
            .vessels()
            .iter()
            .find(|v| v.script == Script::FallSilent)
            .expect("scripted");
        let reports = lines
            .iter()
            .filter(|l| l.contains(&silent.registration))
            .count();
        // It falls silent a fifth into the 50-minute run, at 10 minutes, right when its
        // second report was due: only the first one went out.
        assert_eq!(reports, 1, "{reports}");
        let sart_reports = lines
            .iter()
            .filter(|l| l.starts_with("!AIVDM,1,1,,A,1"))
            .count();
        assert!(sart_reports >= 10, "{sart_reports}");
    }

    #[test]
    fn spherical_helpers_agree() {
        let (lon, lat) = destination(108.1, 6.9, 180.0, 60.0);
        assert!(
            (lon - 108.1).abs() < 1e-9 && (lat - 5.9).abs() < 1e-3,
            "{lon} {lat}"
        );
        let (d, b) = distance_bearing(108.1, 6.9, lon, lat);
        assert!(
            (d - 60.0).abs() < 1e-6 && (b - 180.0).abs() < 1e-6,
            "{d} {b}"
        );
    }
}
