//! The page of `report.html` around its figures: the header, the models side by side from
//! summary.json, the figures, the pricing, plan and sweep tables, and the scenario, with its
//! style and the check that headless browsers read. Knows nothing of how a figure is drawn
//! (`figures.rs`) or where the files came from.

use std::fmt::Write as _;

use serde_json::Value;

use super::read::Table;
use super::Figure;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn table_html(out: &mut String, t: &Table, limit: usize) {
    table_columns_html(out, t, limit, &(0..t.header.len()).collect::<Vec<_>>());
}

/// The columns of `t` with the ones named in `first` (those it has) leading, in that order,
/// the others after in the file's order: what decides is seen without scrolling.
pub(super) fn decisive_first(t: &Table, first: &[&str]) -> Vec<usize> {
    let mut order: Vec<usize> = first
        .iter()
        .flat_map(|f| {
            (0..t.header.len()).filter(move |&i| match f.strip_suffix('*') {
                Some(prefix) => t.header[i].starts_with(prefix),
                None => t.header[i] == *f,
            })
        })
        .collect();
    let mut seen = vec![false; t.header.len()];
    order.retain(|&i| !std::mem::replace(&mut seen[i], true));
    order.extend((0..t.header.len()).filter(|&i| !seen[i]));
    order
}

fn table_columns_html(out: &mut String, t: &Table, limit: usize, columns: &[usize]) {
    out.push_str("<div class=\"scroll\"><table><thead><tr>");
    for &i in columns {
        let _ = write!(out, "<th>{}</th>", escape(&t.header[i]));
    }
    out.push_str("</tr></thead><tbody>");
    for r in t.rows().take(limit) {
        out.push_str("<tr>");
        for v in columns.iter().map(|&i| r.get(i).unwrap_or("")) {
            let shown = v.parse::<f64>().map_or(escape(v), |x| {
                if x.fract() == 0.0 && x.abs() < 1e12 {
                    format!("{x}")
                } else {
                    format!("{x:.4}")
                }
            });
            let _ = write!(out, "<td>{shown}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    if t.len() > limit {
        let _ = write!(
            out,
            "<p class=\"note\">First {limit} of {} rows; the CSV has them all.</p>",
            t.len()
        );
    }
}

/// The files a page shows besides its figures, and the label of its amounts.
pub(super) struct Inputs<'a> {
    pub(super) summary: Option<&'a Value>,
    pub(super) pricing: Option<&'a Table>,
    pub(super) plan: Option<&'a Table>,
    pub(super) sweep: Option<&'a Table>,
    pub(super) scenario: Option<&'a str>,
    /// The currency the outputs label their amounts with, if any.
    pub(super) currency: Option<&'a str>,
    /// The resources' names and units (summary.json's `resources`; empty without).
    pub(super) resources: &'a [(String, String)],
}

/// The whole page, named after the scenario: the summary's `scenario`, else the `name` of the
/// scenario file kept beside the outputs, else after what the directory holds (a plan, a
/// sweep). Nothing on it depends on the directory's name or place.
pub(super) fn page(inputs: Inputs<'_>, figs: Vec<Figure>) -> String {
    let Inputs {
        summary,
        pricing,
        plan,
        sweep,
        scenario,
        currency,
        resources,
    } = inputs;
    let money = currency.map_or(String::new(), |c| format!(" ({c})"));
    let name = title(summary, scenario, plan.is_some(), sweep.is_some());
    let mut h = String::new();
    head(&mut h, &name, summary);
    if let Some(models) = summary.and_then(|s| s["models"].as_array()) {
        models_section(&mut h, summary, models, &money);
    }
    figures_section(&mut h, figs);
    if let Some(p) = pricing {
        let _ = write!(
            h,
            "<section><h2>Pricing</h2><p class=\"note\">Break-even and target-margin prices per unit of spec per hour; margin by SLO class{}{} (docs/planning.md).</p>",
            if p.col("credits").is_some() {
                ", and after SLA credits"
            } else {
                ""
            },
            currency.map_or(String::new(), |c| format!("; amounts in {}", escape(c)))
        );
        pricing_html(&mut h, p, resources, currency);
        h.push_str("</section>");
    }
    if let Some(p) = plan {
        h.push_str("<section><h2>Planner frontier</h2>");
        let decide = decisive_first(p, &PLAN_DECIDES);
        table_columns_html(&mut h, p, 200, &decide);
        h.push_str("</section>");
    }
    if let Some(s) = sweep {
        h.push_str("<section><h2>Sweep</h2>");
        table_html(&mut h, s, 200);
        h.push_str("</section>");
    }
    if let Some(text) = scenario {
        let _ = write!(h, "<section><h2>Scenario</h2><details><summary>The scenario file this report came from</summary><pre>{}</pre></details></section>", escape(text));
    }
    h.push_str("</main>");
    h.push_str(CHECK);
    h.push_str("</body></html>\n");
    h
}

/// The document's head and the page's header: its name, and the run's counts from `summary`.
/// The columns of plan.csv (and sweep.csv) a planner decides by, shown first: the value, the
/// verdict, the violation rate and its interval, what it oversells, what it costs.
pub(super) const PLAN_DECIDES: [&str; 13] = [
    "model",
    "knob",
    "value",
    "recommended",
    "feasible",
    "violation_rate",
    "violation_rate_low",
    "violation_rate_high",
    "oversubscription_*",
    "nodes",
    "cost_per_tenant",
    "savings_vs_dedicated",
    "replications",
];

/// How a table writes a number.
pub(super) type Shown = fn(f64) -> String;

/// How the pricing table shows one column of pricing.csv: its heading and how it writes a
/// value (`None`: as the file has it).
pub(super) fn pricing_column(
    name: &str,
    units: &[(String, String)],
    currency: Option<&str>,
) -> (String, Option<Shown>) {
    let money = currency.unwrap_or("money");
    let two: Shown = |x| format!("{x:.2}");
    let percent: Shown = |x| format!("{:.1}%", 100.0 * x);
    let price: Shown = |x| {
        // four significant figures: 0.01884, 1.256, 125.6
        let digits = if x == 0.0 {
            4
        } else {
            (3 - x.abs().log10().floor() as i32).clamp(0, 8)
        };
        format!("{x:.*}", digits as usize)
    };
    let unit_of = |r: &str| {
        units
            .iter()
            .find(|(n, _)| n == r)
            .map_or("unit".to_string(), |(_, u)| u.clone())
    };
    for (prefix, what) in [
        ("break_even_price_", "break-even price"),
        ("target_margin_price_", "target-margin price"),
    ] {
        if let Some(r) = name.strip_prefix(prefix) {
            return (
                format!("{what}, {r} ({money} / {} x hour)", unit_of(r)),
                Some(price),
            );
        }
    }
    match name {
        "cost" | "revenue" | "margin" | "usage_revenue" | "credits" | "margin_after_credits" => {
            (format!("{} ({money})", name.replace('_', " ")), Some(two))
        }
        "margin_rate" => ("margin / revenue".to_string(), Some(percent)),
        "margin_after_credits_rate" => {
            ("margin after credits / revenue".to_string(), Some(percent))
        }
        "break_even_scale" => (
            "break-even scale of list prices".to_string(),
            Some(|x| format!("{x:.3}")),
        ),
        other => (other.replace('_', " "), None),
    }
}

/// The pricing table with readable headings, amounts in the currency to the cent, shares as
/// percentages and prices to four significant figures; the `currency` column, which the
/// headings now carry, left out.
fn pricing_html(out: &mut String, t: &Table, units: &[(String, String)], currency: Option<&str>) {
    let shown: Vec<usize> = (0..t.header.len())
        .filter(|&i| t.header[i] != "currency")
        .collect();
    let columns: Vec<_> = shown
        .iter()
        .map(|&i| pricing_column(&t.header[i], units, currency))
        .collect();
    out.push_str("<div class=\"scroll\"><table><thead><tr>");
    for (heading, _) in &columns {
        let _ = write!(out, "<th>{}</th>", escape(heading));
    }
    out.push_str("</tr></thead><tbody>");
    for r in t.rows().take(60) {
        out.push_str("<tr>");
        for (&i, (_, format)) in shown.iter().zip(&columns) {
            let v = r.get(i).unwrap_or("");
            let cell = match (format, v.parse::<f64>()) {
                (Some(f), Ok(x)) if x.is_finite() => f(x),
                _ => v.to_string(),
            };
            let _ = write!(out, "<td>{}</td>", escape(&cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    if t.len() > 60 {
        let _ = write!(
            out,
            "<p class=\"note\">First 60 of {} rows; pricing.csv has them all.</p>",
            t.len()
        );
    }
}

/// The page's name (see [`page`]).
fn title(summary: Option<&Value>, scenario: Option<&str>, plan: bool, sweep: bool) -> String {
    let from_file = || {
        let v: toml::Value = toml::from_str(scenario?).ok()?;
        v.get("name")?.as_str().map(String::from)
    };
    summary
        .and_then(|s| s["scenario"].as_str())
        .map(String::from)
        .or_else(from_file)
        .unwrap_or_else(|| {
            match (plan, sweep) {
                (true, _) => "a plan",
                (false, true) => "a sweep",
                (false, false) => "outputs",
            }
            .to_string()
        })
}

fn head(h: &mut String, name: &str, summary: Option<&Value>) {
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Overbook: {}</title><style>{}</style></head><body>",
        escape(name),
        CSS
    );
    let _ = write!(h, "<header><h1>Overbook report: {}</h1>", escape(name));
    if let Some(s) = summary {
        let _ = write!(
            h,
            "<p class=\"meta\">{} tenants, {} steps of {} s &middot; seed {} &middot; scenario hash {} &middot; overbook {}</p>",
            s["tenants"], s["steps"], s["step_seconds"], s["seed"], escape(s["scenario_hash"].as_str().unwrap_or("")),
            escape(s["overbook_version"].as_str().unwrap_or(""))
        );
    }
    h.push_str("</header><main>");
}

/// The placement models side by side, one row per model of `summary`, amounts labelled
/// `money`; with SLA credits (a model's `billing` has them), its revenue, credits and margin
/// after them.
fn models_section(h: &mut String, summary: Option<&Value>, models: &[Value], money: &str) {
    let resources: Vec<String> = summary
        .and_then(|s| s["resources"].as_array())
        .map(|r| {
            r.iter()
                .filter_map(|x| x["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let raw_money = money;
    let money = escape(money);
    let credits = models
        .iter()
        .any(|m| m["billing"]["margin_after_credits"].is_number());
    let _ = write!(h, "<section><h2>Placement models side by side</h2><div class=\"scroll\"><table><thead><tr><th>model</th><th>kind</th><th>nodes (peak)</th><th>node-hours</th><th>cost{money}</th><th>cost / tenant{money}</th>");
    if credits {
        let _ = write!(
            h,
            "<th>revenue{money}</th><th>SLA credits{money}</th><th>margin after credits{money}</th>"
        );
    }
    h.push_str("<th>violation rate</th><th>by loss</th><th>by latency</th><th>by neighbour outage</th><th>worst tenant</th><th>interference loss</th><th>savings vs dedicated</th>");
    for r in &resources {
        let _ = write!(
            h,
            "<th>util {}</th><th>oversold {}</th>",
            escape(r),
            escape(r)
        );
    }
    h.push_str("</tr></thead><tbody>");
    for m in models {
        model_row(h, m, &resources, credits);
    }
    h.push_str("</tbody></table></div><ul class=\"verdicts\">");
    for m in models {
        let _ = write!(h, "<li>{}</li>", escape(&verdict(m, &resources, raw_money)));
    }
    h.push_str("</ul><p class=\"note\">Violation: a tenant-step losing more than its SLO class allows to neighbours, or with latency inflated beyond its limit, or in an outage a neighbour caused; a tenant-step with several causes counts once in the violation rate and once under each cause. Loss: the largest over resources of interference loss over alone allotment. Every column is defined in docs/outputs.md.</p></section>");
}

/// What one model's figures mean, in one sentence: nodes, cost per tenant against dedicated,
/// how often tenants miss their SLO and its main cause, what neighbours take, the worst
/// tenant, and the failures, reassignments, moves and OOM kills where there are any.
pub(super) fn verdict(m: &Value, resources: &[String], money: &str) -> String {
    let f = |v: &Value| v.as_f64().unwrap_or(0.0);
    // " (EUR)" -> " EUR"
    let money = match money.trim().trim_start_matches('(').trim_end_matches(')') {
        "" => String::new(),
        c => format!(" {c}"),
    };
    let name = m["name"].as_str().unwrap_or("");
    let savings = f(&m["savings_vs_dedicated"]);
    let cheaper = match savings {
        s if s > 0.0005 => format!(", {:.0}% cheaper than dedicated", 100.0 * s),
        s if s < -0.0005 => format!(", {:.0}% dearer than dedicated", -100.0 * s),
        _ => String::new(),
    };
    let rate = f(&m["violation_rate"]);
    let causes = [
        ("loss to neighbours", "loss"),
        ("latency", "latency"),
        ("outages neighbours caused", "neighbour_outage"),
        ("failures", "failure_outage"),
    ];
    let main = causes
        .iter()
        .map(|&(label, key)| (label, f(&m["violation_rate_by_cause"][key])))
        .filter(|&(_, x)| x > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let why = match main {
        Some((label, x)) if rate > 0.0 => format!(", mostly by {label} ({:.1}%)", 100.0 * x),
        _ => String::new(),
    };
    let loss = resources
        .iter()
        .map(|r| (r, f(&m["interference_loss"][r])))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let taken = match loss {
        Some((r, x)) if x > 0.0 => format!(
            "; neighbours take {:.2}% of what tenants would get alone ({r})",
            100.0 * x
        ),
        _ => "; no tenant loses anything to a neighbour".to_string(),
    };
    let worst = match (
        m["worst_tenant"]["tenant"].as_str(),
        f(&m["worst_tenant"]["violation_rate"]),
    ) {
        (Some(t), x) if x > 0.0 => format!(
            "; the worst tenant, {t}, misses it {:.1}% of the time",
            100.0 * x
        ),
        _ => String::new(),
    };
    let mut events = vec![];
    let count = |v: &Value, what: &str| {
        let k = v.as_u64().unwrap_or(0);
        (k > 0).then(|| format!("{k} {what}{}", if k == 1 { "" } else { "s" }))
    };
    events.extend(count(&m["failures"]["failures"], "node failure"));
    events.extend(count(&m["failures"]["reassignments"], "reassignment"));
    events.extend(count(&m["moves"]["moves"], "move"));
    events.extend(count(&m["oom_kills"], "OOM kill"));
    let events = if events.is_empty() {
        String::new()
    } else {
        format!("; {}", events.join(", "))
    };
    format!(
        "{name}: {} nodes at the peak, {:.2}{money} per tenant{cheaper}; {:.1}% of tenant-steps miss their SLO{why}{taken}{worst}{events}.",
        m["nodes_peak"],
        f(&m["cost_per_tenant"]),
        100.0 * rate,
    )
}

/// One model's row of the side-by-side table, with its revenue, credits and margin after
/// them when the table shows `credits`, and its utilization and oversubscription per
/// resource in `resources`.
fn model_row(h: &mut String, m: &Value, resources: &[String], credits: bool) {
    let loss = resources
        .iter()
        .map(|r| m["interference_loss"][r].as_f64().unwrap_or(0.0))
        .fold(0.0, f64::max);
    let worst = m["worst_tenant"]["tenant"].as_str().unwrap_or("-");
    // outputs written before violations were split by cause have none: a dash
    let cause = |c: &str| match m["violation_rate_by_cause"][c].as_f64() {
        Some(x) => format!("{:.2}%", 100.0 * x),
        None => "-".to_string(),
    };
    let _ = write!(
        h,
        "<tr><td><b>{}</b></td><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.2}</td><td>{:.2}</td>",
        escape(m["name"].as_str().unwrap_or("")),
        escape(m["kind"].as_str().unwrap_or("")),
        m["nodes_peak"],
        m["node_hours"].as_f64().unwrap_or(0.0),
        m["cost_total"].as_f64().unwrap_or(0.0),
        m["cost_per_tenant"].as_f64().unwrap_or(0.0),
    );
    if credits {
        let _ = write!(
            h,
            "<td>{:.2}</td><td>{:.2}</td><td>{:.2}</td>",
            m["revenue"].as_f64().unwrap_or(0.0),
            m["billing"]["credits"].as_f64().unwrap_or(0.0),
            m["billing"]["margin_after_credits"].as_f64().unwrap_or(0.0),
        );
    }
    let _ = write!(
        h,
        "<td>{:.2}%</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}%</td><td>{:.1}%</td>",
        100.0 * m["violation_rate"].as_f64().unwrap_or(0.0),
        cause("loss"),
        cause("latency"),
        cause("neighbour_outage"),
        escape(worst),
        100.0 * loss,
        100.0 * m["savings_vs_dedicated"].as_f64().unwrap_or(0.0)
    );
    for r in resources {
        let _ = write!(
            h,
            "<td>{:.1}%</td><td>{:.2}</td>",
            100.0 * m["utilization"][r].as_f64().unwrap_or(0.0),
            m["oversubscription_ratio"][r].as_f64().unwrap_or(0.0)
        );
    }
    h.push_str("</tr>");
}

/// The figures, each freed once on the page.
fn figures_section(h: &mut String, figs: Vec<Figure>) {
    if figs.is_empty() {
        return;
    }
    h.push_str("<section><h2>Figures</h2><div class=\"figs\">");
    // each figure is freed once on the page, so its SVG is not held twice
    for f in figs {
        let _ = write!(
            h,
            "<figure id=\"{}\"><figcaption><b>{}</b>. {}</figcaption>{}</figure>",
            escape(&f.id),
            escape(&f.title),
            escape(&f.caption),
            f.svg
        );
    }
    h.push_str("</div></section>");
}

const CSS: &str = "body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#222;background:#fafafa}header{background:#1f3b57;color:#fff;padding:18px 28px}header h1{margin:0;font-size:24px}.meta{margin:6px 0 0;opacity:.85;font-size:13px}main{max-width:1180px;margin:0 auto;padding:12px 24px 40px}section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:14px 18px;margin:16px 0}h2{font-size:18px;margin:4px 0 10px}table{border-collapse:collapse;font-size:13px}th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:right;white-space:nowrap}th{background:#f3f5f7;position:sticky;top:0}td:first-child,th:first-child{text-align:left}.scroll{overflow-x:auto;max-height:520px}.note{color:#666;font-size:12px}.figs{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:16px}figure{margin:0}figcaption{font-size:13px;margin-bottom:6px}figure svg{width:100%;height:auto;border:1px solid #eee}ul.verdicts{margin:10px 0 4px;padding-left:20px;font-size:14px;line-height:1.5}pre{font-size:12px;overflow-x:auto;background:#f6f6f6;padding:10px}";

/// Marks the page for headless checks, once loaded: how many figures drew something,
/// `<body data-figures="OK/TOTAL">`, where each figure's drawing lies on the page in CSS
/// pixels, `data-rects="x,y,w,h;..."` (for a screenshot's check that none is blank), and the
/// page's height, `data-height`.
const CHECK: &str = "<script>window.addEventListener('load',function(){var f=document.querySelectorAll('figure'),ok=0,r=[];f.forEach(function(x){var s=x.querySelector('svg');if(!s)return;var b=s.getBoundingClientRect();if(b.width>50&&b.height>50&&s.querySelectorAll('*').length>20)ok++;r.push([b.left+window.scrollX,b.top+window.scrollY,b.width,b.height].map(Math.round).join(','));});var d=document.body;d.setAttribute('data-figures',ok+'/'+f.length);d.setAttribute('data-rects',r.join(';'));d.setAttribute('data-height',Math.ceil(document.documentElement.scrollHeight));});</script>";
