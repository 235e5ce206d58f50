//! Serde codecs of floats that read back exactly: serde_json writes a finite float as the
//! shortest text that parses back to it (ryu), and this reads that text with Rust's correctly
//! rounded parser (serde_json's own is faster and may miss by an ulp); NaN and the
//! infinities, which JSON lacks, as the strings `"NaN"`, `"inf"`, `"-inf"`.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};
use serde_json::value::RawValue;

/// Writes `x`.
pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    if x.is_finite() {
        s.serialize_f64(*x)
    } else if x.is_nan() {
        s.serialize_str("NaN")
    } else if *x > 0.0 {
        s.serialize_str("inf")
    } else {
        s.serialize_str("-inf")
    }
}

/// Reads a float.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let raw = <Box<RawValue>>::deserialize(d)?;
    parse(raw.get()).map_err(D::Error::custom)
}

fn parse(t: &str) -> Result<f64, String> {
    match t {
        "\"NaN\"" => Ok(f64::NAN),
        "\"inf\"" => Ok(f64::INFINITY),
        "\"-inf\"" => Ok(f64::NEG_INFINITY),
        _ => t
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && !t.starts_with('"'))
            .ok_or_else(|| {
                let shown: String = t.chars().take(40).collect();
                format!("expected a number, got {shown}")
            }),
    }
}

/// The codec of a list of floats.
pub mod vec {
    use super::*;

    /// Writes `xs`.
    pub fn serialize<S: Serializer>(xs: &[f64], s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(xs.len()))?;
        for x in xs {
            seq.serialize_element(&Exact(*x))?;
        }
        seq.end()
    }

    /// Reads a list of floats.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        <Vec<Box<RawValue>>>::deserialize(d)?
            .iter()
            .map(|raw| parse(raw.get()).map_err(D::Error::custom))
            .collect()
    }

    struct Exact(f64);

    impl serde::Serialize for Exact {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            super::serialize(&self.0, s)
        }
    }
}
