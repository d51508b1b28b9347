//! Positions on the WGS 84 ellipsoid.

use std::fmt;

/// A valid WGS 84 position. Order is longitude, latitude, as in GeoJSON.
///
/// AIS "not available" values (longitude 181, latitude 91) are not positions and cannot be
/// made into one: decoders map them to `None` before they reach this type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatLon {
    lon: f64,
    lat: f64,
}

/// The error for a longitude outside -180..=180 or a latitude outside -90..=90.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InvalidLatLon {
    /// The longitude given, in degrees.
    pub lon: f64,
    /// The latitude given, in degrees.
    pub lat: f64,
}

impl fmt::Display for InvalidLatLon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "position out of range: lon {} lat {}",
            self.lon, self.lat
        )
    }
}

impl std::error::Error for InvalidLatLon {}

impl LatLon {
    /// A position from longitude and latitude in degrees, if both are in range and finite.
    pub fn new(lon: f64, lat: f64) -> Result<Self, InvalidLatLon> {
        if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) {
            Ok(Self { lon, lat })
        } else {
            Err(InvalidLatLon { lon, lat })
        }
    }

    /// Longitude in degrees, east positive.
    pub fn lon(self) -> f64 {
        self.lon
    }

    /// Latitude in degrees, north positive.
    pub fn lat(self) -> f64 {
        self.lat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_is_checked() {
        assert!(LatLon::new(109.2, 12.2).is_ok());
        assert!(LatLon::new(181.0, 12.2).is_err());
        assert!(LatLon::new(109.2, 91.0).is_err());
        assert!(LatLon::new(f64::NAN, 0.0).is_err());
    }
}
