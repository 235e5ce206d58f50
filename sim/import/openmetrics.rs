//! Text exposition with timestamps, several samples per series over time (DESIGN.md 3.5):
//! OpenMetrics (`name{label="value",...} value timestamp`, timestamps in seconds, `# EOF` its
//! last line) or Prometheus's own text format (the same lines, timestamps in milliseconds, no
//! `# EOF`); `{__name__="name",...}` (what `promtool tsdb dump` prints) names the metric
//! among the labels. `# TYPE` lines are checked against the map's kind; other comments,
//! `# HELP` and `# UNIT` are skipped, and so are a counter's `_created` samples and an
//! exemplar after ` # `. Lines are read as a stream, twice: first to find `# EOF`.

use std::collections::HashMap;
use std::path::Path;

use super::metrics::{unix_ms, value, Gather, Kind};
use crate::error::{shown, InputError};
use crate::limits::MAX_METRIC_SERIES;

/// Reads one text file of a Prometheus export into `gather`.
pub(super) fn read(path: &Path, gather: &mut Gather) -> Result<(), InputError> {
    let seconds = ends_with_eof(path)?;
    let (mut lines, _) = super::reader(path, b'\n', false)?;
    // a family's `# TYPE` and its line
    let mut types: HashMap<String, (String, u64)> = HashMap::new();
    // the series of a sample's name and labels as written (`None`: ignored)
    let mut seen: HashMap<String, Option<usize>> = HashMap::new();
    while let Some((line, text)) = lines.next_line()? {
        let text = text.trim_end();
        if text.trim_start().is_empty() {
            continue;
        }
        let at_col = |column: usize, m: String| InputError::at(path, line as usize, column, m);
        if let Some(comment) = text.strip_prefix('#') {
            let comment = comment.trim_start();
            if comment == "EOF" {
                break;
            }
            if let Some(rest) = comment.strip_prefix("TYPE ") {
                let mut parts = rest.split_whitespace();
                // only the families of metrics the map reads are kept (a bounded set)
                if let (Some(name), Some(kind)) = (parts.next(), parts.next()) {
                    if gather.reads(name) || gather.reads(&format!("{name}_total")) {
                        types.insert(name.to_string(), (kind.to_string(), line));
                    }
                }
            }
            continue;
        }
        let sample = parse(text).map_err(|(c, m)| at_col(c, m))?;
        let series = match seen.get(sample.series) {
            Some(&s) => s,
            None => {
                let s = series_of(path, line, &sample, &types, gather)?;
                // at most as many as an export's series: ignored ones past it are looked up
                if seen.len() < MAX_METRIC_SERIES {
                    seen.insert(sample.series.to_string(), s);
                }
                s
            }
        };
        let Some(series) = series else { continue };
        let Some((time, time_col)) = sample.time else {
            return Err(at_col(
                text.chars().count() + 1,
                "expected a timestamp after the value: an export over time has one per sample"
                    .into(),
            ));
        };
        let at_time = |m: String| at_col(time_col, m);
        let t: f64 = time
            .parse()
            .map_err(|_| at_time(format!("expected a timestamp, found `{}`", shown(time))))?;
        let ms = unix_ms(if seconds { t } else { t / 1000.0 }, time, &at_time)?;
        let at_value = |m: String| at_col(sample.value_col, m);
        let v: f64 = sample.value.parse().map_err(|_| {
            at_value(format!(
                "expected a number, found `{}`",
                shown(sample.value)
            ))
        })?;
        let v = value(v, sample.value, &at_value)?;
        gather.push(series, ms, v, &at_time)?;
    }
    Ok(())
}

/// Whether the file is OpenMetrics: its last line that is not empty is `# EOF`; a line after
/// it is an error.
fn ends_with_eof(path: &Path) -> Result<bool, InputError> {
    let (mut lines, _) = super::reader(path, b'\n', false)?;
    let mut eof = false;
    while let Some((line, text)) = lines.next_line()? {
        if text.trim().is_empty() {
            continue;
        }
        if eof {
            return Err(InputError::at(
                path,
                line as usize,
                1,
                "expected nothing after `# EOF`",
            ));
        }
        eof = text.trim() == "# EOF";
    }
    Ok(eof)
}

/// The series of a sample's first line: its metric (`None` when the map ignores it, or it
/// is a counter's `_created`), checked against its family's `# TYPE`.
fn series_of(
    path: &Path,
    line: u64,
    sample: &Sample,
    types: &HashMap<String, (String, u64)>,
    gather: &mut Gather,
) -> Result<Option<usize>, InputError> {
    let at = |m: String| InputError::at(path, line as usize, 1, m);
    let mut labels = sample.labels.clone();
    let name = match &sample.name {
        Some(n) => n.clone(),
        None => match labels.iter().position(|(k, _)| k == "__name__") {
            Some(i) => labels.remove(i).1,
            None => return Err(at("expected a metric name".into())),
        },
    };
    let family = ["_total", "_created", "_count", "_sum", "_bucket"]
        .iter()
        .filter_map(|s| name.strip_suffix(s))
        .chain([name.as_str()])
        .find_map(|f| types.get(f));
    if name.ends_with("_created") && family.is_some_and(|(k, _)| k == "counter") {
        return Ok(None);
    }
    let Some(metric) = gather.metric(&name, &at)? else {
        return Ok(None);
    };
    let kind = gather.metric_at(metric).kind;
    if let Some((written, type_line)) = family {
        let clash = match written.as_str() {
            "counter" => kind != Kind::Counter,
            "gauge" => kind == Kind::Counter,
            _ => false,
        };
        if clash {
            return Err(InputError::at(
                path,
                *type_line as usize,
                1,
                format!(
                    "`# TYPE` says `{}` is a {written}, but the map reads `{}` as a {}: set its `kind` in the map",
                    shown(&name),
                    shown(&name),
                    match kind {
                        Kind::Counter => "counter",
                        Kind::Gauge => "gauge",
                        Kind::Delta => "delta",
                    }
                ),
            ));
        }
    }
    gather.series(metric, &mut labels, &at).map(Some)
}

/// A sample line, parsed.
struct Sample<'a> {
    /// The name and labels as written: the series' key among the file's lines.
    series: &'a str,
    /// The metric name before the labels (`None` when it is among them, `__name__`).
    name: Option<String>,
    labels: Vec<(String, String)>,
    value: &'a str,
    value_col: usize,
    /// The timestamp and its column.
    time: Option<(&'a str, usize)>,
}

/// Parses `name{label="value",...} value [timestamp] [# exemplar]`; an error is its column
/// (1-based) and what was expected.
fn parse(s: &str) -> Result<Sample<'_>, (usize, String)> {
    let b = s.as_bytes();
    let col = |i: usize| s[..i].chars().count() + 1;
    let mut i = 0;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b':') {
        i += 1;
    }
    let name = (i > 0).then(|| s[..i].to_string());
    let mut labels = vec![];
    if b.get(i) == Some(&b'{') {
        i += 1;
        loop {
            while b
                .get(i)
                .is_some_and(|c| c.is_ascii_whitespace() || *c == b',')
            {
                i += 1;
            }
            if b.get(i) == Some(&b'}') {
                i += 1;
                break;
            }
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            if i == start || b.get(i) != Some(&b'=') || b.get(i + 1) != Some(&b'"') {
                return Err((col(i), "expected a label `name=\"value\"` or `}`".into()));
            }
            let key = s[start..i].to_string();
            i += 2;
            let mut value = String::new();
            loop {
                match b.get(i) {
                    None => return Err((col(i), "expected the label value's closing `\"`".into())),
                    Some(b'"') => break,
                    Some(b'\\') => {
                        value.push(match b.get(i + 1) {
                            Some(b'n') => '\n',
                            Some(b'"') => '"',
                            Some(b'\\') => '\\',
                            _ => {
                                return Err((
                                    col(i),
                                    "expected an escape `\\\\`, `\\\"` or `\\n`".into(),
                                ))
                            }
                        });
                        i += 2;
                    }
                    Some(_) => {
                        let c = s[i..].chars().next().expect("a character");
                        value.push(c);
                        i += c.len_utf8();
                    }
                }
            }
            i += 1;
            labels.push((key, value));
        }
    } else if name.is_none() {
        return Err((1, "expected a metric name or `{`".into()));
    }
    let series = &s[..i];
    let rest = &s[i..];
    if !rest.starts_with([' ', '\t']) {
        return Err((col(i), "expected a space, then the sample's value".into()));
    }
    let rest = rest.split(" # ").next().unwrap_or("");
    let mut tokens = rest.split_whitespace().map(|t| {
        let at = offset_of(s, t);
        (t, col(at))
    });
    let Some((value, value_col)) = tokens.next() else {
        return Err((col(s.len()), "expected the sample's value".into()));
    };
    let time = tokens.next();
    if let Some((extra, c)) = tokens.next() {
        return Err((
            c,
            format!("expected the end of the line, found `{}`", shown(extra)),
        ));
    }
    Ok(Sample {
        series,
        name,
        labels,
        value,
        value_col,
        time,
    })
}

/// The byte offset of `sub`, a slice of `s`.
fn offset_of(s: &str, sub: &str) -> usize {
    sub.as_ptr() as usize - s.as_ptr() as usize
}

#[cfg(test)]
mod tests {
    use super::super::metrics::{import_text, MetricsFormat};

    fn import(text: &str) -> Result<Vec<String>, String> {
        import_text(MetricsFormat::Prometheus, "m.txt", text)
    }

    #[test]
    fn openmetrics_seconds_and_prometheus_milliseconds() {
        let om = "# TYPE kafka_server_brokertopicmetrics_messagesin counter\n\
                  kafka_server_brokertopicmetrics_messagesin_total{topic=\"a\",partition=\"0\"} 0 100\n\
                  kafka_server_brokertopicmetrics_messagesin_created{topic=\"a\"} 90 100\n\
                  kafka_server_brokertopicmetrics_messagesin_total{partition=\"0\",topic=\"a\"} 50 110 # {id=\"x\"} 1 105\n\
                  # EOF\n";
        // 50 messages in 10 s: 5 a second (the label order does not make another series)
        assert_eq!(import(om).unwrap(), ["0 a [5.0]"]);
        let prom = "{__name__=\"kafka_server_brokertopicmetrics_messagesin_total\",topic=\"a\"} 0 100000\n\
                    {__name__=\"kafka_server_brokertopicmetrics_messagesin_total\",topic=\"a\"} 50 110000\n";
        assert_eq!(import(prom).unwrap(), ["0 a [5.0]"]);
    }

    #[test]
    fn malformed_lines_are_located() {
        let name = "kafka_server_brokertopicmetrics_bytesin_total";
        let cases = [
            (
                format!("{name}{{topic=\"a\"}} 1\n"),
                "m.txt:1:59: expected a timestamp after the value".to_string(),
            ),
            (
                format!("{name}{{topic=\"a\"}} x 1\n"),
                "m.txt:1:58: expected a number, found `x`".into(),
            ),
            (
                format!("{name}{{topic=\"a}} 1 1\n"),
                "m.txt:1:60: expected the label value's closing `\"`".into(),
            ),
            (
                format!("{name}{{topic=\"a\"}} 1 2000\n{name}{{topic=\"a\"}} 2 1000\n"),
                "m.txt:2:60: time 1 is not after the previous sample of this series, at 2".into(),
            ),
            (
                format!("{name}{{broker=\"1\"}} 1 2000\n"),
                format!("m.txt:1:1: a series of `{name}` has no `topic` or `user` label"),
            ),
            (
                "up{topic=\"a\"} 1 1\n".to_string(),
                "m.txt:1:1: unknown metric `up`".into(),
            ),
            (
                format!("# TYPE {name} gauge\n{name}{{topic=\"a\"}} 1 1\n"),
                format!("m.txt:1:1: `# TYPE` says `{name}` is a gauge"),
            ),
            (
                "# EOF\nx 1 1\n".to_string(),
                "m.txt:2:1: expected nothing after `# EOF`".into(),
            ),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .map(|(text, expected)| (import(text).unwrap_err(), expected))
            .filter(|(e, expected)| !e.starts_with(expected.as_str()))
            .map(|(e, expected)| format!("expected {expected}\n   found {e}"))
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
