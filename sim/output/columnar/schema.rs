//! The declared schema of every table output: each column's Arrow type and unit, decided from
//! the table's name and the column's name alone (never from its values), so a table has the
//! same schema whatever it holds. Per-resource columns (`demand_<r>`) match by prefix, and
//! `sweep.csv`'s swept keys (the columns before `model`) by position. docs/outputs.md carries
//! [`markdown`]'s table; a test keeps the two in step.

/// The Arrow type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text (`Utf8`); an empty CSV field is null.
    Text,
    /// A whole number (`Int64`).
    Int,
    /// A float (`Float64`), the CSV's value exactly.
    Float,
    /// `true` or `false` (`Boolean`).
    Bool,
}

impl Kind {
    /// The Arrow type's name, as docs/outputs.md writes it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "Utf8",
            Kind::Int => "Int64",
            Kind::Float => "Float64",
            Kind::Bool => "Boolean",
        }
    }
}

/// One declared column: its name (`<r>` standing for a resource's name, `<key>` for a swept
/// key), type and unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Its name; `prefix_<r>` declares one column per resource.
    pub name: &'static str,
    /// Its Arrow type.
    pub kind: Kind,
    /// Its unit (`label` for names and ids, `count`, `seconds`, `currency`, ...).
    pub unit: &'static str,
}

/// One table output: its file stem, what a row is, its columns.
#[derive(Debug, Clone, Copy)]
pub struct TableSpec {
    /// The file stem (`tenants` for tenants.csv or tenants.parquet).
    pub name: &'static str,
    /// What one row is.
    pub description: &'static str,
    /// Its columns, in the order the file has them (optional ones included).
    pub columns: &'static [Column],
}

const fn c(name: &'static str, kind: Kind, unit: &'static str) -> Column {
    Column { name, kind, unit }
}

use Kind::{Bool, Float, Int, Text};

const LABEL: &str = "label";
const COUNT: &str = "count";
const SECONDS: &str = "seconds";
const MINUTES: &str = "minutes";
const HOURS: &str = "hours";
const MONEY: &str = "currency";
const FRACTION: &str = "fraction";
const RATIO: &str = "ratio";
const UNITS: &str = "resource units";
const UNIT_SECONDS: &str = "resource units x seconds";
const STATE: &str = "state resource units";
const CODE: &str = "currency code";
const ID: &str = "node id";
const FACTOR: &str = "factor";
const PRICE: &str = "currency per resource unit per hour";

/// The causes of a violation, as `violation_rate_<cause>` columns name them.
const CAUSE_RATES: [Column; 5] = [
    c("violation_rate_loss", Float, FRACTION),
    c("violation_rate_latency", Float, FRACTION),
    c("violation_rate_neighbour_outage", Float, FRACTION),
    c("violation_rate_failure_outage", Float, FRACTION),
    c("violation_rate_lag", Float, FRACTION),
];

/// Every table output, in the order docs/outputs.md lists them.
pub const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "tenants",
        description: "one row per model and tenant",
        columns: &[
            c("model", Text, LABEL),
            c("tenant", Text, LABEL),
            c("class", Text, LABEL),
            c("first_seen", Int, SECONDS),
            c("steps", Int, COUNT),
            c("placements", Int, COUNT),
            c("spec_<r>", Float, UNITS),
            c("demand_<r>", Float, UNIT_SECONDS),
            c("alone_<r>", Float, UNIT_SECONDS),
            c("delivered_<r>", Float, UNIT_SECONDS),
            c("loss_<r>", Float, UNIT_SECONDS),
            c("throttled_<r>", Float, UNIT_SECONDS),
            c("harm_caused_<r>", Float, UNIT_SECONDS),
            c("harm_suffered_<r>", Float, UNIT_SECONDS),
            c("self_harm_<r>", Float, UNIT_SECONDS),
            c("violation_steps", Int, COUNT),
            c("violation_rate", Float, FRACTION),
            c("violation_minutes", Float, MINUTES),
            c("violation_steps_loss", Int, COUNT),
            c("violation_steps_latency", Int, COUNT),
            c("violation_steps_neighbour_outage", Int, COUNT),
            c("outage_steps", Int, COUNT),
            c("latency_inflation_mean", Float, FACTOR),
            c("latency_inflation_max", Float, FACTOR),
            c("cost", Float, MONEY),
            c("revenue", Float, MONEY),
            c("margin", Float, MONEY),
            c("dedicated_cost", Float, MONEY),
            c("savings_vs_dedicated", Float, FRACTION),
            c("violation_steps_failure_outage", Int, COUNT),
            c("failure_outage_minutes", Float, MINUTES),
            c("failure_loss_<r>", Float, UNIT_SECONDS),
            c("reassignments", Int, COUNT),
            c("scale_outs", Int, COUNT),
            c("scale_ins", Int, COUNT),
            c("moves", Int, COUNT),
            c("moved_bytes", Float, STATE),
            c("move_load_<r>", Float, UNIT_SECONDS),
            c("violation_steps_lag", Int, COUNT),
            c("lag_max_seconds", Float, SECONDS),
            c("lag_p99_seconds", Float, SECONDS),
            c("backlog_left_<r>", Float, UNIT_SECONDS),
            c("partitions", Int, COUNT),
            c("leader_elections", Int, COUNT),
            c("electing_partition_steps", Int, COUNT),
            c("under_min_insync_partition_steps", Int, COUNT),
            c("offline_partition_steps", Int, COUNT),
            c("catch_up_bytes", Float, STATE),
            c("cross_zone_gb", Float, "GB"),
            c("usage_in_gb", Float, "GB"),
            c("usage_out_gb", Float, "GB"),
            c("usage_retained_gb_months", Float, "GB-months"),
            c("usage_partition_hours", Float, "partition-hours"),
            c("usage_revenue", Float, MONEY),
            c("credited_periods", Int, COUNT),
            c("credits", Float, MONEY),
            c("margin_after_credits", Float, MONEY),
            c("currency", Text, CODE),
        ],
    },
    TableSpec {
        name: "nodes",
        description: "one row per model and node",
        columns: &[
            c("model", Text, LABEL),
            c("node", Int, ID),
            c("type", Text, LABEL),
            c("zone", Text, LABEL),
            c("opened", Int, SECONDS),
            c("closed", Int, SECONDS),
            c("hours", Float, HOURS),
            c("cost", Float, MONEY),
            c("overhead", Float, MONEY),
            c("entries_max", Int, COUNT),
            c("contended_steps", Int, COUNT),
            c("oom_kills", Int, COUNT),
            c("capacity_<r>", Float, UNITS),
            c("delivered_<r>", Float, UNIT_SECONDS),
            c("utilization_<r>", Float, FRACTION),
            c("peak_utilization_<r>", Float, FRACTION),
            c("currency", Text, CODE),
        ],
    },
    TableSpec {
        name: "harm",
        description: "one row per model, harmer, victim and resource",
        columns: &[
            c("model", Text, LABEL),
            c("harmer", Text, LABEL),
            c("victim", Text, LABEL),
            c("resource", Text, LABEL),
            c("amount", Float, UNIT_SECONDS),
        ],
    },
    TableSpec {
        name: "pricing",
        description: "one row per model and class (all tenants first)",
        columns: &[
            c("model", Text, LABEL),
            c("class", Text, LABEL),
            c("tenants", Int, COUNT),
            c("cost", Float, MONEY),
            c("revenue", Float, MONEY),
            c("margin", Float, MONEY),
            c("margin_rate", Float, FRACTION),
            c("break_even_price_<r>", Float, PRICE),
            c("target_margin_price_<r>", Float, PRICE),
            c("usage_revenue", Float, MONEY),
            c("credits", Float, MONEY),
            c("margin_after_credits", Float, MONEY),
            c("margin_after_credits_rate", Float, FRACTION),
            c("break_even_scale", Float, FACTOR),
            c("currency", Text, CODE),
        ],
    },
    TableSpec {
        name: "timeseries",
        description: "one row per series and hour bucket",
        columns: &[
            c("series", Text, LABEL),
            c("model", Text, LABEL),
            c("id", Text, LABEL),
            c("hour", Int, HOURS),
            c("hours", Int, HOURS),
            c(
                "a",
                Float,
                "fraction (node rows), resource units (tenant rows)",
            ),
            c("b", Float, UNITS),
        ],
    },
    TableSpec {
        name: "events",
        description: "one row per event of a model",
        columns: &[
            c("time", Int, SECONDS),
            c("model", Text, LABEL),
            c("kind", Text, LABEL),
            c("node", Int, ID),
            c("tenant", Text, LABEL),
            c("bytes", Float, STATE),
        ],
    },
    TableSpec {
        name: "predictions",
        description: "one row per step, node and predictor",
        columns: &[
            c("predictor", Text, LABEL),
            c("node", Text, LABEL),
            c("time", Int, SECONDS),
            c("predicted_peak", Float, UNITS),
            c("total_usage", Float, UNITS),
            c("total_limit", Float, UNITS),
        ],
    },
    TableSpec {
        name: "sweep",
        description: "one row per grid point and model",
        columns: &[
            c("<key>", Float, "the swept key's unit"),
            c("model", Text, LABEL),
            c("replications", Int, COUNT),
            c("nodes", Float, COUNT),
            c("node_hours", Float, HOURS),
            c("utilization_<r>", Float, FRACTION),
            c("oversubscription_<r>", Float, RATIO),
            c("violation_rate", Float, FRACTION),
            c("violation_rate_low", Float, FRACTION),
            c("violation_rate_high", Float, FRACTION),
            CAUSE_RATES[0],
            CAUSE_RATES[1],
            CAUSE_RATES[2],
            CAUSE_RATES[3],
            CAUSE_RATES[4],
            c("cost_per_tenant", Float, MONEY),
            c("savings_vs_dedicated", Float, FRACTION),
            c("currency", Text, CODE),
        ],
    },
    TableSpec {
        name: "plan",
        description: "one row per model and evaluated knob value",
        columns: &[
            c("model", Text, LABEL),
            c("knob", Text, LABEL),
            c("value", Float, "the knob's unit"),
            c("replications", Int, COUNT),
            c("oversubscription_<r>", Float, RATIO),
            c("utilization_<r>", Float, FRACTION),
            c("nodes", Float, COUNT),
            c("cost_per_tenant", Float, MONEY),
            c("savings_vs_dedicated", Float, FRACTION),
            c("violation_rate", Float, FRACTION),
            c("violation_rate_low", Float, FRACTION),
            c("violation_rate_high", Float, FRACTION),
            CAUSE_RATES[0],
            CAUSE_RATES[1],
            CAUSE_RATES[2],
            CAUSE_RATES[3],
            CAUSE_RATES[4],
            c("survives", Bool, "boolean"),
            c("feasible", Bool, "boolean"),
            c("recommended", Bool, "boolean"),
            c("currency", Text, CODE),
        ],
    },
    TableSpec {
        name: "placers",
        description: "one row per model, placer and predictor",
        columns: &[
            c("model", Text, LABEL),
            c("placer", Text, LABEL),
            c("predictor", Text, LABEL),
            c("nodes", Int, COUNT),
            c("node_hours", Float, HOURS),
            c("utilization_<r>", Float, FRACTION),
            c("interference_loss_<r>", Float, FRACTION),
            c("violation_rate", Float, FRACTION),
            c("cost_per_tenant", Float, MONEY),
            c("savings_vs_dedicated", Float, FRACTION),
            c("forced_placements", Int, COUNT),
            c("currency", Text, CODE),
        ],
    },
    TableSpec {
        name: "headroom",
        description: "one row per model and kind of failure case",
        columns: &[
            c("model", Text, LABEL),
            c("case", Text, LABEL),
            c("target", Text, LABEL),
            c("start", Int, SECONDS),
            c("duration_seconds", Int, SECONDS),
            c("cases", Int, COUNT),
            c("peak_time", Int, SECONDS),
            c("peak_resource", Int, "resource index"),
            c("peak_utilization", Float, FRACTION),
            c("tenant_steps", Int, COUNT),
            c("violation_rate", Float, FRACTION),
            CAUSE_RATES[0],
            CAUSE_RATES[1],
            CAUSE_RATES[2],
            CAUSE_RATES[3],
            c("loss_<r>", Float, UNIT_SECONDS),
            c("outage_minutes", Float, MINUTES),
            c("nodes_above_capacity", Int, COUNT),
            c("offline_tenants", Int, COUNT),
            c("survives", Bool, "boolean"),
        ],
    },
];

/// The table named `name` (a file stem), if it is one.
pub fn table(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}

/// A column of a table as declared: its declaration and, for a per-resource column, the
/// resource's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declared<'a> {
    /// The declaration it matches.
    pub column: &'static Column,
    /// The resource a `prefix_<r>` column is for.
    pub resource: Option<&'a str>,
}

/// The declaration of column `name` of `table`, which is the `index`-th of a header whose
/// `model` column is at `model_at` (the swept keys of `sweep` are the columns before it): an
/// exact name first, then the longest `prefix_<r>` it starts with. `None` when it has none.
pub fn declared<'a>(
    table: &TableSpec,
    name: &'a str,
    index: usize,
    model_at: Option<usize>,
) -> Option<Declared<'a>> {
    if let Some(column) = table.columns.iter().find(|c| c.name == name) {
        return Some(Declared {
            column,
            resource: None,
        });
    }
    if let Some(key) = table.columns.iter().find(|c| c.name == "<key>") {
        if model_at.is_some_and(|m| index < m) {
            return Some(Declared {
                column: key,
                resource: None,
            });
        }
    }
    table
        .columns
        .iter()
        .filter_map(|c| {
            let prefix = c.name.strip_suffix("<r>")?;
            let rest = name.strip_prefix(prefix)?;
            (!rest.is_empty()).then_some((prefix.len(), c, rest))
        })
        .max_by_key(|(len, ..)| *len)
        .map(|(_, column, rest)| Declared {
            column,
            resource: Some(rest),
        })
}

/// The declared schema of every table as Markdown, one section a table: what
/// docs/outputs.md carries between its `schema` markers.
pub fn markdown() -> String {
    let mut out = String::new();
    for t in TABLES {
        out.push_str(&format!("`{}`: {}.\n\n", t.name, t.description));
        out.push_str("| column | type | unit |\n| --- | --- | --- |\n");
        for c in t.columns {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                c.name,
                c.kind.name(),
                c.unit
            ));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_declared_by_name_prefix_and_position() {
        let tenants = table("tenants").unwrap();
        let d = declared(tenants, "violation_steps_loss", 40, Some(0)).unwrap();
        assert_eq!((d.column.kind, d.resource), (Int, None));
        // a resource's column takes the longest prefix: self_harm_, not a shorter one
        let d = declared(tenants, "self_harm_network_in", 30, Some(0)).unwrap();
        assert_eq!(d.column.name, "self_harm_<r>");
        assert_eq!(d.resource, Some("network_in"));
        let d = declared(tenants, "failure_loss_cpu", 60, Some(0)).unwrap();
        assert_eq!(d.column.name, "failure_loss_<r>");
        assert!(declared(tenants, "spec_", 6, Some(0)).is_none());
        assert!(declared(tenants, "unknown", 6, Some(0)).is_none());
        // sweep.csv's swept keys are the columns before `model`
        let sweep = table("sweep").unwrap();
        let d = declared(sweep, "models.shared.fill_target", 0, Some(1)).unwrap();
        assert_eq!(
            (d.column.kind, d.column.unit),
            (Float, "the swept key's unit")
        );
        assert!(declared(sweep, "stray", 5, Some(1)).is_none());
        // the other tables have no swept keys
        assert!(declared(table("plan").unwrap(), "stray", 0, Some(1)).is_none());
    }

    #[test]
    fn every_declared_column_has_a_unit_and_a_unique_name() {
        for t in TABLES {
            for (i, c) in t.columns.iter().enumerate() {
                assert!(!c.unit.is_empty(), "{}.{}", t.name, c.name);
                assert!(
                    t.columns[..i].iter().all(|d| d.name != c.name),
                    "{}.{} twice",
                    t.name,
                    c.name
                );
            }
        }
    }

    #[test]
    fn the_docs_carry_the_declared_schema() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/outputs.md");
        let doc = std::fs::read_to_string(&path).unwrap();
        let (begin, end) = ("<!-- schema:begin -->\n", "<!-- schema:end -->");
        let at = doc.find(begin).expect("the begin marker") + begin.len();
        let to = doc.find(end).expect("the end marker");
        let want = markdown();
        if std::env::var_os("OVERBOOK_WRITE_DOCS").is_some() {
            let text = format!("{}{want}{}", &doc[..at], &doc[to..]);
            std::fs::write(&path, text).unwrap();
            return;
        }
        assert!(
            doc[at..to] == want,
            "docs/outputs.md does not carry the declared schema: run this test with OVERBOOK_WRITE_DOCS=1"
        );
    }
}
