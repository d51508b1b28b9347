//! The error returned when a zone set cannot be loaded.

/// Why a zone set could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The input could not be read.
    #[error("cannot read the zone set")]
    Io(#[source] std::io::Error),
    /// The input is not JSON.
    #[error("zone set is not valid json")]
    Json(#[source] serde_json::Error),
    /// The top level is not a GeoJSON FeatureCollection.
    #[error("zone set is not a geojson FeatureCollection")]
    NotFeatureCollection,
    /// A feature is malformed; `index` counts features from 0.
    #[error("feature {index}: {reason}")]
    Feature {
        /// The position of the feature in the collection, from 0.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// Two features share an `id`.
    #[error("duplicate zone id {0:?}")]
    DuplicateId(String),
}
