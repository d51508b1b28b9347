//! Spherical geometry on unit vectors: great-circle distance from a point to an arc.

/// The mean earth radius used for every distance, in metres (the IUGG mean radius, the
/// same value `geo::Haversine` uses).
pub const EARTH_RADIUS_METERS: f64 = 6_371_008.8;

/// A point on the unit sphere.
pub(crate) type Vec3 = [f64; 3];

/// The unit vector of a longitude, latitude in degrees.
pub(crate) fn unit(lon: f64, lat: f64) -> Vec3 {
    let (sl, cl) = lon.to_radians().sin_cos();
    let (sp, cp) = lat.to_radians().sin_cos();
    [cp * cl, cp * sl, sp]
}

fn dot(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn norm(a: Vec3) -> f64 {
    dot(a, a).sqrt()
}

/// The angle between two unit vectors, in radians; accurate at every size.
pub(crate) fn angle(a: Vec3, b: Vec3) -> f64 {
    norm(cross(a, b)).atan2(dot(a, b))
}

/// The smallest angle, in radians, between `p` and a point of the shorter great-circle
/// arc from `a` to `b`.
pub(crate) fn angle_to_arc(p: Vec3, a: Vec3, b: Vec3) -> f64 {
    let n = cross(a, b);
    let len = norm(n);
    if len < 1e-15 {
        return angle(p, a).min(angle(p, b));
    }
    let n = [n[0] / len, n[1] / len, n[2] / len];
    let h = dot(p, n);
    // `q` is `p` projected onto the plane of the great circle.
    let q = [p[0] - h * n[0], p[1] - h * n[1], p[2] - h * n[2]];
    if dot(cross(a, q), n) >= 0.0 && dot(cross(q, b), n) >= 0.0 {
        h.abs().atan2(norm(q))
    } else {
        angle(p, a).min(angle(p, b))
    }
}

/// The squared chord length between two points `angle` radians apart on the unit sphere.
pub(crate) fn chord2(angle: f64) -> f64 {
    let c = 2.0 * (angle / 2.0).sin();
    c * c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(p: (f64, f64), a: (f64, f64), b: (f64, f64), expect_m: f64, tolerance_m: f64) {
        let d = angle_to_arc(unit(p.0, p.1), unit(a.0, a.1), unit(b.0, b.1)) * EARTH_RADIUS_METERS;
        assert!(
            (d - expect_m).abs() <= tolerance_m,
            "{p:?} to {a:?}-{b:?}: {d} m, expected {expect_m} m"
        );
    }

    #[test]
    fn distances_to_arcs() {
        // One minute of arc of a meridian is 1853.25 m on this sphere.
        let minute = EARTH_RADIUS_METERS * (1.0f64 / 60.0).to_radians();
        check((0.0, 1.0 / 60.0), (-1.0, 0.0), (1.0, 0.0), minute, 1e-6);
        // Beyond the end of the arc the nearest point is the end.
        check((2.0, 0.0), (-1.0, 0.0), (1.0, 0.0), 60.0 * minute, 1e-6);
        // A degenerate arc is a point.
        check((0.0, 1.0), (0.0, 0.0), (0.0, 0.0), 60.0 * minute, 1e-6);
        // On the arc.
        check((0.5, 0.0), (0.0, 0.0), (1.0, 0.0), 0.0, 1e-6);
    }
}
