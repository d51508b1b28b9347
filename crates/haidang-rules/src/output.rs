//! What the rules hand back: alerts raised, approach alerts escalated, alerts closed.

use haidang_types::{AlertKind, Knots, LatLon, Meters, Mmsi, ZoneClass};

use crate::DistressDevice;

/// One thing the rules decided. The pipeline stores them in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// A new alert (boxed: alerts are rare and much larger than the other outputs).
    Raise(Box<Alert>),
    /// An open `approach` alert came within a closer threshold.
    Escalate(Escalation),
    /// The engine no longer holds an alert open.
    Resolve(Resolve),
}

/// The zone an alert is about, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneInfo {
    /// The zone's id in the zone set.
    pub id: String,
    /// Its class.
    pub class: ZoneClass,
    /// The ISO 3166 alpha-3 code of the state whose waters it is, when it has one.
    pub country: Option<String>,
}

/// An alert, as it leaves the engine.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// What kind.
    pub kind: AlertKind,
    /// The vessel's key (`mmsi:…` or `reg:…`); `None` for `provider_outage`.
    pub vessel: Option<String>,
    /// The vessel's MMSI, when it has one.
    pub mmsi: Option<Mmsi>,
    /// The zone, for `approach`, `entered_*`, `exited` and `possible_detention`.
    pub zone: Option<ZoneInfo>,
    /// The fix time of the fix the alert was raised from (for silences: the last fix),
    /// Unix milliseconds.
    pub fix_ms: Option<i64>,
    /// When that fix was received, Unix milliseconds.
    pub received_ms: Option<i64>,
    /// When the engine raised it: the observation's receive time, or the `now` of
    /// [`Rules::tick`](crate::Rules::tick). Unix milliseconds.
    pub raised_at_ms: i64,
    /// Raised from late data: received long after its fix time, or older than the
    /// vessel's latest fix.
    pub delayed: bool,
    /// Deterministic for the same input (`kind:vessel[:zone]:fix-ms`), so that a replay
    /// after a restart yields the same key; the store's `alerts.dedupe_key` is unique, and
    /// the alert's stable id is derived from it.
    pub dedupe_key: String,
    /// What else the alert says.
    pub details: Details,
    /// The dedupe key of the alert this one closes: an `exited` closes its `entered_*`
    /// (the store's `closes`). The engine also emits the matching [`Resolve`] right after;
    /// a pipeline that stores `closes` may skip that one.
    pub closes: Option<String>,
}

impl Alert {
    /// Whether the alert may be routed to diplomatic missions (the router still decides
    /// which). `implausible_track` and `provider_outage` are for operators only.
    pub fn route_to_missions(&self) -> bool {
        !matches!(
            self.kind,
            AlertKind::ImplausibleTrack | AlertKind::ProviderOutage
        )
    }
}

/// Why a `possible_detention` or `implausible_track` was raised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Stopped in foreign or undelimited waters.
    Stopped,
    /// Silent in foreign or undelimited waters.
    Silent,
    /// A fix implying an impossible speed.
    ImpossibleSpeed,
    /// One identity at two places at once.
    IdentityConflict,
}

impl Reason {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Stopped => "stopped",
            Reason::Silent => "silent",
            Reason::ImpossibleSpeed => "impossible_speed",
            Reason::IdentityConflict => "identity_conflict",
        }
    }
}

/// The facts an alert carries beyond its kind, vessel, zone and times. Each kind fills the
/// fields that apply to it; [`Details::pairs`] lists the filled ones.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Details {
    /// Distance to the boundary (`approach`, `entered_*`, `exited`).
    pub distance: Option<Meters>,
    /// The approach threshold passed, in nautical miles.
    pub threshold_nm: Option<f64>,
    /// The vessel's VMS provider (silences, outages).
    pub provider: Option<String>,
    /// The fix time of the last fix before the silence, Unix milliseconds.
    pub silent_since_ms: Option<i64>,
    /// A VMS loss: the crew must now report the position by other means every this many
    /// milliseconds (6 hours, Decree 37/2024).
    pub manual_report_every_ms: Option<i64>,
    /// The outage (its dedupe key) that held this silence back.
    pub held_by: Option<String>,
    /// The last known position.
    pub position: Option<LatLon>,
    /// The distress device or channel.
    pub device: Option<DistressDevice>,
    /// The text of a safety message or SOS.
    pub text: Option<String>,
    /// Why a detention or an implausible track was raised.
    pub reason: Option<Reason>,
    /// Since when the vessel has been stopped, Unix milliseconds.
    pub stopped_since_ms: Option<i64>,
    /// The speed an impossible jump implies.
    pub implied_speed: Option<Knots>,
    /// The other position of an identity conflict.
    pub other_position: Option<LatLon>,
    /// An outage: the provider's vessels that fell silent together.
    pub vessels_silent: Option<u32>,
    /// An outage: the provider's active vessels.
    pub vessels_active: Option<u32>,
}

impl Details {
    /// The filled fields as (JSON name, value) pairs, in declaration order. Distances are
    /// metres, speeds knots, times Unix milliseconds, positions `lon,lat`.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let pos = |p: LatLon| format!("{},{}", p.lon(), p.lat());
        if let Some(d) = self.distance {
            out.push(("distance_m", format!("{:.0}", d.0)));
        }
        if let Some(nm) = self.threshold_nm {
            out.push(("threshold_nm", nm.to_string()));
        }
        if let Some(p) = &self.provider {
            out.push(("provider", p.clone()));
        }
        if let Some(t) = self.silent_since_ms {
            out.push(("silent_since_ms", t.to_string()));
        }
        if let Some(t) = self.manual_report_every_ms {
            out.push(("manual_report_every_ms", t.to_string()));
        }
        if let Some(k) = &self.held_by {
            out.push(("held_by", k.clone()));
        }
        if let Some(p) = self.position {
            out.push(("position", pos(p)));
        }
        if let Some(d) = self.device {
            out.push(("device", d.as_str().to_owned()));
        }
        if let Some(t) = &self.text {
            out.push(("text", t.clone()));
        }
        if let Some(r) = self.reason {
            out.push(("reason", r.as_str().to_owned()));
        }
        if let Some(t) = self.stopped_since_ms {
            out.push(("stopped_since_ms", t.to_string()));
        }
        if let Some(k) = self.implied_speed {
            out.push(("implied_speed_kn", format!("{:.0}", k.0)));
        }
        if let Some(p) = self.other_position {
            out.push(("other_position", pos(p)));
        }
        if let Some(n) = self.vessels_silent {
            out.push(("vessels_silent", n.to_string()));
        }
        if let Some(n) = self.vessels_active {
            out.push(("vessels_active", n.to_string()));
        }
        out
    }
}

/// An open `approach` alert whose vessel passed a closer threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct Escalation {
    /// The open alert's dedupe key.
    pub dedupe_key: String,
    /// Unique to this escalation (`<dedupe_key>:<threshold>nm`), for delivery.
    pub escalation_key: String,
    /// The threshold now passed, in nautical miles.
    pub threshold_nm: f64,
    /// The distance to the boundary.
    pub distance: Option<Meters>,
    /// The fix's time, Unix milliseconds.
    pub fix_ms: i64,
    /// When the fix was received, Unix milliseconds.
    pub received_ms: i64,
    /// Raised from late data.
    pub delayed: bool,
}

/// Why the engine stopped holding an alert open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResolveReason {
    /// The vessel left the zone (`entered_*`, `possible_detention`).
    Exited,
    /// The vessel entered the zone it was approaching (`approach`).
    Entered,
    /// No approach event for `approach_expire_ms` (`approach`).
    Expired,
    /// A fix after the silence (`silent_6h`, `silent_10d`).
    Reported,
    /// The provider's vessels report again (`provider_outage`).
    Recovered,
    /// No new signal for the quiet time (`distress`, `implausible_track`): a new signal
    /// will raise a new alert. Not a resolution: operators close these.
    Quiet,
    /// The vessel was forgotten (long silence or the vessel limit): the engine no longer
    /// watches the alert. Not a resolution: operators close these.
    Forgotten,
}

impl ResolveReason {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ResolveReason::Exited => "exited",
            ResolveReason::Entered => "entered",
            ResolveReason::Expired => "expired",
            ResolveReason::Reported => "reported",
            ResolveReason::Recovered => "recovered",
            ResolveReason::Quiet => "quiet",
            ResolveReason::Forgotten => "forgotten",
        }
    }

    /// Whether the store should mark the alert resolved; otherwise the alert stays as it
    /// is for an operator, and only the engine lets go of it.
    pub fn resolves(self) -> bool {
        !matches!(self, ResolveReason::Quiet | ResolveReason::Forgotten)
    }
}

/// The engine let go of an open alert.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolve {
    /// The alert's dedupe key.
    pub dedupe_key: String,
    /// Its kind.
    pub kind: AlertKind,
    /// Why.
    pub reason: ResolveReason,
    /// When: the receive time of the fix that closed it, or the `now` of the tick. Unix
    /// milliseconds.
    pub at_ms: i64,
}
