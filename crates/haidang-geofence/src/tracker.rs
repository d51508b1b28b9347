//! Per-vessel zone state: enter and exit with hysteresis, approach warnings, stale fixes.

use std::collections::HashMap;

use geo::HaversineMeasure;
use haidang_types::{LatLon, METERS_PER_NAUTICAL_MILE, Meters};

use crate::{Boundaries, Nearest, ZoneId, ZoneIndex};

/// How the tracker decides that a vessel entered, left or is approaching a zone.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackerConfig {
    /// Consecutive clear fixes on the other side of a boundary before the state flips
    /// (1 flips at the first clear fix).
    pub fixes_to_change: u32,
    /// A fix closer than this to a zone's boundary is not clear: it neither flips the
    /// state nor confirms it.
    pub margin: Meters,
    /// Distances to the boundary of an alerting zone at which to warn a vessel moving
    /// toward it, in any order.
    pub approach: Vec<Meters>,
    /// A vessel with no fix for this long (fix time, in the milliseconds of
    /// [`Tracker::update`]'s `time`) behind the newest fix of any vessel is forgotten; its
    /// next fix counts as a first fix. `None`: never.
    pub forget_after_ms: Option<i64>,
    /// At most this many vessels are kept: when a new vessel would exceed it, the vessels
    /// with the oldest latest fixes are forgotten first (an eighth of them at once, at
    /// least one, so that eviction costs O(1) per new vessel on average). `None`: no limit.
    pub max_vessels: Option<usize>,
}

impl TrackerConfig {
    /// The settings Haidang ships with: 3 fixes, 500 m, warnings at 10, 5 and 2 nm;
    /// vessels forgotten after 7 days without a fix, at most 500,000 vessels.
    pub fn recommended() -> TrackerConfig {
        TrackerConfig {
            fixes_to_change: 3,
            margin: Meters(500.0),
            approach: [10.0, 5.0, 2.0]
                .map(|nm| Meters(nm * METERS_PER_NAUTICAL_MILE))
                .to_vec(),
            forget_after_ms: Some(7 * 24 * 3600 * 1000),
            max_vessels: Some(500_000),
        }
    }
}

/// What happened to a vessel and a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// The vessel is now inside the zone (or was first seen inside it).
    Enter,
    /// The vessel is now outside the zone.
    Exit,
    /// The vessel moved to within one of the approach distances of an alerting zone.
    Approach,
}

impl EventKind {
    /// The name used in JSON: `enter`, `exit`, `approach`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Enter => "enter",
            EventKind::Exit => "exit",
            EventKind::Approach => "approach",
        }
    }
}

/// An event for one vessel and one zone.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// The zone.
    pub zone: ZoneId,
    /// The distance from the fix to the zone's boundary (great circle), when it is within
    /// the tracker's search radius (the largest approach distance or the margin).
    pub distance: Option<Meters>,
}

/// What the tracker did with a fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Update {
    /// The fix was applied.
    Applied,
    /// The fix is older than the vessel's latest and was ignored: a late fix never flips
    /// the state.
    Stale,
}

#[derive(Clone, Copy, Debug, Default)]
struct ZoneState {
    inside: bool,
    /// Consecutive clear fixes on the other side.
    streak: u32,
    /// How many approach distances have been warned about (0 = none).
    warned: usize,
    last_distance: Option<f64>,
}

#[derive(Debug)]
struct Vessel {
    last_time: i64,
    zones: Vec<(ZoneId, ZoneState)>,
}

/// Per-vessel zone state. Pure: time is passed in, nothing is read or written.
#[derive(Debug)]
pub struct Tracker {
    config: TrackerConfig,
    /// Approach distances in metres, largest first.
    approach: Vec<f64>,
    radius: f64,
    vessels: HashMap<String, Vessel>,
    /// The newest fix time of any vessel.
    newest: i64,
    /// When `newest` reaches this, vessels older than `forget_after_ms` are swept.
    next_sweep: i64,
    inside: Vec<ZoneId>,
    near: Vec<Nearest>,
}

impl Tracker {
    /// A tracker with no vessels.
    pub fn new(config: TrackerConfig) -> Tracker {
        let mut approach: Vec<f64> = config
            .approach
            .iter()
            .map(|m| m.0)
            .filter(|m| m.is_finite() && *m > 0.0)
            .collect();
        approach.sort_by(|a, b| b.total_cmp(a));
        approach.dedup();
        let radius = approach
            .first()
            .copied()
            .unwrap_or(0.0)
            .max(config.margin.0)
            .max(1.0);
        Tracker {
            config,
            approach,
            radius,
            vessels: HashMap::new(),
            newest: i64::MIN,
            next_sweep: i64::MIN,
            inside: Vec::new(),
            near: Vec::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &TrackerConfig {
        &self.config
    }

    /// Number of vessels remembered (seen and not forgotten).
    pub fn vessels(&self) -> usize {
        self.vessels.len()
    }

    /// Forgets vessels by age and count, as the configuration says, before a fix at `time`
    /// of `vessel`.
    fn forget(&mut self, vessel: &str, time: i64) {
        self.newest = self.newest.max(time);
        if let Some(after) = self.config.forget_after_ms.filter(|a| *a >= 0) {
            let cutoff = self.newest.saturating_sub(after);
            // A vessel back after the gap starts afresh, whether or not a sweep has
            // dropped it yet: the answer does not depend on when sweeps happen.
            if self
                .vessels
                .get(vessel)
                .is_some_and(|v| v.last_time < cutoff)
            {
                self.vessels.remove(vessel);
            }
            // Sweeps are spaced by an eighth of the age limit of fix time, so that each
            // costs O(1) per fix on average.
            if self.newest >= self.next_sweep {
                self.vessels.retain(|_, v| v.last_time >= cutoff);
                self.next_sweep = self.newest.saturating_add((after / 8).max(1));
            }
        }
        if let Some(max) = self.config.max_vessels
            && self.vessels.len() >= max
            && !self.vessels.contains_key(vessel)
        {
            let keep = max.saturating_sub((max / 8).max(1));
            let mut times: Vec<i64> = self.vessels.values().map(|v| v.last_time).collect();
            let evict = times.len() - keep;
            // The `evict`-th oldest time: everything older goes, and of the vessels at
            // exactly that time only as many as needed (by name, for determinism).
            let (_, &mut pivot, _) = times.select_nth_unstable(evict - 1);
            let mut at_pivot: Vec<&String> = self
                .vessels
                .iter()
                .filter(|(_, v)| v.last_time == pivot)
                .map(|(k, _)| k)
                .collect();
            let older = self
                .vessels
                .values()
                .filter(|v| v.last_time < pivot)
                .count();
            at_pivot.sort_unstable();
            let drop_at_pivot: std::collections::HashSet<String> =
                at_pivot.into_iter().take(evict - older).cloned().collect();
            self.vessels.retain(|k, v| {
                v.last_time > pivot || (v.last_time == pivot && !drop_at_pivot.contains(k))
            });
        }
    }

    /// Applies a fix of `vessel` at `time` and appends the resulting events to `events`.
    ///
    /// - A vessel's first fix reports `Enter` for every zone it is in, and `Approach` for
    ///   every alerting zone it is within an approach distance of, at once.
    /// - After that, the state for a zone flips after `fixes_to_change` consecutive fixes
    ///   that are on the other side and at least `margin` from the zone's boundary; fixes
    ///   within the margin leave the count as it is.
    /// - `Approach` is raised for an alerting zone the vessel is outside of when a fix
    ///   closer to the boundary than the previous one (or the first one within the search
    ///   radius) passes an approach distance not yet
    ///   warned about; the warning re-arms when the vessel moves back beyond that distance
    ///   plus the margin.
    /// - A fix older than the vessel's latest is ignored ([`Update::Stale`]); one with the
    ///   same time is applied.
    /// - Vessels are forgotten as [`TrackerConfig::forget_after_ms`] and
    ///   [`TrackerConfig::max_vessels`] say; a forgotten vessel's next fix is a first fix.
    ///
    /// `time` is in milliseconds on any clock (e.g. Unix milliseconds); only differences
    /// matter.
    ///
    /// Distances are great-circle distances on the sphere of `earth` (normally
    /// `&geo::Haversine`). `index` and `earth` must be the same for every call (a logic
    /// error otherwise).
    pub fn update(
        &mut self,
        index: &ZoneIndex,
        earth: &HaversineMeasure,
        vessel: &str,
        time: i64,
        p: LatLon,
        events: &mut Vec<Event>,
    ) -> Update {
        self.forget(vessel, time);
        index.zones_at(p, &mut self.inside);
        index.nearest_boundaries(
            earth,
            p,
            Meters(self.radius),
            Boundaries::All,
            &mut self.near,
        );
        let distance = |near: &[Nearest], zone: ZoneId| {
            near.iter().find(|n| n.zone == zone).map(|n| n.distance.0)
        };
        let Some(state) = self.vessels.get_mut(vessel) else {
            let mut zones = Vec::new();
            for &zone in &self.inside {
                let d = distance(&self.near, zone);
                events.push(Event {
                    kind: EventKind::Enter,
                    zone,
                    distance: d.map(Meters),
                });
                zones.push((
                    zone,
                    ZoneState {
                        inside: true,
                        last_distance: d,
                        ..ZoneState::default()
                    },
                ));
            }
            for n in &self.near {
                if self.inside.contains(&n.zone) {
                    continue;
                }
                // First seen within an approach distance: warned at once, as a vessel
                // first seen inside is reported inside.
                let mut warned = 0;
                if index.zone(n.zone).class().is_alerting() {
                    warned = self.approach.iter().filter(|&&a| n.distance.0 <= a).count();
                    if warned > 0 {
                        events.push(Event {
                            kind: EventKind::Approach,
                            zone: n.zone,
                            distance: Some(n.distance),
                        });
                    }
                }
                let st = ZoneState {
                    last_distance: Some(n.distance.0),
                    warned,
                    ..ZoneState::default()
                };
                zones.push((n.zone, st));
            }
            self.vessels.insert(
                vessel.to_owned(),
                Vessel {
                    last_time: time,
                    zones,
                },
            );
            return Update::Applied;
        };
        if time < state.last_time {
            return Update::Stale;
        }
        state.last_time = time;
        for &zone in self.inside.iter().chain(self.near.iter().map(|n| &n.zone)) {
            if !state.zones.iter().any(|(z, _)| *z == zone) {
                state.zones.push((zone, ZoneState::default()));
            }
        }
        let margin = self.config.margin.0;
        let needed = self.config.fixes_to_change.max(1);
        for (zone, st) in &mut state.zones {
            let zone = *zone;
            let inside_now = self.inside.contains(&zone);
            let d = distance(&self.near, zone);
            let clear = d.is_none_or(|d| d >= margin);
            if clear {
                if inside_now != st.inside {
                    st.streak += 1;
                    if st.streak >= needed {
                        st.inside = inside_now;
                        st.streak = 0;
                        let kind = if inside_now {
                            EventKind::Enter
                        } else {
                            EventKind::Exit
                        };
                        events.push(Event {
                            kind,
                            zone,
                            distance: d.map(Meters),
                        });
                        // Leaving a zone is not approaching it.
                        st.warned =
                            d.map_or(0, |d| self.approach.iter().filter(|&&a| d <= a).count());
                    }
                } else {
                    st.streak = 0;
                }
            }
            if index.zone(zone).class().is_alerting() && !st.inside && !inside_now {
                if let Some(d) = d {
                    let level = self.approach.iter().filter(|&&a| d <= a).count();
                    // Coming from beyond the search radius is coming toward the line.
                    let toward = st.last_distance.is_none_or(|prev| d < prev);
                    if level > st.warned && toward {
                        events.push(Event {
                            kind: EventKind::Approach,
                            zone,
                            distance: Some(Meters(d)),
                        });
                        st.warned = level;
                    }
                    // Re-arm the warnings the vessel has moved clearly back out of.
                    let rearmed = self.approach.iter().filter(|&&a| d - margin <= a).count();
                    st.warned = st.warned.min(rearmed);
                } else {
                    st.warned = 0;
                }
            }
            st.last_distance = d;
        }
        state
            .zones
            .retain(|(_, st)| st.inside || st.streak > 0 || st.last_distance.is_some());
        Update::Applied
    }
}

#[cfg(test)]
mod tests {
    use geo::Haversine;

    use super::*;

    const ZONES: &str = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"id":"idn","class":"foreign","country":"IDN"},"geometry":{"type":"Polygon","coordinates":[[[1,0],[2,0],[2,1],[1,1],[1,0]]]}},
        {"type":"Feature","properties":{"id":"home","class":"vn_eez","country":"VNM"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}]}"#;

    /// Runs `track` (time, lon, lat) for one vessel and renders the events, one per line, as
    /// `time event zone distance-in-nm`; stale fixes render as `time stale`.
    fn check(track: &[(i64, f64, f64)], expect: &str) {
        let index = ZoneIndex::from_geojson(ZONES).unwrap();
        let mut tracker = Tracker::new(TrackerConfig::recommended());
        let mut got = Vec::new();
        for &(t, lon, lat) in track {
            let mut events = Vec::new();
            let p = LatLon::new(lon, lat).unwrap();
            if tracker.update(&index, &Haversine, "v", t, p, &mut events) == Update::Stale {
                got.push(format!("{t} stale"));
            }
            for e in events {
                let d = e.distance.map_or("-".to_owned(), |d| {
                    format!("{:.1}", d.0 / METERS_PER_NAUTICAL_MILE)
                });
                got.push(format!(
                    "{t} {} {} {d}",
                    e.kind.as_str(),
                    index.zone(e.zone).id()
                ));
            }
        }
        assert_eq!(got.join("\n"), expect);
    }

    #[test]
    fn first_seen_inside_is_reported_inside() {
        check(&[(0, 1.5, 0.5), (1, 1.5, 0.51)], "0 enter idn -");
        check(&[(0, 1.0, 0.5)], "0 enter idn 0.0\n0 enter home 0.0");
    }

    #[test]
    fn flapping_along_a_line_raises_nothing() {
        // 0.001 degree is 111 m, inside the 500 m margin, on either side of the line: one
        // approach warning when first seen, no enter or exit.
        let mut track: Vec<(i64, f64, f64)> = (0..20)
            .map(|i| {
                (
                    i,
                    if i % 2 == 0 { 0.999 } else { 1.001 },
                    0.5 + i as f64 * 0.001,
                )
            })
            .collect();
        check(&track, "0 enter home 0.1\n0 approach idn 0.1");
        // Then three clear fixes inside: one enter, one exit.
        track.extend([(20, 1.01, 0.6), (21, 1.02, 0.6), (22, 1.03, 0.6)]);
        check(
            &track,
            "0 enter home 0.1\n0 approach idn 0.1\n22 exit home 1.8\n22 enter idn 1.8",
        );
    }

    #[test]
    fn out_of_order_fixes_never_flip() {
        check(
            &[
                (10, 1.5, 0.5),
                (5, 0.5, 0.5),
                (6, 0.5, 0.5),
                (7, 0.5, 0.5),
                (10, 1.5, 0.5),
            ],
            "10 enter idn -\n5 stale\n6 stale\n7 stale",
        );
    }

    #[test]
    fn approach_warnings_then_entry() {
        check(
            &[
                (0, 0.80, 0.5),
                (1, 0.85, 0.5),
                (2, 0.90, 0.5),
                (3, 0.93, 0.5),
                (4, 0.97, 0.5),
                (5, 1.05, 0.5),
                (6, 1.10, 0.5),
                (7, 1.15, 0.5),
            ],
            "0 enter home -\n1 approach idn 9.0\n3 approach idn 4.2\n4 approach idn 1.8\n7 exit home 9.0\n7 enter idn 9.0",
        );
    }

    /// Runs fixes (vessel, time) all at a point inside `idn` with `config`; renders the
    /// events as `time vessel event` and, after each fix, the number of vessels kept.
    fn check_memory(config: TrackerConfig, fixes: &[(&str, i64)], expect: &str) {
        let index = ZoneIndex::from_geojson(ZONES).unwrap();
        let mut tracker = Tracker::new(config);
        let mut got = Vec::new();
        let p = LatLon::new(1.5, 0.5).unwrap();
        for &(v, t) in fixes {
            let mut events = Vec::new();
            let update = tracker.update(&index, &Haversine, v, t, p, &mut events);
            let mut line = format!("{t} {v}");
            if update == Update::Stale {
                line.push_str(" stale");
            }
            for e in events {
                line.push_str(&format!(" {}", e.kind.as_str()));
            }
            line.push_str(&format!(" [{}]", tracker.vessels()));
            got.push(line);
        }
        assert_eq!(got.join("\n"), expect);
    }

    #[test]
    fn vessels_are_forgotten_after_a_gap() {
        let config = |forget_after_ms| TrackerConfig {
            forget_after_ms,
            max_vessels: None,
            ..TrackerConfig::recommended()
        };
        let fixes = [
            ("a", 0),
            ("b", 50),
            ("a", 100),
            ("a", 201),
            ("b", 202),
            ("a", 150),
        ];
        // a: back within 100 ms at 100, then 101 ms later: still remembered at 201 (the
        // limit is inclusive). b: 152 ms after its fix at 50 it is gone (swept at 201, as
        // the newest fix is then 201) and starts afresh. A late fix of a is stale.
        check_memory(
            config(Some(101)),
            &fixes,
            "0 a enter [1]\n50 b enter [2]\n100 a [2]\n201 a [1]\n202 b enter [2]\n150 a stale [2]",
        );
        // With a 100 ms limit, a's fix at 201 comes after a 101 ms gap: a first fix again.
        check_memory(
            config(Some(100)),
            &fixes,
            "0 a enter [1]\n50 b enter [2]\n100 a [2]\n201 a enter [1]\n202 b enter [2]\n150 a stale [2]",
        );
        // Never forgotten.
        check_memory(
            config(None),
            &fixes,
            "0 a enter [1]\n50 b enter [2]\n100 a [2]\n201 a [2]\n202 b [2]\n150 a stale [2]",
        );
    }

    #[test]
    fn the_oldest_vessels_are_evicted_first() {
        let config = TrackerConfig {
            forget_after_ms: None,
            max_vessels: Some(3),
            ..TrackerConfig::recommended()
        };
        // a is refreshed at 3, so b (latest fix 1) goes first when d arrives; then c, a.
        check_memory(
            config,
            &[
                ("a", 0),
                ("b", 1),
                ("c", 2),
                ("a", 3),
                ("d", 4),
                ("b", 5),
                ("c", 6),
                ("d", 7),
            ],
            "0 a enter [1]\n1 b enter [2]\n2 c enter [3]\n3 a [3]\n4 d enter [3]\n5 b enter [3]\n6 c enter [3]\n7 d [3]",
        );
    }

    #[test]
    fn running_parallel_to_a_line() {
        // 3 nm outside, then 0.2 nm outside (within the margin), steaming north: a warning
        // when first seen and one when the boat closes in, nothing while it runs along.
        let mut track: Vec<(i64, f64, f64)> =
            (0..10).map(|i| (i, 0.95, 0.1 + 0.05 * i as f64)).collect();
        check(&track, "0 enter home 3.0\n0 approach idn 3.0");
        track.extend((10..20).map(|i| (i, 0.9967, 0.1 + 0.05 * (i - 10) as f64)));
        check(
            &track,
            "0 enter home 3.0\n0 approach idn 3.0\n10 approach idn 0.2",
        );
    }
}
