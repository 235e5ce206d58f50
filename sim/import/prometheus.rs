//! Prometheus exports (DESIGN.md 3.5): a file, or a directory of files (one query per file,
//! read in natural name order), each a `/api/v1/query_range` response or text exposition
//! with timestamps (`openmetrics.rs`).
//!
//! A response is `{"status":"success","data":{"resultType":"matrix","result":[{"metric":
//! {"__name__":...,"topic":...},"values":[[unix_seconds,"value"],...]},...]}}`. A series whose
//! `metric` has no `__name__` (a query with an aggregation or a function) takes the file's
//! name as its metric (`kafka_server_brokertopicmetrics_bytesin_total.json`). A file is JSON
//! when its name ends in `.json` (or `.json.gz`) or it starts with `{"`; else it is text.

use std::io::Read;
use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::metrics::{json_error, offset, stem, unix_ms, value, Gather};
use crate::error::{shown, InputError};
use crate::limits::MAX_EXPORT_FILE_BYTES;

#[derive(Deserialize)]
struct Response<'a> {
    status: Option<String>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct Data<'a> {
    #[serde(rename = "resultType")]
    result_type: Option<String>,
    #[serde(borrow)]
    result: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
struct Series<'a> {
    #[serde(borrow)]
    metric: Option<&'a RawValue>,
    #[serde(borrow)]
    values: Option<Vec<&'a RawValue>>,
    #[serde(borrow)]
    histograms: Option<&'a RawValue>,
}

/// Reads one file of a Prometheus export into `gather`.
pub(super) fn read(path: &Path, gather: &mut Gather) -> Result<(), InputError> {
    if is_json(path)? {
        let text = super::read_whole(path, MAX_EXPORT_FILE_BYTES)?;
        read_json(path, &text, gather)
    } else {
        super::openmetrics::read(path, gather)
    }
}

/// Whether `path` holds JSON: by its name, else by its first characters.
fn is_json(path: &Path) -> Result<bool, InputError> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    if name.ends_with(".json") || name.ends_with(".json.gz") {
        return Ok(true);
    }
    let mut head = vec![];
    super::lines::open(path)?
        .take(256)
        .read_to_end(&mut head)
        .map_err(|e| InputError::file(path, format!("cannot read: {e}")))?;
    let head = String::from_utf8_lossy(&head);
    let mut chars = head.trim_start().chars();
    Ok(chars.next() == Some('{') && matches!(chars.find(|c| !c.is_whitespace()), Some('"' | '}')))
}

/// Reads a `query_range` response.
fn read_json(path: &Path, text: &str, gather: &mut Gather) -> Result<(), InputError> {
    let at = |sub: &str, m: String| InputError::at_offset(path, text, offset(text, sub), m);
    let response: Response = serde_json::from_str(text).map_err(|e| {
        json_error(
            path,
            text,
            text,
            &e,
            "expected a Prometheus query_range response (JSON)",
        )
    })?;
    if response.status.as_deref() != Some("success") {
        return Err(InputError::at(
            path,
            1,
            1,
            format!(
                "the response is not a success: {}: {}",
                shown(response.error_type.as_deref().unwrap_or("no errorType")),
                shown(response.error.as_deref().unwrap_or("no error"))
            ),
        ));
    }
    let data = response
        .data
        .ok_or_else(|| InputError::at(path, 1, 1, "expected `data`, the query's result"))?;
    let parsed: Data = serde_json::from_str(data.get())
        .map_err(|e| json_error(path, text, data.get(), &e, "`data`"))?;
    if parsed.result_type.as_deref() != Some("matrix") {
        return Err(at(
            data.get(),
            format!(
                "expected `resultType` `matrix` (a range query, /api/v1/query_range), found `{}`",
                shown(parsed.result_type.as_deref().unwrap_or("none"))
            ),
        ));
    }
    let result = parsed
        .result
        .ok_or_else(|| at(data.get(), "expected `result`, the series".into()))?;
    let file_metric = stem(path);
    for raw in result {
        let series: Series = serde_json::from_str(raw.get())
            .map_err(|e| json_error(path, text, raw.get(), &e, "a series"))?;
        let metric = series
            .metric
            .ok_or_else(|| at(raw.get(), "a series: expected its `metric` labels".into()))?;
        let at_metric = |m: String| at(metric.get(), m);
        let labels: IndexMap<String, String> = serde_json::from_str(metric.get()).map_err(|e| {
            json_error(
                path,
                text,
                metric.get(),
                &e,
                "`metric`: expected labels and their string values",
            )
        })?;
        let name = labels
            .get("__name__")
            .cloned()
            .unwrap_or(file_metric.clone());
        let Some(m) = gather.metric(&name, &at_metric)? else {
            continue;
        };
        let mut labels: Vec<(String, String)> = labels
            .into_iter()
            .filter(|(k, _)| k != "__name__")
            .collect();
        let s = gather.series(m, &mut labels, &at_metric)?;
        let Some(values) = series.values else {
            let why = if series.histograms.is_some() {
                "native histograms are not read: export float samples"
            } else {
                "expected its `values`"
            };
            return Err(at(raw.get(), format!("a series: {why}")));
        };
        for pair in values {
            let (t, v) = sample(path, text, pair)?;
            gather.push(s, t, v, &|m| at(pair.get(), m))?;
        }
    }
    Ok(())
}

/// A sample `[unix_seconds, "value"]`: its time in milliseconds and its value.
fn sample(path: &Path, text: &str, pair: &RawValue) -> Result<(i64, f64), InputError> {
    let at = |sub: &str, m: String| InputError::at_offset(path, text, offset(text, sub), m);
    let (t, v): (&RawValue, &RawValue) = serde_json::from_str(pair.get()).map_err(|_| {
        at(
            pair.get(),
            format!(
                "expected a sample `[unix_seconds, \"value\"]`, found `{}`",
                shown(pair.get())
            ),
        )
    })?;
    let seconds: f64 = serde_json::from_str(t.get()).map_err(|_| {
        at(
            t.get(),
            format!(
                "expected a Unix time in seconds, found `{}`",
                shown(t.get())
            ),
        )
    })?;
    let time = unix_ms(seconds, t.get(), &|m| at(t.get(), m))?;
    let written: String = if v.get().starts_with('"') {
        serde_json::from_str(v.get()).unwrap_or_default()
    } else {
        v.get().to_string()
    };
    let x: f64 = written.trim().parse().map_err(|_| {
        at(
            v.get(),
            format!("expected a number, found `{}`", shown(&written)),
        )
    })?;
    Ok((time, value(x, &written, &|m| at(v.get(), m))?))
}

#[cfg(test)]
mod tests {
    use super::super::metrics::{import_text, MetricsFormat};

    /// Reads `text` as the file `name` of a Prometheus export: the error with the
    /// directory's path removed, or the rows as `time tenant features...`.
    fn import(name: &str, text: &str) -> Result<Vec<String>, String> {
        import_text(MetricsFormat::Prometheus, name, text)
    }

    const HEAD: &str = r#"{"status":"success","data":{"resultType":"matrix","result":["#;

    #[test]
    fn a_range_query_by_hand() {
        // bytes in of topic a at 0, 60, 120 s after 1700000000: 1e6, 61e6, 31e6 (a reset)
        let text = format!(
            "{HEAD}{{\"metric\":{{\"__name__\":\"kafka_server_brokertopicmetrics_bytesin_total\",\"topic\":\"a\"}},\"values\":[[1700000000,\"1e6\"],[1700000060,\"61e6\"],[1700000120,\"31000000\"]]}}]}}}}"
        );
        // 60e6 bytes / 60 s = 1 MB/s, then the reset's 31e6 bytes / 60 s = 0.51666... MB/s
        assert_eq!(
            import("q.json", &text).unwrap(),
            ["0 a [1.0]", "60 a [0.5166666666666667]"]
        );
    }

    #[test]
    fn malformed_responses_are_located() {
        let series = |values: &str| {
            format!("{HEAD}{{\"metric\":{{\"__name__\":\"kafka_server_brokertopicmetrics_bytesin_total\",\"topic\":\"a\"}},\"values\":[{values}]}}]}}}}")
        };
        let cases = [
            (
                "{\"status\":\"success\",".to_string(),
                "q.json:1:20: expected a Prometheus query_range response (JSON): EOF while parsing a value",
            ),
            (
                series("[1700000000,\"1\"],[1700000060,\"abc\"]"),
                "q.json:1:183: expected a number, found `abc`",
            ),
            (
                series("[1700000000,\"1\"],[1700000060,\"NaN\"]"),
                "q.json:1:183: expected a sample value, a finite number in [0, 1e20], found `NaN`",
            ),
            (
                series("[1700000060,\"1\"],[1700000000,\"2\"]"),
                "q.json:1:171: time 1700000000 is not after the previous sample of this series, at 1700000060",
            ),
            (
                format!("{HEAD}{{\"metric\":{{\"__name__\":\"kafka_server_brokertopicmetrics_bytesin_total\"}},\"values\":[]}}]}}}}"),
                "q.json:1:71: a series of `kafka_server_brokertopicmetrics_bytesin_total` has no `topic` or `user` label",
            ),
            (
                format!("{HEAD}{{\"metric\":{{\"__name__\":\"up\",\"topic\":\"a\"}},\"values\":[]}}]}}}}"),
                "q.json:1:71: unknown metric `up`: the default map reads kafka_server_brokertopicmetrics_bytesin_total",
            ),
            (
                r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#.to_string(),
                "q.json:1:1: the response is not a success: bad_data: parse error",
            ),
            (
                r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#.to_string(),
                "q.json:1:28: expected `resultType` `matrix`",
            ),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .map(|(text, expected)| (import("q.json", text).unwrap_err(), expected))
            .filter(|(e, expected)| !e.starts_with(*expected))
            .map(|(e, expected)| format!("expected {expected}\n   found {e}"))
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn an_aggregated_query_takes_its_metric_from_the_file_name() {
        let text = format!(
            "{HEAD}{{\"metric\":{{\"topic\":\"a\"}},\"values\":[[0,\"10\"],[10,\"20\"]]}}]}}}}"
        );
        // 10 messages in 10 s: 1 a second
        assert_eq!(
            import(
                "kafka_server_brokertopicmetrics_messagesin_total.json",
                &text
            )
            .unwrap(),
            ["0 a [1.0]"]
        );
    }
}
