//! Confluent Cloud Metrics API exports (DESIGN.md 3.5): a file, or a directory of files, each
//! the response of one `/v2/metrics/cloud/query` of one metric, named after the metric's last
//! part (`received_bytes.json` for `io.confluent.kafka.server/received_bytes`):
//! `{"data":[{"timestamp":"2024-01-01T00:00:00Z","value":1.5e6,"metric.principal_id":"sa-1"},
//! ...]}`, grouped by `metric.principal_id` or `metric.topic`. Values are amounts per interval
//! (bytes in the interval), divided by the interval: the least spacing of the export's
//! timestamps (its `granularity`). Other keys of a point are its labels; `meta` is skipped.

use std::path::Path;

use chrono::DateTime;
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::metrics::{json_error, offset, stem, unix_ms, value, Gather};
use crate::error::{shown, InputError};
use crate::limits::MAX_EXPORT_FILE_BYTES;

#[derive(Deserialize)]
struct Response<'a> {
    #[serde(borrow)]
    data: Option<Vec<&'a RawValue>>,
    #[serde(borrow)]
    errors: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Problem {
    detail: Option<String>,
}

/// Reads one file of a Confluent export into `gather`.
pub(super) fn read(path: &Path, gather: &mut Gather) -> Result<(), InputError> {
    let text = super::read_whole(path, MAX_EXPORT_FILE_BYTES)?;
    let text = text.as_str();
    let at = |sub: &str, m: String| InputError::at_offset(path, text, offset(text, sub), m);
    let response: Response = serde_json::from_str(text).map_err(|e| {
        json_error(
            path,
            text,
            text,
            &e,
            "expected a Confluent Cloud Metrics API response (JSON)",
        )
    })?;
    if let Some(errors) = response.errors {
        let detail = serde_json::from_str::<Vec<Problem>>(errors.get())
            .ok()
            .and_then(|p| p.into_iter().find_map(|p| p.detail))
            .unwrap_or_else(|| errors.get().to_string());
        return Err(at(
            errors.get(),
            format!("the response is an error: {}", shown(&detail)),
        ));
    }
    let data = response
        .data
        .ok_or_else(|| InputError::at(path, 1, 1, "expected `data`, the query's points"))?;
    let metric = gather.metric(&stem(path), &|m| {
        InputError::at(
            path,
            1,
            1,
            format!("{m} (a file of a Confluent export is named after its metric)"),
        )
    })?;
    let Some(metric) = metric else {
        return Ok(());
    };
    for point in data {
        let at_point = |m: String| at(point.get(), m);
        let fields: IndexMap<String, &RawValue> = serde_json::from_str(point.get())
            .map_err(|e| json_error(path, text, point.get(), &e, "a point: expected an object"))?;
        let field = |name: &str| {
            fields
                .get(name)
                .copied()
                .ok_or_else(|| at_point(format!("a point: expected its `{name}`")))
        };
        let stamp = field("timestamp")?;
        let time = timestamp(stamp, &|m| at(stamp.get(), m))?;
        let raw = field("value")?;
        let written: String = if raw.get().starts_with('"') {
            serde_json::from_str(raw.get()).unwrap_or_default()
        } else {
            raw.get().to_string()
        };
        let at_value = |m: String| at(raw.get(), m);
        let v: f64 = written
            .trim()
            .parse()
            .map_err(|_| at_value(format!("expected a number, found `{}`", shown(&written))))?;
        let v = value(v, &written, &at_value)?;
        let mut labels = vec![];
        for (k, x) in &fields {
            if k == "timestamp" || k == "value" {
                continue;
            }
            let label = match serde_json::from_str::<String>(x.get()) {
                Ok(s) => s,
                Err(_) => x.get().to_string(),
            };
            labels.push((k.clone(), label));
        }
        let s = gather.series(metric, &mut labels, &at_point)?;
        gather.push(s, time, v, &|m| at(stamp.get(), m))?;
    }
    Ok(())
}

/// A point's RFC 3339 timestamp, in Unix milliseconds.
fn timestamp(raw: &RawValue, at: &dyn Fn(String) -> InputError) -> Result<i64, InputError> {
    let text: String = serde_json::from_str(raw.get()).unwrap_or_default();
    let parsed = DateTime::parse_from_rfc3339(&text).map_err(|_| {
        at(format!(
            "expected an RFC 3339 timestamp, found `{}`",
            shown(raw.get())
        ))
    })?;
    unix_ms(parsed.timestamp_millis() as f64 / 1000.0, &text, at)
}

#[cfg(test)]
mod tests {
    use super::super::metrics::{import_text, MetricsFormat};

    fn import(name: &str, text: &str) -> Result<Vec<String>, String> {
        import_text(MetricsFormat::Confluent, name, text)
    }

    #[test]
    fn amounts_per_interval_by_hand() {
        let text = r#"{"data":[
{"timestamp":"2024-01-01T00:00:00Z","value":6e7,"metric.principal_id":"sa-1"},
{"timestamp":"2024-01-01T00:00:00Z","value":1.2e7,"metric.principal_id":"sa-2"},
{"timestamp":"2024-01-01T00:01:00Z","value":3e7,"metric.principal_id":"sa-1"}],
"meta":{"pagination":{"page_size":100}}}"#;
        // the interval is the least spacing, 60 s: sa-1 6e7 bytes / 60 s = 1 MB/s, then 0.5;
        // sa-2 1.2e7 / 60 = 0.2 MB/s in its one interval
        assert_eq!(
            import("received_bytes.json", text).unwrap(),
            ["0 sa-1 [1.0]", "0 sa-2 [0.2]", "60 sa-1 [0.5]"]
        );
    }

    #[test]
    fn malformed_points_are_located() {
        let cases = [
            (
                "received_bytes.json",
                r#"{"data":[{"timestamp":"2024-01-01T00:00:00Z","value":"many","metric.principal_id":"sa-1"}]}"#,
                "received_bytes.json:1:54: expected a number, found `many`",
            ),
            (
                "received_bytes.json",
                r#"{"data":[{"timestamp":"yesterday","value":1,"metric.principal_id":"sa-1"}]}"#,
                "received_bytes.json:1:23: expected an RFC 3339 timestamp, found `\"yesterday\"`",
            ),
            (
                "received_bytes.json",
                r#"{"data":[{"timestamp":"2024-01-01T00:01:00Z","value":1,"metric.principal_id":"sa-1"},{"timestamp":"2024-01-01T00:00:00Z","value":1,"metric.principal_id":"sa-1"}]}"#,
                "received_bytes.json:1:99: time 1704067200 is not after the previous sample of this series, at 1704067260",
            ),
            (
                "received_bytes.json",
                r#"{"data":[{"timestamp":"2024-01-01T00:00:00Z","value":1}]}"#,
                "received_bytes.json:1:10: a series of `io.confluent.kafka.server/received_bytes` has no `metric.principal_id` or `metric.topic` label",
            ),
            (
                "request_count.json",
                r#"{"data":[]}"#,
                "request_count.json:1:1: unknown metric `request_count`",
            ),
            (
                "received_bytes.json",
                r#"{"errors":[{"status":"400","detail":"Invalid granularity"}]}"#,
                "received_bytes.json:1:11: the response is an error: Invalid granularity",
            ),
            (
                "received_bytes.json",
                r#"{"data":[{"timestamp":"2024-01-01T00:00:00Z","value":1,"metric.principal_id":"sa-1"}]}"#,
                "received_bytes.json: every sample of the export is at one time",
            ),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .map(|(name, text, expected)| (import(name, text).unwrap_err(), expected))
            .filter(|(e, expected)| !e.starts_with(*expected))
            .map(|(e, expected)| format!("expected {expected}\n   found {e}"))
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
