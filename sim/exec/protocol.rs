//! The `exec` placer's protocol: one JSON request line out, one JSON answer line in
//! (docs/placement.md, "The protocol"), and the shell-like split of its `cmd`.

use std::fmt::Write;

use overbook_models::placer::{Decision, NodeView, Request, PROFILE_BINS};

/// The longest answer line, in bytes: 64 KiB.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Writes `request` as one JSON line (without its newline) to `out`, with the nodes
/// `allowed` (ids in order, the nodes the request allows).
pub(super) fn write_request(
    out: &mut String,
    request: &Request<'_>,
    nodes: &dyn NodeView,
    allowed: &[usize],
) {
    let who = &request.who;
    let names: Vec<&str> = match who.resources {
        [] => vec![],
        rs => rs.iter().map(|r| r.name.as_str()).collect(),
    };
    let name = |q: usize| names.get(q).copied().unwrap_or("");
    out.push_str("{\"model\":");
    string(out, who.model);
    out.push_str(",\"tenant\":{\"id\":");
    string(out, who.tenant);
    out.push_str(",\"class\":");
    string(out, who.class);
    let _ = write!(out, "}},\"time\":{},\"size\":", who.time);
    per_resource(out, &name, request.size);
    out.push_str(",\"profile\":");
    match request.profile {
        Some(p) if !request.size.is_empty() => {
            let r = request.size.len();
            out.push('{');
            for q in 0..r {
                if q > 0 {
                    out.push(',');
                }
                string(out, name(q));
                out.push_str(":[");
                for b in 0..PROFILE_BINS {
                    if b > 0 {
                        out.push(',');
                    }
                    number(out, p[b * r + q]);
                }
                out.push(']');
            }
            out.push('}');
        }
        _ => out.push_str("null"),
    }
    out.push_str(",\"fill_target\":");
    number(out, request.fill_target);
    out.push_str(",\"nodes\":[");
    for (k, &n) in allowed.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        let _ = write!(out, "{{\"id\":{n},\"open\":{},\"zone\":", nodes.is_open(n));
        match nodes.zone(n) {
            Some(z) => {
                let _ = write!(out, "{z}");
            }
            None => out.push_str("null"),
        }
        out.push_str(",\"capacity\":");
        per_resource(out, &name, nodes.capacity(n));
        out.push_str(",\"allocated\":");
        per_resource(out, &name, nodes.allocated(n));
        out.push_str(",\"utilization\":");
        match nodes.utilization(n) {
            Some(u) => per_resource(out, &name, u),
            None => per_resource(out, &name, &vec![0.0; request.size.len()]),
        }
        let _ = write!(out, ",\"fits\":{}}}", request.fits(nodes, n));
    }
    out.push_str("]}");
}

/// `{"cpu":1,"memory":2}`: `values` by resource name.
fn per_resource<'n>(out: &mut String, name: &dyn Fn(usize) -> &'n str, values: &[f64]) {
    out.push('{');
    for (q, &v) in values.iter().enumerate() {
        if q > 0 {
            out.push(',');
        }
        string(out, name(q));
        out.push(':');
        number(out, v);
    }
    out.push('}');
}

/// A finite number as JSON (Rust's shortest form that reads back the same; a non-finite one,
/// which the engine never holds, as `null`).
fn number(out: &mut String, v: f64) {
    if v.is_finite() {
        let _ = write!(out, "{v}");
    } else {
        out.push_str("null");
    }
}

/// A JSON string.
fn string(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).expect("a string serializes"));
}

/// The decision an answer line gives: `{"node": N}` with N a node id, or `{"node": null}`.
pub(super) fn read_answer(line: &str) -> Result<Decision, String> {
    let shown = || {
        let mut s: String = line.chars().take(80).collect();
        if s.len() < line.len() {
            s.push_str("...");
        }
        s
    };
    let bad = |why: String| {
        format!(
            "answered `{}`, not {{\"node\": N}} or {{\"node\": null}}: {why}",
            shown()
        )
    };
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| bad(format!("not JSON ({e})")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| bad("not a JSON object".into()))?;
    if let Some(k) = obj.keys().find(|k| k.as_str() != "node") {
        return Err(bad(format!("unknown key `{k}`")));
    }
    match obj.get("node") {
        None => Err(bad("no key `node`".into())),
        Some(serde_json::Value::Null) => Ok(Decision::Open),
        Some(v) => match v.as_u64().and_then(|n| usize::try_from(n).ok()) {
            Some(n) => Ok(Decision::Node(n)),
            None => Err(bad(format!("`node` is {v}, not a node id or null"))),
        },
    }
}

/// Up to ten node ids, comma-separated (`none` for none).
pub(super) fn list(ids: &[usize]) -> String {
    if ids.is_empty() {
        return "none".into();
    }
    let mut s = ids
        .iter()
        .take(10)
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > 10 {
        let _ = write!(s, " and {} more", ids.len() - 10);
    }
    s
}

/// Splits a command as a POSIX shell splits words, without running a shell: words part at
/// unquoted blanks; `'...'` keeps everything as it is; `"..."` keeps everything but `\"` and
/// `\\`, which are a quote and a backslash; a backslash outside quotes keeps the next
/// character. Nothing is expanded (no variables, globs or redirections).
pub fn split_command(cmd: &str) -> Result<Vec<String>, String> {
    let mut words = vec![];
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = cmd.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("a ' is not closed".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("a \" is not closed".into()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("a \" is not closed".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => word.push(c),
                    None => return Err("a \\ ends it".into()),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}
