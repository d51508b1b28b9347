//! Haidang's monitoring rules: per-vessel state that turns fixes, zone events and distress
//! signals into alerts. Pure: no I/O, no async, no clock; every time is Unix milliseconds
//! passed in. Every threshold is a field of [`RulesConfig`].
//!
//! ```
//! use haidang_rules::{Observation, Output, Plausibility, Rules, RulesConfig, Source};
//! use haidang_types::{LatLon, Mmsi};
//!
//! let mut rules = Rules::new(RulesConfig::recommended()).unwrap();
//! let mut out = Vec::new();
//! rules.observe(
//!     &Observation {
//!         vessel: "mmsi:970010001",
//!         mmsi: Mmsi::new(970_010_001),
//!         source: Source::Ais,
//!         provider: None,
//!         fix_ms: 1_700_000_000_000,
//!         received_ms: 1_700_000_001_000,
//!         position: LatLon::new(109.2, 12.2).unwrap(),
//!         sog: None,
//!         plausibility: Plausibility::Plausible,
//!         zones: &[],
//!         events: &[],
//!     },
//!     &mut out,
//! );
//! rules.tick(1_700_000_060_000, &mut out);
//! let Output::Raise(alert) = &out[0] else { panic!() };
//! assert_eq!(alert.dedupe_key, "distress:mmsi:970010001:1700000000000");
//! ```
//!
//! The rules, kind by kind:
//!
//! - `approach`: a tracker approach event for a foreign or undelimited zone the vessel is
//!   not inside, unless the pipeline says it is heading away. One alert per vessel and
//!   zone; passing a closer threshold [`Output::Escalate`]s it. Closed when the vessel
//!   enters, or after `approach_expire_ms` without a new approach event.
//! - `entered_foreign`, `entered_undelimited`: the tracker reported the entry (after its
//!   own hysteresis) and the last `entry_confirm_fixes` plausible fixes were inside. Not
//!   within `reentry_cooldown_ms` of an exit (flapping). The dedupe key carries the fix time
//!   of the first fix of that run inside.
//! - `exited`: the tracker reported the exit from a zone with an open entry alert; the
//!   entry alert is resolved. A notice: never held open.
//! - `silent_6h`, `silent_10d`: at a tick, no fix (by fix time) for `silent_short_ms` or
//!   `silent_long_ms` while last seen outside a port, for vessels heard by VMS (and AIS-only
//!   ones with `ais_silence`). A VMS loss carries the 6-hourly manual reporting duty.
//!   Resolved by the next fix.
//! - `provider_outage`: at a tick, at least `outage_min_fraction` and `outage_min_vessels`
//!   of a provider's active vessels have been silent for `outage_silent_after_ms` with last
//!   fixes within `outage_window_ms` of each other. One alert per provider; the provider's
//!   per-vessel silences are held back while it lasts (at most `outage_max_hold_ms`) and
//!   raised afterwards for the vessels still silent, naming the outage. It ends when fewer
//!   of the vessels that fell silent than that threshold are still silent.
//! - `distress`: any position from an AIS-SART, MOB or EPIRB MMSI; an AIS safety text
//!   announcing one active; a VMS SOS. One open per vessel; let go after
//!   `distress_quiet_ms` without a signal.
//! - `possible_detention`: in foreign or undelimited waters and stopped (slower than
//!   `stopped_below_knots`, within `stopped_radius_meters`) for `detention_stopped_ms`,
//!   or silent there for `detention_silent_ms`. Resolved when the vessel exits the zone.
//! - `implausible_track`: a fix the gate found impossible, or an identity conflict. Never
//!   routed to missions. One open per vessel; let go after `implausible_quiet_ms`.
//!
//! Late data: an alert raised from a fix received more than `late_after_ms` after its fix
//! time, or from a fix older than the vessel's newest, says `delayed`. A fix older than the
//! vessel's newest changes no state, so a late fix from before an exit opens no entry.
//!
//! **Invariant:** the engine holds at most one open alert per (vessel, kind, zone);
//! [`Output::Resolve`] lets one go. `exited` is never held open.
//!
//! **Invariant:** dedupe keys depend only on the input (vessel, zone, fix times), never on
//! when ticks run or on memory addresses, so a replay yields the same keys.
//!
//! **Invariant:** memory is bounded: at most `max_vessels` vessels (the eighth heard from
//! longest ago evicted at once when full), each forgotten after `forget_after_ms` without
//! a fix; per vessel, only the zones it is in, just left, or holds an alert for.

mod config;
mod engine;
mod input;
mod output;

#[cfg(test)]
mod tests;

pub use config::{ConfigError, RulesConfig};
pub use engine::Rules;
pub use input::{
    DistressDevice, DistressSignal, IdentityConflict, Observation, Plausibility, SignalKind,
    Source, ZoneEvent, ZoneEventKind, ZoneRef,
};
pub use output::{Alert, Details, Escalation, Output, Reason, Resolve, ResolveReason, ZoneInfo};
