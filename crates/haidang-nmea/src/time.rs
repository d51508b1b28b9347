//! UTC instants as UNIX milliseconds, printed as RFC 3339 without a date library.

use std::fmt;

/// A UTC instant, in milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcMillis(pub i64);

const MS_PER_DAY: i64 = 86_400_000;

impl UtcMillis {
    /// The instant at `time_of_day_ms` on the UTC day that contains `day_of`.
    pub fn on_day_of(day_of: UtcMillis, time_of_day_ms: u32) -> Self {
        Self(day_of.0.div_euclid(MS_PER_DAY) * MS_PER_DAY + i64::from(time_of_day_ms))
    }

    /// Year, month, day, hour, minute, second, millisecond.
    pub fn to_civil(self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let days = self.0.div_euclid(MS_PER_DAY);
        let ms_of_day = self.0.rem_euclid(MS_PER_DAY);
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        let secs = ms_of_day / 1000;
        (
            year,
            month,
            day,
            (secs / 3600) as u32,
            (secs / 60 % 60) as u32,
            (secs % 60) as u32,
            (ms_of_day % 1000) as u32,
        )
    }
}

impl fmt::Display for UtcMillis {
    /// RFC 3339 in UTC: `2024-05-01T12:30:05Z`, or with `.123` when there are milliseconds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s, ms) = self.to_civil();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")?;
        if ms != 0 {
            write!(f, ".{ms:03}")?;
        }
        f.write_str("Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (1_700_000_074_000, "2023-11-14T22:14:34Z"),
            (951_782_400_000, "2000-02-29T00:00:00Z"),
            (1_418_172_113_250, "2014-12-10T00:41:53.250Z"),
            (-1000, "1969-12-31T23:59:59Z"),
        ];
        for (ms, expect) in cases {
            assert_eq!(UtcMillis(ms).to_string(), expect);
        }
    }

    #[test]
    fn same_day() {
        let t = UtcMillis::on_day_of(UtcMillis(1_700_000_074_000), 3_600_000);
        assert_eq!(t.to_string(), "2023-11-14T01:00:00Z");
    }
}
