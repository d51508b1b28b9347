//! The thresholds of every rule, loadable from TOML, with the values Haidang ships with.

use std::fmt;

use serde::Deserialize;

/// Every threshold of [`Rules`](crate::Rules). Times are milliseconds; distances are named
/// with their unit.
///
/// Deserialises from a table (TOML, JSON…) in which every key is optional: a missing key
/// takes its value from [`RulesConfig::recommended`]; an unknown key is an error.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default = "RulesConfig::recommended", deny_unknown_fields)]
pub struct RulesConfig {
    /// Distances to a foreign or undelimited boundary at which `approach` is raised, in
    /// nautical miles, in any order. A closer one escalates the open alert.
    pub approach_nautical_miles: Vec<f64>,
    /// An `approach` with no further approach event for this long is closed (the vessel
    /// stayed out or turned back).
    pub approach_expire_ms: i64,
    /// Consecutive plausible fixes inside a zone before `entered_*` is raised (the tracker's
    /// own hysteresis must also have reported the entry).
    pub entry_confirm_fixes: u32,
    /// A re-entry within this long after an exit raises nothing until the vessel has been
    /// back inside for the rest of it (flapping at the line).
    pub reentry_cooldown_ms: i64,
    /// An alert raised from a fix received more than this long after its fix time says
    /// `delayed`.
    pub late_after_ms: i64,
    /// No fix for this long while last seen at sea: `silent_6h`.
    pub silent_short_ms: i64,
    /// No fix for this long while last seen at sea: `silent_10d`.
    pub silent_long_ms: i64,
    /// Whether vessels only ever heard on AIS are watched for silence too. Off by default:
    /// AIS leaves coverage and is switched off at will; the legal duty is the VMS's.
    pub ais_silence: bool,
    /// A VMS vessel with no fix for this long counts as fallen silent for outage detection
    /// (above the 2-hour VMS reporting interval, so that normal reporting never looks like
    /// an outage).
    pub outage_silent_after_ms: i64,
    /// The fallen-silent vessels of one provider count together when their last fixes lie
    /// within a window this long.
    pub outage_window_ms: i64,
    /// An outage needs at least this fraction of the provider's active vessels in the
    /// window…
    pub outage_min_fraction: f64,
    /// …and at least this many of them.
    pub outage_min_vessels: u32,
    /// A provider's vessel is active when its last fix is no older than this.
    pub outage_active_within_ms: i64,
    /// Per-vessel silences are held back for at most this long after an outage was raised;
    /// after that they are raised even while the outage lasts (crews must report by other
    /// means whatever the cause).
    pub outage_max_hold_ms: i64,
    /// In foreign or undelimited waters and stopped for this long: `possible_detention`.
    pub detention_stopped_ms: i64,
    /// In foreign or undelimited waters and then silent for this long: `possible_detention`
    /// (above the 2-hour VMS reporting interval).
    pub detention_silent_ms: i64,
    /// Slower than this counts as stopped (a fix without speed counts as slow).
    pub stopped_below_knots: f64,
    /// A stopped vessel that moves farther than this from where it stopped is moving again.
    pub stopped_radius_meters: f64,
    /// A `distress` with no further distress signal from the vessel for this long is no
    /// longer held open by the engine: a new signal raises a new alert.
    pub distress_quiet_ms: i64,
    /// The same for `implausible_track`.
    pub implausible_quiet_ms: i64,
    /// At most this many vessels are remembered; the one heard from longest ago goes first.
    pub max_vessels: usize,
    /// A vessel not heard from for this long is forgotten (after `silent_long_ms`, with a
    /// margin; raised to `silent_long_ms` plus one hour if set lower).
    pub forget_after_ms: i64,
}

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

impl RulesConfig {
    /// The settings Haidang ships with: approach at 10, 5 and 2 nm (closed after 6 h without
    /// a new approach), entry after 2 fixes, 30-minute re-entry cooldown, delayed beyond
    /// 5 minutes, silences at 6 h and 10 days (VMS vessels only), an outage when at least
    /// 20 % and 10 of a provider's vessels active within 24 h have been silent for 3 h with
    /// last fixes within 30 minutes (holding silences for at most 24 h), detention after 2 h
    /// stopped (below 0.5 kn, within 300 m) or 3 h silent, distress and implausible tracks
    /// re-armed after 1 h and 6 h without a new signal, 500,000 vessels, forgotten after
    /// 12 days.
    pub fn recommended() -> RulesConfig {
        RulesConfig {
            approach_nautical_miles: vec![10.0, 5.0, 2.0],
            approach_expire_ms: 6 * HOUR_MS,
            entry_confirm_fixes: 2,
            reentry_cooldown_ms: 30 * MINUTE_MS,
            late_after_ms: 5 * MINUTE_MS,
            silent_short_ms: 6 * HOUR_MS,
            silent_long_ms: 10 * DAY_MS,
            ais_silence: false,
            outage_silent_after_ms: 3 * HOUR_MS,
            outage_window_ms: 30 * MINUTE_MS,
            outage_min_fraction: 0.2,
            outage_min_vessels: 10,
            outage_active_within_ms: DAY_MS,
            outage_max_hold_ms: DAY_MS,
            detention_stopped_ms: 2 * HOUR_MS,
            detention_silent_ms: 3 * HOUR_MS,
            stopped_below_knots: 0.5,
            stopped_radius_meters: 300.0,
            distress_quiet_ms: HOUR_MS,
            implausible_quiet_ms: 6 * HOUR_MS,
            max_vessels: 500_000,
            forget_after_ms: 12 * DAY_MS,
        }
    }

    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let durations = [
            ("approach_expire_ms", self.approach_expire_ms),
            ("reentry_cooldown_ms", self.reentry_cooldown_ms),
            ("late_after_ms", self.late_after_ms),
            ("silent_short_ms", self.silent_short_ms),
            ("silent_long_ms", self.silent_long_ms),
            ("outage_silent_after_ms", self.outage_silent_after_ms),
            ("outage_window_ms", self.outage_window_ms),
            ("outage_active_within_ms", self.outage_active_within_ms),
            ("outage_max_hold_ms", self.outage_max_hold_ms),
            ("detention_stopped_ms", self.detention_stopped_ms),
            ("detention_silent_ms", self.detention_silent_ms),
            ("distress_quiet_ms", self.distress_quiet_ms),
            ("implausible_quiet_ms", self.implausible_quiet_ms),
            ("forget_after_ms", self.forget_after_ms),
        ];
        for (field, ms) in durations {
            if ms < 0 {
                return Err(ConfigError::new(field, "must not be negative"));
            }
        }
        if self
            .approach_nautical_miles
            .iter()
            .any(|nm| !nm.is_finite() || *nm <= 0.0)
        {
            return Err(ConfigError::new(
                "approach_nautical_miles",
                "every distance must be finite and positive",
            ));
        }
        if self.approach_nautical_miles.len() > 16 {
            return Err(ConfigError::new(
                "approach_nautical_miles",
                "at most 16 distances",
            ));
        }
        if self.entry_confirm_fixes == 0 {
            return Err(ConfigError::new(
                "entry_confirm_fixes",
                "must be at least 1",
            ));
        }
        if self.silent_long_ms < self.silent_short_ms {
            return Err(ConfigError::new(
                "silent_long_ms",
                "must not be shorter than silent_short_ms",
            ));
        }
        if !(0.0..=1.0).contains(&self.outage_min_fraction) {
            return Err(ConfigError::new(
                "outage_min_fraction",
                "must be between 0 and 1",
            ));
        }
        if self.outage_min_vessels == 0 {
            return Err(ConfigError::new("outage_min_vessels", "must be at least 1"));
        }
        if !self.stopped_below_knots.is_finite() || self.stopped_below_knots < 0.0 {
            return Err(ConfigError::new(
                "stopped_below_knots",
                "must be finite and not negative",
            ));
        }
        if !self.stopped_radius_meters.is_finite() || self.stopped_radius_meters < 0.0 {
            return Err(ConfigError::new(
                "stopped_radius_meters",
                "must be finite and not negative",
            ));
        }
        if self.max_vessels == 0 {
            return Err(ConfigError::new("max_vessels", "must be at least 1"));
        }
        Ok(())
    }
}

/// A [`RulesConfig`] field with a value the rules cannot work with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The field, as the config file spells it.
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl ConfigError {
    fn new(field: &'static str, reason: &'static str) -> Self {
        Self { field, reason }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rules config: {} {}", self.field, self.reason)
    }
}

impl std::error::Error for ConfigError {}
