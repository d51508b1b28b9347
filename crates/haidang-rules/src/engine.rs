//! The engine: per-vessel state, fixes and signals in, alerts out.

use std::collections::HashMap;

use haidang_types::{AlertKind, LatLon, METERS_PER_NAUTICAL_MILE, Mmsi, ZoneClass};

use crate::{
    Alert, ConfigError, Details, DistressDevice, DistressSignal, Escalation, IdentityConflict,
    Observation, Output, Plausibility, Reason, Resolve, ResolveReason, RulesConfig, SignalKind,
    Source, ZoneEventKind, ZoneInfo, ZoneRef,
};

/// A VMS loss obliges the crew to report the position by other means every 6 hours
/// (Decree 37/2024).
const MANUAL_REPORT_EVERY_MS: i64 = 6 * 3_600_000;

/// Mean earth radius (IUGG), metres: the sphere of the stop-radius distances.
const EARTH_RADIUS_METERS: f64 = 6_371_008.8;

/// Per-vessel monitoring rules. Pure: no I/O, no clock; every time is passed in as Unix
/// milliseconds.
///
/// The pipeline calls [`Rules::observe`] once per stored position (after the plausibility
/// gate and the geofence tracker), [`Rules::signal`] for distress texts and VMS SOS,
/// [`Rules::identity_conflict`] when one identity is at two places at once, and
/// [`Rules::tick`] every few seconds with the wall clock. Each appends [`Output`]s: alerts
/// raised, `approach` alerts escalated, alerts the engine no longer holds open.
///
/// The engine holds at most one open alert per (vessel, kind, zone); `exited` is a notice
/// and is never held open. See the crate docs for each rule.
#[derive(Debug)]
pub struct Rules {
    config: RulesConfig,
    /// Approach thresholds in metres, largest first.
    approach_m: Vec<f64>,
    forget_after_ms: i64,
    vessels: HashMap<String, Vessel>,
    /// Open outages by provider.
    outages: HashMap<String, Outage>,
}

#[derive(Debug)]
struct Outage {
    key: String,
    raised_ms: i64,
    /// The vessels that fell silent together, with their last fix time then.
    affected: Vec<(String, i64)>,
}

#[derive(Debug)]
struct Vessel {
    mmsi: Option<Mmsi>,
    /// Ever heard by VMS.
    vms: bool,
    provider: Option<String>,
    /// The newest fix time (plausible or not: the device was heard).
    last_fix_ms: Option<i64>,
    last_received_ms: i64,
    /// The newest fix or signal time: for forgetting.
    last_seen_ms: i64,
    /// The following describe the latest plausible fix.
    at_sea: bool,
    position: Option<LatLon>,
    /// The most dangerous foreign or undelimited zone it was in.
    zone: Option<ZoneInfo>,
    /// Since when and where the vessel has been stopped.
    stop: Option<(i64, LatLon)>,
    watches: Vec<Watch>,
    open: Vec<Open>,
    /// The outage that held back a silence of this vessel.
    held_by: Option<String>,
    /// The key time of the last distress and implausible-track alerts let go as quiet: a
    /// signal from no later than that (a copy sent again, a replay) belongs to an episode
    /// already raised and is not raised again under the same key.
    let_go_ms: [Option<i64>; 2],
}

/// An alerting zone the vessel is in, was just in, or was reported entering.
#[derive(Debug)]
struct Watch {
    zone: ZoneInfo,
    /// The tracker reported Enter (and no Exit since).
    tracker_inside: bool,
    /// Consecutive plausible fixes inside, and the fix time of the first of them.
    run: u32,
    run_start_ms: i64,
    last_exit_ms: Option<i64>,
}

#[derive(Debug)]
struct Open {
    kind: AlertKind,
    zone: Option<String>,
    key: String,
    /// The time in the key.
    key_ms: i64,
    /// When the latest signal or approach was received, for the kinds that go quiet: quiet
    /// means the shore has not heard it lately, so a backlog of late reports arriving now
    /// does not let an alert go quiet (nor open it again and again).
    last_ms: i64,
    /// For `approach`: how many thresholds have been passed.
    level: usize,
}

/// One provider's vessels at a tick.
#[derive(Default)]
struct ProviderVessels<'a> {
    /// Active: a fix within `outage_active_within_ms`.
    active: u32,
    /// Silent for `outage_silent_after_ms`: last fix time and vessel key.
    silent: Vec<(i64, &'a str)>,
}

/// An alert about to be raised.
struct Pending {
    kind: AlertKind,
    zone: Option<ZoneInfo>,
    /// The time in the dedupe key.
    key_ms: i64,
    fix_ms: Option<i64>,
    received_ms: Option<i64>,
    raised_at_ms: i64,
    delayed: bool,
    details: Details,
    level: usize,
    closes: Option<String>,
}

impl Pending {
    fn from_fix(kind: AlertKind, obs: &Observation<'_>, delayed: bool) -> Pending {
        Pending {
            kind,
            zone: None,
            key_ms: obs.fix_ms,
            fix_ms: Some(obs.fix_ms),
            received_ms: Some(obs.received_ms),
            raised_at_ms: obs.received_ms,
            delayed,
            details: Details::default(),
            level: 0,
            closes: None,
        }
    }
}

impl Vessel {
    fn new(seen_ms: i64) -> Vessel {
        Vessel {
            mmsi: None,
            vms: false,
            provider: None,
            last_fix_ms: None,
            last_received_ms: 0,
            last_seen_ms: seen_ms,
            at_sea: false,
            position: None,
            zone: None,
            stop: None,
            watches: Vec::new(),
            open: Vec::new(),
            held_by: None,
            let_go_ms: [None, None],
        }
    }

    /// The slot of `let_go_ms` for a kind that goes quiet.
    fn let_go_slot(kind: AlertKind) -> Option<usize> {
        match kind {
            AlertKind::Distress => Some(0),
            AlertKind::ImplausibleTrack => Some(1),
            _ => None,
        }
    }

    fn find_open(&self, kind: AlertKind, zone: Option<&str>) -> Option<usize> {
        self.open
            .iter()
            .position(|o| o.kind == kind && o.zone.as_deref() == zone)
    }

    /// Lets go of the open alert of `kind` in `zone`, if there is one.
    fn close(
        &mut self,
        kind: AlertKind,
        zone: Option<&str>,
        reason: ResolveReason,
        at_ms: i64,
        out: &mut Vec<Output>,
    ) {
        if let Some(i) = self.find_open(kind, zone) {
            let open = self.open.swap_remove(i);
            out.push(resolve(open, reason, at_ms));
        }
    }

    fn raise(&mut self, vessel: &str, p: Pending, out: &mut Vec<Output>) {
        let key = match &p.zone {
            Some(z) => format!("{}:{vessel}:{}:{}", p.kind, z.id, p.key_ms),
            None => format!("{}:{vessel}:{}", p.kind, p.key_ms),
        };
        if p.kind != AlertKind::Exited {
            self.open.push(Open {
                kind: p.kind,
                zone: p.zone.as_ref().map(|z| z.id.clone()),
                key: key.clone(),
                key_ms: p.key_ms,
                last_ms: p.received_ms.unwrap_or(p.raised_at_ms),
                level: p.level,
            });
        }
        out.push(Output::Raise(Box::new(Alert {
            kind: p.kind,
            vessel: Some(vessel.to_owned()),
            mmsi: self.mmsi,
            zone: p.zone,
            fix_ms: p.fix_ms,
            received_ms: p.received_ms,
            raised_at_ms: p.raised_at_ms,
            delayed: p.delayed,
            dedupe_key: key,
            details: p.details,
            closes: p.closes,
        })));
    }

    /// Raises `p` (a distress or an implausible track) unless one is open; an open one
    /// only notes the signal's time.
    fn raise_or_refresh(&mut self, vessel: &str, p: Pending, out: &mut Vec<Output>) {
        let time = p.received_ms.unwrap_or(p.raised_at_ms);
        match self.find_open(p.kind, None) {
            Some(i) => self.open[i].last_ms = self.open[i].last_ms.max(time),
            None => {
                let already = Self::let_go_slot(p.kind)
                    .and_then(|slot| self.let_go_ms[slot])
                    .is_some_and(|let_go| p.key_ms <= let_go);
                if !already {
                    self.raise(vessel, p, out);
                }
            }
        }
    }

    fn watch_mut(&mut self, zone: &ZoneRef<'_>) -> &mut Watch {
        let i = match self.watches.iter().position(|w| w.zone.id == zone.id) {
            Some(i) => i,
            None => {
                self.watches.push(Watch {
                    zone: zone_info(zone),
                    tracker_inside: false,
                    run: 0,
                    run_start_ms: 0,
                    last_exit_ms: None,
                });
                self.watches.len() - 1
            }
        };
        &mut self.watches[i]
    }
}

fn resolve(open: Open, reason: ResolveReason, at_ms: i64) -> Output {
    Output::Resolve(Resolve {
        dedupe_key: open.key,
        kind: open.kind,
        reason,
        at_ms,
    })
}

fn zone_info(z: &ZoneRef<'_>) -> ZoneInfo {
    ZoneInfo {
        id: z.id.to_owned(),
        class: z.class,
        country: z.country.map(str::to_owned),
    }
}

fn entered_kind(class: ZoneClass) -> AlertKind {
    if class == ZoneClass::Foreign {
        AlertKind::EnteredForeign
    } else {
        AlertKind::EnteredUndelimited
    }
}

/// Great-circle distance in metres on the sphere of [`EARTH_RADIUS_METERS`] (haversine).
fn haversine_meters(a: LatLon, b: LatLon) -> f64 {
    let (la1, la2) = (a.lat().to_radians(), b.lat().to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon() - a.lon()).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_METERS * h.sqrt().min(1.0).asin()
}

fn sort_key(o: &Output) -> &str {
    match o {
        Output::Raise(a) => &a.dedupe_key,
        Output::Escalate(e) => &e.escalation_key,
        Output::Resolve(r) => &r.dedupe_key,
    }
}

/// Lets go of every open alert of a forgotten vessel.
fn forget_vessel(v: Vessel, at_ms: i64, out: &mut Vec<Output>) {
    for open in v.open {
        out.push(resolve(open, ResolveReason::Forgotten, at_ms));
    }
}

impl Rules {
    /// An engine with no vessels, if the configuration is valid.
    pub fn new(config: RulesConfig) -> Result<Rules, ConfigError> {
        config.validate()?;
        let mut approach_m: Vec<f64> = config
            .approach_nautical_miles
            .iter()
            .map(|nm| nm * METERS_PER_NAUTICAL_MILE)
            .collect();
        approach_m.sort_by(|a, b| b.total_cmp(a));
        approach_m.dedup();
        let forget_after_ms = config
            .forget_after_ms
            .max(config.silent_long_ms.saturating_add(3_600_000));
        Ok(Rules {
            config,
            approach_m,
            forget_after_ms,
            vessels: HashMap::new(),
            outages: HashMap::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &RulesConfig {
        &self.config
    }

    /// Number of vessels remembered.
    pub fn vessels(&self) -> usize {
        self.vessels.len()
    }

    /// Takes one stored position and appends what it raises, escalates or closes.
    ///
    /// - A position from a distress device's MMSI (SART, MOB, EPIRB) raises `distress`.
    /// - A fix the gate found impossible raises `implausible_track` and goes no further:
    ///   it counts as heard (it ends a silence) but moves no zone, stop or detention state.
    /// - A fix older than the vessel's newest (out of order) changes no state either; it
    ///   can still raise `distress` or `implausible_track`, marked `delayed`.
    /// - Otherwise: a fix after a silence closes `silent_*`; the tracker's events drive
    ///   `approach`, `entered_*` and `exited`; a stop drives `possible_detention`.
    ///
    /// Alerts are raised at the observation's receive time.
    pub fn observe(&mut self, obs: &Observation<'_>, out: &mut Vec<Output>) {
        if !self.vessels.contains_key(obs.vessel) {
            self.make_room(obs.received_ms, out);
            self.vessels
                .insert(obs.vessel.to_owned(), Vessel::new(obs.fix_ms));
        }
        if let Some(v) = self.vessels.get_mut(obs.vessel) {
            observe_vessel(&self.config, &self.approach_m, v, obs, out);
        }
    }

    /// Takes a distress signal that is not a position: an AIS safety text announcing an
    /// active SART, MOB or EPIRB, or a VMS SOS (always). Raises `distress` unless the
    /// vessel already has one open; other safety texts raise nothing.
    pub fn signal(&mut self, s: &DistressSignal<'_>, out: &mut Vec<Output>) {
        let device = match s.kind {
            SignalKind::SafetyText => match DistressDevice::from_safety_text(s.text) {
                Some(d) => d,
                None => return,
            },
            SignalKind::VmsSos => DistressDevice::VmsSos,
        };
        let delayed = s.received_ms.saturating_sub(s.time_ms) > self.config.late_after_ms;
        let v = self.vessel_mut(s.vessel, s.time_ms, s.received_ms, out);
        if s.mmsi.is_some() {
            v.mmsi = s.mmsi;
        }
        let p = Pending {
            kind: AlertKind::Distress,
            zone: None,
            key_ms: s.time_ms,
            fix_ms: Some(s.time_ms),
            received_ms: Some(s.received_ms),
            raised_at_ms: s.received_ms,
            delayed,
            details: Details {
                device: Some(device),
                text: Some(s.text.to_owned()),
                position: s.position,
                ..Details::default()
            },
            level: 0,
            closes: None,
        };
        v.raise_or_refresh(s.vessel, p, out);
    }

    /// Takes an identity conflict: raises `implausible_track` unless the vessel already has
    /// one open. Never routed to missions ([`Alert::route_to_missions`]).
    pub fn identity_conflict(&mut self, c: &IdentityConflict<'_>, out: &mut Vec<Output>) {
        let delayed = c.received_ms.saturating_sub(c.fix_ms) > self.config.late_after_ms;
        let v = self.vessel_mut(c.vessel, c.fix_ms, c.received_ms, out);
        if c.mmsi.is_some() {
            v.mmsi = c.mmsi;
        }
        let p = Pending {
            kind: AlertKind::ImplausibleTrack,
            zone: None,
            key_ms: c.fix_ms,
            fix_ms: Some(c.fix_ms),
            received_ms: Some(c.received_ms),
            raised_at_ms: c.received_ms,
            delayed,
            details: Details {
                reason: Some(Reason::IdentityConflict),
                distance: Some(c.distance),
                position: Some(c.first),
                other_position: Some(c.second),
                ..Details::default()
            },
            level: 0,
            closes: None,
        };
        v.raise_or_refresh(c.vessel, p, out);
    }

    /// Advances the clock to `now_ms`: provider outages start and end, silences and silent
    /// detentions are raised (or held back during an outage), quiet alerts are let go, and
    /// vessels not heard from for `forget_after_ms` are forgotten. Outputs of one tick are
    /// ordered by key. Costs one pass over the vessels.
    pub fn tick(&mut self, now_ms: i64, out: &mut Vec<Output>) {
        let start = out.len();
        self.update_outages(now_ms, out);
        let cfg = &self.config;
        let mut forget = Vec::new();
        for (key, v) in &mut self.vessels {
            if now_ms.saturating_sub(v.last_seen_ms) > self.forget_after_ms {
                forget.push(key.clone());
                continue;
            }
            let mut i = 0;
            while i < v.open.len() {
                let o = &v.open[i];
                let (quiet, reason) = match o.kind {
                    AlertKind::Approach => (cfg.approach_expire_ms, ResolveReason::Expired),
                    AlertKind::Distress => (cfg.distress_quiet_ms, ResolveReason::Quiet),
                    AlertKind::ImplausibleTrack => (cfg.implausible_quiet_ms, ResolveReason::Quiet),
                    _ => {
                        i += 1;
                        continue;
                    }
                };
                if now_ms.saturating_sub(o.last_ms) > quiet {
                    let o = v.open.swap_remove(i);
                    if let Some(slot) = Vessel::let_go_slot(o.kind) {
                        v.let_go_ms[slot] = v.let_go_ms[slot].max(Some(o.key_ms));
                    }
                    out.push(resolve(o, reason, now_ms));
                } else {
                    i += 1;
                }
            }
            let Some(last) = v.last_fix_ms else {
                continue;
            };
            if !(v.vms || cfg.ais_silence) {
                continue;
            }
            let silent = now_ms.saturating_sub(last);
            // Most vessels reported recently: nothing more to look at.
            if silent < cfg.silent_short_ms.min(cfg.detention_silent_ms) {
                continue;
            }
            let holding = v
                .provider
                .as_deref()
                .filter(|_| v.vms)
                .and_then(|p| self.outages.get(p))
                .filter(|o| now_ms.saturating_sub(o.raised_ms) < cfg.outage_max_hold_ms);
            let silences = [
                (AlertKind::Silent6h, cfg.silent_short_ms, None),
                (AlertKind::Silent10d, cfg.silent_long_ms, None),
                (
                    AlertKind::PossibleDetention,
                    cfg.detention_silent_ms,
                    v.zone.clone(),
                ),
            ];
            for (kind, after, zone) in silences {
                let applies = match kind {
                    AlertKind::PossibleDetention => zone.is_some(),
                    _ => v.at_sea,
                };
                let zone_id = zone.as_ref().map(|z| z.id.as_str());
                if !applies || silent < after || v.find_open(kind, zone_id).is_some() {
                    continue;
                }
                if let Some(outage) = holding {
                    if v.held_by.as_deref() != Some(&outage.key) {
                        v.held_by = Some(outage.key.clone());
                    }
                    continue;
                }
                let mut details = Details {
                    provider: v.provider.clone(),
                    silent_since_ms: Some(last),
                    held_by: v.held_by.clone(),
                    position: v.position,
                    ..Details::default()
                };
                if kind == AlertKind::PossibleDetention {
                    details.reason = Some(Reason::Silent);
                } else if v.vms {
                    details.manual_report_every_ms = Some(MANUAL_REPORT_EVERY_MS);
                }
                let p = Pending {
                    kind,
                    zone,
                    key_ms: last,
                    fix_ms: Some(last),
                    received_ms: Some(v.last_received_ms),
                    raised_at_ms: now_ms,
                    delayed: false,
                    details,
                    level: 0,
                    closes: None,
                };
                v.raise(key, p, out);
            }
        }
        for key in forget {
            if let Some(v) = self.vessels.remove(&key) {
                forget_vessel(v, now_ms, out);
            }
        }
        out[start..].sort_by(|a, b| sort_key(a).cmp(sort_key(b)));
    }

    /// The vessel's state, made (evicting the oldest if full) when it is new.
    fn vessel_mut(
        &mut self,
        vessel: &str,
        time_ms: i64,
        at_ms: i64,
        out: &mut Vec<Output>,
    ) -> &mut Vessel {
        if !self.vessels.contains_key(vessel) {
            self.make_room(at_ms, out);
        }
        let v = self
            .vessels
            .entry(vessel.to_owned())
            .or_insert_with(|| Vessel::new(time_ms));
        v.last_seen_ms = v.last_seen_ms.max(time_ms);
        v
    }

    /// Forgets the eighth of the vessels heard from longest ago when the table is full
    /// (O(n) once per n/8 new vessels).
    fn make_room(&mut self, at_ms: i64, out: &mut Vec<Output>) {
        let max = self.config.max_vessels;
        if self.vessels.len() < max {
            return;
        }
        let evict = (max / 8).clamp(1, self.vessels.len());
        let mut ages: Vec<(i64, &String)> = self
            .vessels
            .iter()
            .map(|(k, v)| (v.last_seen_ms, k))
            .collect();
        ages.select_nth_unstable(evict - 1);
        let mut victims: Vec<String> = ages[..evict].iter().map(|(_, k)| (*k).clone()).collect();
        victims.sort_unstable();
        for key in victims {
            if let Some(v) = self.vessels.remove(&key) {
                forget_vessel(v, at_ms, out);
            }
        }
    }

    /// Ends the outages whose vessels report again, then starts outages where enough of a
    /// provider's active vessels fell silent within one window.
    fn update_outages(&mut self, now_ms: i64, out: &mut Vec<Output>) {
        let cfg = &self.config;
        let need = |active: u32| {
            let fraction = (cfg.outage_min_fraction * f64::from(active)).ceil() as usize;
            fraction.max(cfg.outage_min_vessels as usize)
        };
        // Per provider: the active vessels, and the silent ones with when the shore last
        // heard of them. An outage is the provider's feed not delivering, so it goes by
        // receive time: a provider catching up on a backlog is delivering.
        let mut groups: HashMap<&str, ProviderVessels<'_>> = HashMap::new();
        for (key, v) in &self.vessels {
            let (true, Some(provider), Some(_)) = (v.vms, v.provider.as_deref(), v.last_fix_ms)
            else {
                continue;
            };
            let last = v.last_received_ms;
            let age = now_ms.saturating_sub(last);
            if age > cfg.outage_active_within_ms {
                continue;
            }
            let group = groups.entry(provider).or_default();
            group.active += 1;
            if age >= cfg.outage_silent_after_ms {
                group.silent.push((last, key.as_str()));
            }
        }
        let mut ended: Vec<String> = Vec::new();
        for (provider, outage) in &self.outages {
            let active = groups.get(provider.as_str()).map_or(0, |g| g.active);
            let still_silent = outage
                .affected
                .iter()
                .filter(|(key, since)| {
                    self.vessels
                        .get(key)
                        .is_some_and(|v| v.last_received_ms <= *since)
                })
                .count();
            if still_silent < need(active) {
                ended.push(provider.clone());
            }
        }
        for provider in ended {
            if let Some(o) = self.outages.remove(&provider) {
                out.push(Output::Resolve(Resolve {
                    dedupe_key: o.key,
                    kind: AlertKind::ProviderOutage,
                    reason: ResolveReason::Recovered,
                    at_ms: now_ms,
                }));
            }
        }
        for (provider, ProviderVessels { active, mut silent }) in groups {
            if self.outages.contains_key(provider) || silent.len() < need(active) {
                continue;
            }
            silent.sort_unstable();
            // The window of `outage_window_ms` holding the most last fixes (earliest first
            // among equals).
            let (mut best, mut best_len, mut lo) = (0, 0, 0);
            for hi in 0..silent.len() {
                while silent[hi].0.saturating_sub(silent[lo].0) > cfg.outage_window_ms {
                    lo += 1;
                }
                if hi + 1 - lo > best_len {
                    (best, best_len) = (lo, hi + 1 - lo);
                }
            }
            if best_len < need(active) {
                continue;
            }
            let window = &silent[best..best + best_len];
            let since = window[0].0;
            let key = format!("{}:provider:{provider}:{since}", AlertKind::ProviderOutage);
            out.push(Output::Raise(Box::new(Alert {
                kind: AlertKind::ProviderOutage,
                vessel: None,
                mmsi: None,
                zone: None,
                fix_ms: None,
                received_ms: None,
                raised_at_ms: now_ms,
                delayed: false,
                dedupe_key: key.clone(),
                details: Details {
                    provider: Some(provider.to_owned()),
                    silent_since_ms: Some(since),
                    vessels_silent: u32::try_from(best_len).ok(),
                    vessels_active: Some(active),
                    ..Details::default()
                },
                closes: None,
            })));
            self.outages.insert(
                provider.to_owned(),
                Outage {
                    key,
                    raised_ms: now_ms,
                    affected: window.iter().map(|(t, k)| ((*k).to_owned(), *t)).collect(),
                },
            );
        }
    }
}

/// [`Rules::observe`] for one vessel's state.
fn observe_vessel(
    cfg: &RulesConfig,
    approach_m: &[f64],
    v: &mut Vessel,
    obs: &Observation<'_>,
    out: &mut Vec<Output>,
) {
    let in_order = v.last_fix_ms.is_none_or(|t| obs.fix_ms >= t);
    let delayed = !in_order || obs.received_ms.saturating_sub(obs.fix_ms) > cfg.late_after_ms;
    let at = obs.received_ms;
    v.last_seen_ms = v.last_seen_ms.max(obs.fix_ms);
    if obs.mmsi.is_some() {
        v.mmsi = obs.mmsi;
    }
    if obs.source == Source::Vms {
        v.vms = true;
        if let Some(p) = obs.provider
            && v.provider.as_deref() != Some(p)
        {
            v.provider = Some(p.to_owned());
        }
    }
    if let Some(device) = obs.mmsi.and_then(DistressDevice::from_mmsi) {
        let mut p = Pending::from_fix(AlertKind::Distress, obs, delayed);
        p.details.device = Some(device);
        p.details.position = Some(obs.position);
        v.raise_or_refresh(obs.vessel, p, out);
    }
    let impossible = match obs.plausibility {
        Plausibility::Impossible { implied_speed } => {
            let mut p = Pending::from_fix(AlertKind::ImplausibleTrack, obs, delayed);
            p.details.reason = Some(Reason::ImpossibleSpeed);
            p.details.implied_speed = Some(implied_speed);
            p.details.position = Some(obs.position);
            p.details.other_position = v.position;
            v.raise_or_refresh(obs.vessel, p, out);
            true
        }
        Plausibility::Plausible | Plausibility::Unchecked => false,
    };
    if in_order {
        if v.last_fix_ms.is_some_and(|t| obs.fix_ms > t) {
            v.close(AlertKind::Silent6h, None, ResolveReason::Reported, at, out);
            v.close(AlertKind::Silent10d, None, ResolveReason::Reported, at, out);
            v.held_by = None;
        }
        v.last_fix_ms = Some(obs.fix_ms);
        v.last_received_ms = obs.received_ms;
    }
    if !in_order || impossible {
        return;
    }

    // The latest plausible fix.
    v.position = Some(obs.position);
    v.at_sea = !obs.zones.iter().any(|z| z.class == ZoneClass::Port);
    let worst = obs
        .zones
        .iter()
        .filter(|z| z.class.is_alerting())
        .max_by_key(|z| z.class.danger_rank());
    match worst {
        None => v.zone = None,
        Some(z) if v.zone.as_ref().is_none_or(|cur| cur.id != z.id) => v.zone = Some(zone_info(z)),
        Some(_) => {}
    }
    for w in &mut v.watches {
        if obs.zones.iter().any(|z| z.id == w.zone.id) {
            if w.run == 0 {
                w.run_start_ms = obs.fix_ms;
            }
            w.run = w.run.saturating_add(1);
        } else {
            w.run = 0;
        }
    }
    for z in obs.zones.iter().filter(|z| z.class.is_alerting()) {
        if !v.watches.iter().any(|w| w.zone.id == z.id) {
            let w = v.watch_mut(z);
            w.run = 1;
            w.run_start_ms = obs.fix_ms;
        }
    }

    for e in obs.events.iter().filter(|e| e.zone.class.is_alerting()) {
        match e.kind {
            ZoneEventKind::Enter => v.watch_mut(&e.zone).tracker_inside = true,
            ZoneEventKind::Exit => {
                let w = v.watch_mut(&e.zone);
                w.tracker_inside = false;
                w.run = 0;
                w.last_exit_ms = Some(obs.fix_ms);
                let entered = entered_kind(e.zone.class);
                if let Some(i) = v.find_open(entered, Some(e.zone.id)) {
                    let open = v.open.swap_remove(i);
                    let mut p = Pending::from_fix(AlertKind::Exited, obs, delayed);
                    p.zone = Some(zone_info(&e.zone));
                    p.details.distance = e.distance;
                    p.details.position = Some(obs.position);
                    p.closes = Some(open.key.clone());
                    v.raise(obs.vessel, p, out);
                    out.push(resolve(open, ResolveReason::Exited, at));
                }
                let detention = AlertKind::PossibleDetention;
                v.close(detention, Some(e.zone.id), ResolveReason::Exited, at, out);
            }
            ZoneEventKind::Approach => {
                if e.toward == Some(false)
                    || v.watches
                        .iter()
                        .any(|w| w.zone.id == e.zone.id && w.tracker_inside)
                {
                    continue;
                }
                let level = match e.distance {
                    Some(d) => approach_m.iter().filter(|&&a| d.0 <= a).count(),
                    None => 1,
                }
                .min(approach_m.len());
                let Some(threshold) = level.checked_sub(1).and_then(|i| approach_m.get(i)) else {
                    continue;
                };
                let threshold_nm = threshold / METERS_PER_NAUTICAL_MILE;
                match v.find_open(AlertKind::Approach, Some(e.zone.id)) {
                    Some(i) => {
                        let open = &mut v.open[i];
                        open.last_ms = open.last_ms.max(obs.received_ms);
                        if level > open.level {
                            open.level = level;
                            out.push(Output::Escalate(Escalation {
                                dedupe_key: open.key.clone(),
                                escalation_key: format!("{}:{threshold_nm}nm", open.key),
                                threshold_nm,
                                distance: e.distance,
                                fix_ms: obs.fix_ms,
                                received_ms: obs.received_ms,
                                delayed,
                            }));
                        }
                    }
                    None => {
                        let mut p = Pending::from_fix(AlertKind::Approach, obs, delayed);
                        p.zone = Some(zone_info(&e.zone));
                        p.level = level;
                        p.details.distance = e.distance;
                        p.details.threshold_nm = Some(threshold_nm);
                        p.details.position = Some(obs.position);
                        v.raise(obs.vessel, p, out);
                    }
                }
            }
        }
    }

    // Entries confirmed by the tracker and by enough consecutive fixes, outside the
    // re-entry cooldown.
    let mut confirmed = Vec::new();
    for (i, w) in v.watches.iter().enumerate() {
        // A run must start after the last exit, and the cooldown must have passed.
        let cooling = w.last_exit_ms.is_some_and(|x| {
            w.run_start_ms <= x || obs.fix_ms.saturating_sub(x) < cfg.reentry_cooldown_ms
        });
        let kind = entered_kind(w.zone.class);
        if w.tracker_inside
            && w.run >= cfg.entry_confirm_fixes
            && !cooling
            && v.find_open(kind, Some(&w.zone.id)).is_none()
        {
            confirmed.push(i);
        }
    }
    for i in confirmed {
        let (zone, run_start) = (v.watches[i].zone.clone(), v.watches[i].run_start_ms);
        let approach = AlertKind::Approach;
        v.close(approach, Some(&zone.id), ResolveReason::Entered, at, out);
        let mut p = Pending::from_fix(entered_kind(zone.class), obs, delayed);
        p.key_ms = run_start;
        p.zone = Some(zone);
        p.details.position = Some(obs.position);
        v.raise(obs.vessel, p, out);
    }

    // Stopped in foreign or undelimited waters.
    let slow = obs.sog.is_none_or(|s| s.0 < cfg.stopped_below_knots);
    v.stop = match v.stop {
        Some((since, anchor))
            if slow && haversine_meters(anchor, obs.position) <= cfg.stopped_radius_meters =>
        {
            Some((since, anchor))
        }
        _ if slow => Some((obs.fix_ms, obs.position)),
        _ => None,
    };
    if let (Some((since, _)), Some(zone)) = (v.stop, &v.zone)
        && obs.fix_ms.saturating_sub(since) >= cfg.detention_stopped_ms
        && v.find_open(AlertKind::PossibleDetention, Some(&zone.id))
            .is_none()
    {
        let mut p = Pending::from_fix(AlertKind::PossibleDetention, obs, delayed);
        p.zone = Some(zone.clone());
        p.details.reason = Some(Reason::Stopped);
        p.details.stopped_since_ms = Some(since);
        p.details.position = Some(obs.position);
        v.raise(obs.vessel, p, out);
    }

    // Keep watching only zones that still matter.
    let fix = obs.fix_ms;
    let open = &v.open;
    v.watches.retain(|w| {
        w.tracker_inside
            || w.run > 0
            || w.last_exit_ms
                .is_some_and(|x| fix.saturating_sub(x) < cfg.reentry_cooldown_ms)
            || open
                .iter()
                .any(|o| o.zone.as_deref() == Some(w.zone.id.as_str()))
    });
}
