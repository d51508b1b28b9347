//! GNSS fixes (RMC, GGA, GLL, VTG) for VMS, parsed by `nmea-parser` behind a guard: the
//! sentence reaching it is printable ASCII with a verified checksum, and a panic inside it is
//! contained and reported as a rejection.

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{Datelike as _, Timelike as _};
use nmea_parser::{NmeaParser, ParsedMessage};

use crate::error::Reason;
use crate::time::UtcMillis;

/// The GNSS sentences Haidang takes fixes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GnssKind {
    /// Recommended minimum data: position, speed, course, date and time.
    Rmc,
    /// Fix data: position, time of day, quality.
    Gga,
    /// Geographic position: position, time of day.
    Gll,
    /// Track made good and ground speed: course and speed only.
    Vtg,
}

impl GnssKind {
    /// The sentence formatter, as in `$GPRMC`.
    pub fn as_str(self) -> &'static str {
        match self {
            GnssKind::Rmc => "RMC",
            GnssKind::Gga => "GGA",
            GnssKind::Gll => "GLL",
            GnssKind::Vtg => "VTG",
        }
    }
}

/// A GNSS fix. Only valid fixes are produced: a void RMC, a GGA of quality 0, an invalid GLL
/// or a VTG with neither speed nor course is rejected as `no_fix`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct GnssFix {
    /// Which sentence it came from.
    pub kind: GnssKind,
    /// Latitude in degrees, north positive (none for VTG).
    pub lat: Option<f64>,
    /// Longitude in degrees, east positive (none for VTG).
    pub lon: Option<f64>,
    /// Speed over ground in knots.
    pub sog_knots: Option<f64>,
    /// Course over ground, degrees true.
    pub cog_degrees: Option<f64>,
    /// The fix time, when the date is known: from RMC itself, or for GGA and GLL from the
    /// tag block's `c:` or the last RMC date seen from the same source.
    pub time: Option<UtcMillis>,
    /// The time of day of the fix in milliseconds, as sent (RMC, GGA, GLL).
    pub time_of_day_ms: Option<u32>,
}

/// Parses GNSS sentences and remembers the last RMC date per source.
pub(crate) struct GnssParser {
    parser: NmeaParser,
    last_day: Vec<(u32, UtcMillis)>,
}

impl std::fmt::Debug for GnssParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GnssParser")
            .field("last_day", &self.last_day)
            .finish_non_exhaustive()
    }
}

/// Sources whose last date is remembered; beyond this the oldest is forgotten.
const MAX_SOURCES: usize = 1024;

impl GnssParser {
    pub(crate) fn new() -> Self {
        Self {
            parser: NmeaParser::new(),
            last_day: Vec::new(),
        }
    }

    /// Parses one checked sentence (from `$` through the checksum).
    pub(crate) fn parse(
        &mut self,
        kind: GnssKind,
        sentence: &str,
        source: u32,
        tag_time: Option<UtcMillis>,
    ) -> Result<GnssFix, Reason> {
        let parsed = catch_unwind(AssertUnwindSafe(|| self.parser.parse_sentence(sentence)));
        let parsed = match parsed {
            Ok(Ok(parsed)) => parsed,
            Ok(Err(_)) => return Err(Reason::BadField),
            Err(_) => {
                // The parser's state is unknown after a panic; start afresh.
                self.parser = NmeaParser::new();
                return Err(Reason::BadField);
            }
        };
        let time_of_day = |t: chrono::DateTime<chrono::Utc>| {
            t.num_seconds_from_midnight() * 1000 + t.nanosecond() / 1_000_000
        };
        let day = tag_time.or_else(|| self.day_of(source));
        let fix = match parsed {
            ParsedMessage::Rmc(rmc) => {
                if rmc.status_active == Some(false)
                    || rmc.latitude.is_none()
                    || rmc.longitude.is_none()
                {
                    return Err(Reason::NoFix);
                }
                // nmea-parser puts every two-digit year in 20yy: read 80-99 as 1980-1999.
                let time = rmc.timestamp.map(|t| {
                    let ms = t.timestamp_millis();
                    UtcMillis(if t.year() >= 2080 {
                        ms - century_ms(t.year() - 100)
                    } else {
                        ms
                    })
                });
                if let Some(t) = time {
                    self.remember_day(source, t);
                }
                GnssFix {
                    kind,
                    lat: rmc.latitude,
                    lon: rmc.longitude,
                    sog_knots: rmc.sog_knots,
                    cog_degrees: rmc.bearing,
                    time,
                    time_of_day_ms: rmc.timestamp.map(time_of_day),
                }
            }
            ParsedMessage::Gga(gga) => {
                if matches!(gga.quality, nmea_parser::gnss::GgaQualityIndicator::Invalid)
                    || gga.latitude.is_none()
                    || gga.longitude.is_none()
                {
                    return Err(Reason::NoFix);
                }
                let tod = gga.timestamp.map(time_of_day);
                GnssFix {
                    kind,
                    lat: gga.latitude,
                    lon: gga.longitude,
                    sog_knots: None,
                    cog_degrees: None,
                    time: day.zip(tod).map(|(d, t)| UtcMillis::on_day_of(d, t)),
                    time_of_day_ms: tod,
                }
            }
            ParsedMessage::Gll(gll) => {
                if gll.data_valid == Some(false)
                    || gll.latitude.is_none()
                    || gll.longitude.is_none()
                {
                    return Err(Reason::NoFix);
                }
                let tod = gll.timestamp.map(time_of_day);
                GnssFix {
                    kind,
                    lat: gll.latitude,
                    lon: gll.longitude,
                    sog_knots: None,
                    cog_degrees: None,
                    time: day.zip(tod).map(|(d, t)| UtcMillis::on_day_of(d, t)),
                    time_of_day_ms: tod,
                }
            }
            ParsedMessage::Vtg(vtg) => {
                if vtg.sog_knots.is_none() && vtg.cog_true.is_none() {
                    return Err(Reason::NoFix);
                }
                GnssFix {
                    kind,
                    lat: None,
                    lon: None,
                    sog_knots: vtg.sog_knots,
                    cog_degrees: vtg.cog_true,
                    time: None,
                    time_of_day_ms: None,
                }
            }
            _ => return Err(Reason::NotAis),
        };
        let in_range =
            |v: Option<f64>, limit: f64| v.is_none_or(|x| x.is_finite() && x.abs() <= limit);
        if !in_range(fix.lat, 90.0) || !in_range(fix.lon, 180.0) {
            return Err(Reason::BadField);
        }
        Ok(fix)
    }

    fn day_of(&self, source: u32) -> Option<UtcMillis> {
        self.last_day
            .iter()
            .find(|(s, _)| *s == source)
            .map(|&(_, d)| d)
    }

    fn remember_day(&mut self, source: u32, time: UtcMillis) {
        if let Some(slot) = self.last_day.iter_mut().find(|(s, _)| *s == source) {
            slot.1 = time;
            return;
        }
        if self.last_day.len() >= MAX_SOURCES {
            self.last_day.remove(0);
        }
        self.last_day.push((source, time));
    }
}

/// Milliseconds in the hundred years before `year` + 100, i.e. between `year` and
/// `year + 100`: 36,524 days, plus one when that span holds a 400-year leap day.
fn century_ms(year: i32) -> i64 {
    let leap = |y: i32| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days: i64 = (year..year + 100)
        .map(|y| if leap(y) { 366 } else { 365 })
        .sum();
    days * 86_400_000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(sentence: &str, expect: Result<&str, Reason>) {
        let mut parser = GnssParser::new();
        let kind = match &sentence[3..6] {
            "RMC" => GnssKind::Rmc,
            "GGA" => GnssKind::Gga,
            "GLL" => GnssKind::Gll,
            _ => GnssKind::Vtg,
        };
        let got = parser
            .parse(kind, sentence, 0, Some(UtcMillis(1_700_000_000_000)))
            .map(|f| {
                format!(
                    "{:?} {:?} {:?} {:?} {:?} {}",
                    f.kind,
                    f.lat.map(|v| (v * 1e5).round() / 1e5),
                    f.lon.map(|v| (v * 1e5).round() / 1e5),
                    f.sog_knots,
                    f.cog_degrees,
                    f.time.map(|t| t.to_string()).unwrap_or_default()
                )
            });
        assert_eq!(got.as_deref().map_err(|r| *r), expect, "{sentence}");
    }

    #[test]
    fn fixes() {
        check(
            "$GPRMC,225446,A,4916.45,N,12311.12,W,000.5,054.7,191120,020.3,E*67",
            Ok("Rmc Some(49.27417) Some(-123.18533) Some(0.5) Some(54.7) 2020-11-19T22:54:46Z"),
        );
        check(
            "$GPRMC,081836,A,3751.65,S,14507.36,E,000.0,360.0,130998,011.3,E*62",
            Ok("Rmc Some(-37.86083) Some(145.12267) Some(0.0) Some(360.0) 1998-09-13T08:18:36Z"),
        );
        check(
            "$GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,*76",
            Ok("Gga Some(53.36134) Some(-6.50562) None None 2023-11-14T09:27:50Z"),
        );
        check(
            "$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*48",
            Ok("Vtg None None Some(5.5) Some(54.7) "),
        );
    }

    #[test]
    fn no_fix() {
        check("$GPGGA,,,,,,0,,,,,,,,*66", Err(Reason::NoFix));
        check("$GPRMC,225446,V,,,,,,,191120,,*38", Err(Reason::NoFix));
    }
}
