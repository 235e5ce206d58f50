//! The end-to-end target's seeds: tiny scenarios (a trace, a traffic map with usage prices
//! and SLA credits, a generator) and their traces, also read by the limits' cases and the report's seeds. No checks here.

const TINY_MODELS: &str = r#"
[models.shared]
node_type = "large"
fill_target = 2.0
shards = 2
skew = 1.0
quota_factor = 1.5
isolation = "fair"
[models.fixed]
kind = "shared"
node_type = "small"
brokers = 2
placer = "dot-product"
warmup_seconds = 600
zones = ["a", "b"]
failover_seconds = 300
moves = { rate = 0.05, network = ["cpu"] }
backlog = true
[models.containerized]
node_type = "small"
request_ratio = 0.5
containers = 2
restart_seconds = 300
reschedule_seconds = 120
placer = "complementary-peaks"
predictor = "percentile(95)"
moves = { rate = 2, network = ["cpu"], network_scale = 0.5 }
rebalance = { high = 0.3, hold_steps = 1, target = 0.25, max_moves_per_step = 2 }
[models.dedicated]
headroom = 1.2
zones = ["a", "b", "c"]
[models.elastic]
kind = "elastic"
upper = 0.6
hold_steps = 1
delay_seconds = 300
cooldown_seconds = 0
zones = ["a", "b"]
[failures]
schedule = [{ node = 0, start = 300, duration_seconds = 600 }, { model = "fixed", zone = "b", start = 900, duration_seconds = 300 }]
[failures.random.small]
mtbf_hours = 1
mttr_hours = 0.2
distribution = "weibull"
shape = 1.5
"#;

fn tiny_scenario(resources: &str, nodes: &str, workload: &str) -> String {
    format!(
        r#"name = "tiny"
seed = 3
step_seconds = 300
{resources}
[[nodes]]
name = "small"
price_per_hour = 0.2
capacity = {{ {nodes} }}
[[nodes]]
name = "large"
price_per_hour = 0.7
capacity = {{ {nodes} }}
{workload}
[slo.standard]
max_loss = 0.01
max_latency_inflation = 2.0
[slo.gold]
max_loss = 0.001
max_lag_seconds = 600
[latency]
rho_max = 0.99
[cost]
allocation = "usage"
weights = {{ cpu = 1, memory = 0.5 }}
price = {{ cpu = 0.06, memory = 0.004 }}
[pricing]
target_margin = 0.3
[predict]
resource = "memory"
history = 12
min_samples = 2
predictors = ["limit", "n_sigma(3)", "max(rc_like(99), oracle(3600))", "per_node_percentile(95)"]
{TINY_MODELS}"#
    )
}

const TWO_RESOURCES: &str = "[[resources]]\nname = \"cpu\"\nunit = \"cores\"\n[[resources]]\nname = \"memory\"\nunit = \"GiB\"\nkind = \"incompressible\"\n";

pub(super) const TINY_TRACE: &[u8] = b"time,tenant,cpu,memory,spec_cpu,spec_memory,class,node
0,a,1.5,4,4,16,gold,n1
0,b,3,10,8,32,standard,n1
0,c,0.5,1,,,,n2
300,a,2,5,,,,n1
300,b,6,20,,,,n2
600,a,3.5,15,,,,n1
600,c,1,2,2,4,,n2
900,b,7,30,,,,n2
900,c,0.2,0.5,,,,n2
1200,a,4,16,,,,n1
1500,d,9,40,12,48,gold,n1
";

const TRAFFIC_TRACE: &[u8] = b"time,tenant,produce,consume,messages,partitions,retained,spec_produce,spec_consume,spec_messages,spec_partitions,spec_retained
0,a,10,20,1000,6,100,20,40,2000,6,200
0,b,1,2,100,3,10,2,4,200,3,20
300,a,12,25,1200,6,110,,,,,
600,b,3,1,50,3,12,,,,,
900,a,8,15,900,6,120,,,,,
";

pub(super) fn tiny_seeds() -> Vec<(Vec<u8>, Vec<u8>)> {
    let trace = tiny_scenario(
        TWO_RESOURCES,
        "cpu = 4, memory = 16",
        "[workload]\ntrace = \"tiny.csv\"\nhold_seconds = 600\ndefault_spec = { cpu = 2, memory = 8 }\n",
    );
    let traffic = tiny_scenario(
        &format!("{TWO_RESOURCES}[[resources]]\nname = \"network_in\"\n[[resources]]\nname = \"storage\"\nkind = \"incompressible\"\n"),
        "cpu = 4, memory = 16, network_in = 500, storage = 2000",
        "[workload]\ntrace = \"traffic.csv\"\n[workload.traffic]\nreplication = 3\n",
    )
    // billed: usage prices, SLA tiers on gold, periods of three steps, in euros
    .replace(
        "[pricing]",
        "currency = \"EUR\"\nbilling_days = 0.010416666666666666\n[cost.usage]\nin_per_gb = 0.05\nout_per_gb = 0.03\nretained_per_gb_month = 0.1\npartition_per_hour = 0.0015\n[pricing]",
    )
    .replace(
        "[slo.gold]\nmax_loss = 0.001",
        "[slo.gold]\nmax_loss = 0.001\nsla = [{ availability = 0.99, credit_rate = 0.25 }, { availability = 0.9, credit_rate = 1 }]",
    );
    let generator = tiny_scenario(
        TWO_RESOURCES,
        "cpu = 16, memory = 64",
        r#"[workload.generator]
days = 0.05
[[workload.generator.tenants]]
name = "g"
count = 4
class = "gold"
size = { dist = "lognormal", median = 1.5, sigma = 0.6 }
shape = { cpu = 1, memory = 4 }
mean_use = { dist = "beta", a = 2, b = 5 }
daily_amplitude = [0.3, 0.8]
timezones = [0, 8]
growth_per_day = 0.1
groups = 2
group_correlation = 0.5
bursts = { per_day = 20, height = { dist = "pareto", scale = 0.5, shape = 2 }, minutes = { dist = "exponential", mean = 20 } }
churn = { arrivals_per_day = 40, lifetime_days = { dist = "exponential", mean = 0.02 } }
[[workload.generator.tenants]]
name = "flat"
count = 2
mode = "gaussian"
sd = 0.1
size = { dist = "uniform", low = 1, high = 3 }
shape = { cpu = 1, memory = 2 }
flat = { memory = 1 }
"#,
    );
    vec![
        (trace.into_bytes(), TINY_TRACE.to_vec()),
        (traffic.into_bytes(), TRAFFIC_TRACE.to_vec()),
        (generator.into_bytes(), vec![]),
    ]
}
