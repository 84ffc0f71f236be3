//! The results: the table people read, the performance goals, and the JSON.

use std::fmt::Write;
use std::time::Duration;

use serde::Serialize;

use crate::methods::MethodResult;
use crate::{Config, Method, Row, expected_nansum};

/// The whole run, as the JSON file holds it.
#[derive(Serialize)]
pub struct Run {
    /// Records per method.
    pub rows: usize,
    /// Bytes per record.
    pub record_bytes: usize,
    /// `rows * record_bytes`.
    pub data_bytes: usize,
    /// Workers per method.
    pub workers: usize,
    /// How many rounds every method ran; each method's figures are those of its median round.
    pub repeat: usize,
    /// The answer every worker must find.
    pub expected_nansum: f64,
    /// Where it ran.
    pub machine: Machine,
    /// One entry per method, in the order they ran.
    pub methods: Vec<MethodJson>,
    /// The performance goals that apply to the methods run, with what was measured.
    pub goals: Vec<Goal>,
}

/// Where the run happened.
#[derive(Serialize)]
pub struct Machine {
    /// CPUs available to this process.
    pub cpus: usize,
    /// `uname -r`.
    pub kernel: String,
    /// `MemTotal` of `/proc/meminfo`.
    pub memory_bytes: Option<u64>,
    /// The first `model name` of `/proc/cpuinfo`.
    pub cpu_model: Option<String>,
}

/// One method's results.
#[derive(Serialize)]
pub struct MethodJson {
    /// `shm`, `copy`, `threads` or `python`.
    pub method: Method,
    /// Seconds to get the records to where the workers can use them.
    pub setup_s: f64,
    /// Seconds from starting the first worker to the last result.
    pub workers_s: f64,
    /// `setup_s + workers_s`.
    pub total_s: f64,
    /// The slowest worker's attach time (0 for threads).
    pub attach_s_max: f64,
    /// The slowest worker's scan time.
    pub scan_s_max: f64,
    /// The largest private memory (USS) of a worker process; null for threads.
    pub worker_private_bytes_max: Option<u64>,
    /// The largest PSS of a worker process; null for threads.
    pub worker_pss_bytes_max: Option<u64>,
    /// The largest RSS of a worker process; null for threads.
    pub worker_rss_bytes_max: Option<u64>,
    /// The nansum every worker found.
    pub nansum: f64,
    /// `processes` or `threads`.
    pub workers_are: &'static str,
    /// For threads: this one process's private memory, which holds the records for every thread.
    pub process_private_bytes: Option<u64>,
    /// For threads: this process's PSS.
    pub process_pss_bytes: Option<u64>,
    /// For threads: this process's RSS.
    pub process_rss_bytes: Option<u64>,
    /// For worker processes: the parent's private memory (USS), measured with every worker's
    /// after the last report, while all of them held the records; null for threads and python.
    pub parent_private_bytes: Option<u64>,
    /// The parent's PSS at the same moment.
    pub parent_pss_bytes: Option<u64>,
    /// The parent's RSS at the same moment.
    pub parent_rss_bytes: Option<u64>,
    /// The memory of all the processes of the method together: the parent's PSS plus every
    /// worker's, measured at the same moment (for threads: the one process's PSS). PSS splits a
    /// shared page between the processes that map it, so this counts every page once: about the
    /// data once for shm, once per process for copy. Null for python, whose workers exit as soon
    /// as they have reported.
    pub all_processes_pss_bytes: Option<u64>,
    /// For shm and python: the segment's name (removed at the end of the method).
    pub segment: Option<String>,
    /// For copy: the pipe buffer size used, in bytes.
    pub pipe_buffer_bytes: Option<usize>,
    /// Every worker's report.
    pub per_worker: Vec<WorkerJson>,
    /// The total of every round of this method, in the order they ran; the figures above are
    /// those of the median round.
    pub rounds_total_s: Vec<f64>,
}

/// One worker's report; memory is null for threads.
#[derive(Serialize)]
pub struct WorkerJson {
    /// The index.
    pub worker: usize,
    /// Its nansum.
    pub nansum: f64,
    /// Seconds to open the segment or receive the copy.
    pub attach_s: f64,
    /// Seconds to scan.
    pub scan_s: f64,
    /// USS in bytes.
    pub private_bytes: Option<u64>,
    /// PSS in bytes.
    pub pss_bytes: Option<u64>,
    /// RSS in bytes.
    pub rss_bytes: Option<u64>,
    /// PSS in bytes measured by the parent with every other process of the method (see
    /// `all_processes_pss_bytes`); null for threads and python.
    pub snapshot_pss_bytes: Option<u64>,
}

/// A performance goal and how this run did.
#[derive(Serialize)]
pub struct Goal {
    /// What is compared, as the text shows it.
    pub what: String,
    /// The measured value (a ratio, or MiB).
    pub measured: f64,
    /// `<=` or `>=`.
    pub op: &'static str,
    /// The bound.
    pub bound: f64,
    /// `x` (a ratio) or `MiB`.
    pub unit: &'static str,
    /// What the bound stands for, when it is not a fixed number.
    pub bound_is: Option<&'static str>,
    /// Whether the goal was met.
    pub met: bool,
}

const MIB: f64 = 1024.0 * 1024.0;

impl MethodJson {
    fn new(result: &MethodResult, rounds_total_s: Vec<f64>) -> MethodJson {
        let reports = || {
            result
                .reports
                .iter()
                .filter(|w| w.has_memory)
                .map(|w| &w.report)
        };
        let max = |f: fn(&crate::worker::WorkerReport) -> u64| reports().map(f).max();
        let snapshot = result.snapshot.as_ref();
        let setup_s = result.setup.as_secs_f64();
        let workers_s = result.workers.as_secs_f64();
        MethodJson {
            method: result.method,
            setup_s,
            workers_s,
            total_s: setup_s + workers_s,
            attach_s_max: result
                .reports
                .iter()
                .map(|w| w.report.attach_s)
                .fold(0.0, f64::max),
            scan_s_max: result
                .reports
                .iter()
                .map(|w| w.report.scan_s)
                .fold(0.0, f64::max),
            worker_private_bytes_max: max(|r| r.private_bytes),
            worker_pss_bytes_max: max(|r| r.pss_bytes),
            worker_rss_bytes_max: max(|r| r.rss_bytes),
            nansum: result.reports.first().map_or(f64::NAN, |w| w.report.nansum),
            workers_are: if result.method == Method::Threads {
                "threads"
            } else {
                "processes"
            },
            process_private_bytes: result.process_memory.map(|m| m.private_bytes),
            process_pss_bytes: result.process_memory.map(|m| m.pss_bytes),
            process_rss_bytes: result.process_memory.map(|m| m.rss_bytes),
            parent_private_bytes: snapshot.map(|s| s.parent.private_bytes),
            parent_pss_bytes: snapshot.map(|s| s.parent.pss_bytes),
            parent_rss_bytes: snapshot.map(|s| s.parent.rss_bytes),
            all_processes_pss_bytes: match (snapshot, result.process_memory) {
                (Some(s), _) => Some(s.total_pss_bytes()),
                (None, Some(process)) => Some(process.pss_bytes),
                (None, None) => None,
            },
            segment: result.segment.clone(),
            pipe_buffer_bytes: result.pipe_buffer_bytes,
            per_worker: result
                .reports
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let memory = |v: u64| w.has_memory.then_some(v);
                    WorkerJson {
                        worker: w.report.worker,
                        nansum: w.report.nansum,
                        attach_s: w.report.attach_s,
                        scan_s: w.report.scan_s,
                        private_bytes: memory(w.report.private_bytes),
                        pss_bytes: memory(w.report.pss_bytes),
                        rss_bytes: memory(w.report.rss_bytes),
                        snapshot_pss_bytes: snapshot
                            .and_then(|s| s.workers.get(i))
                            .map(|m| m.pss_bytes),
                    }
                })
                .collect(),
            rounds_total_s,
        }
    }

    /// The slowest worker's attach + scan.
    pub fn attach_and_scan_s_max(&self) -> f64 {
        self.per_worker
            .iter()
            .map(|w| w.attach_s + w.scan_s)
            .fold(0.0, f64::max)
    }
}

impl Run {
    /// Gathers the results of a run.
    ///
    /// `rounds` holds, per method, the results of every round in the order they ran; each
    /// method is reported by its median round (by total time), a run that really happened.
    pub fn new(config: &Config, cpus: usize, rounds: Vec<Vec<MethodResult>>) -> Run {
        let repeat = rounds.first().map_or(0, Vec::len);
        let methods: Vec<MethodJson> = rounds
            .iter()
            .map(|results| {
                let total = |r: &MethodResult| (r.setup + r.workers).as_secs_f64();
                let totals: Vec<f64> = results.iter().map(total).collect();
                let mut order: Vec<&MethodResult> = results.iter().collect();
                order.sort_by(|a, b| total(a).total_cmp(&total(b)));
                MethodJson::new(order[order.len() / 2], totals)
            })
            .collect();
        let data_bytes = config.rows * size_of::<Row>();
        let goals = goals(&methods, data_bytes);
        Run {
            rows: config.rows,
            record_bytes: size_of::<Row>(),
            data_bytes,
            workers: config.workers,
            repeat,
            expected_nansum: expected_nansum(config.rows),
            machine: Machine::this_one(cpus),
            methods,
            goals,
        }
    }

    fn method(&self, method: Method) -> Option<&MethodJson> {
        self.methods.iter().find(|m| m.method == method)
    }

    /// Two lines that say what was run, and where.
    pub fn headline(&self) -> String {
        format!(
            "{} rows ({}), {} worker(s), {}\nLinux {}, {} CPU(s){}{}",
            thousands(self.rows as u64),
            megabytes(self.data_bytes as u64),
            self.workers,
            if self.repeat == 1 {
                "1 round".to_string()
            } else {
                format!("median of {} rounds", self.repeat)
            },
            self.machine.kernel,
            self.machine.cpus,
            self.machine
                .cpu_model
                .as_ref()
                .map_or(String::new(), |m| format!(" ({m})")),
            self.machine.memory_bytes.map_or(String::new(), |b| format!(
                ", {:.1} GiB",
                b as f64 / MIB / 1024.0
            )),
        )
    }

    /// The table, for people.
    pub fn table(&self) -> String {
        let header = [
            "method",
            "setup",
            "workers",
            "total",
            "worker private max",
            "all processes",
            "nansum",
        ];
        let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
        for m in &self.methods {
            let memory = |bytes: Option<u64>| bytes.map_or("-".to_string(), mib);
            rows.push(vec![
                m.method.name().to_string(),
                seconds_text(m.setup_s),
                seconds_text(m.workers_s),
                seconds_text(m.total_s),
                memory(m.worker_private_bytes_max),
                memory(m.all_processes_pss_bytes),
                format!("{}", m.nansum),
            ]);
        }
        let widths: Vec<usize> = (0..header.len())
            .map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0))
            .collect();
        let mut out = format!("\n{}\n\n", self.headline());
        for row in &rows {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                if c == 0 {
                    let _ = write!(line, "{cell:<w$}", w = widths[c]);
                } else {
                    let _ = write!(line, "  {cell:>w$}", w = widths[c]);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        if self
            .methods
            .iter()
            .any(|m| m.all_processes_pss_bytes.is_some())
        {
            out.push_str(
                "(all processes: the PSS of the parent and all its workers, measured together)\n",
            );
        }
        if let Some(threads) = self.method(Method::Threads) {
            if let Some(private) = threads.process_private_bytes {
                let _ = writeln!(
                    out,
                    "(threads: one process holds the records once for all its threads: {} private)",
                    mib(private)
                );
            }
        }
        out
    }

    /// The goals, one line each, with the ratios measured.
    pub fn goals_text(&self) -> String {
        if self.goals.is_empty() {
            return String::new();
        }
        let mut out = String::from("\nperformance goals");
        if self.rows != 10_000_000 || self.workers != 2 {
            out.push_str(" (set for 10,000,000 rows and 2 workers; this run differs)");
        }
        out.push_str(":\n");
        let width = self.goals.iter().map(|g| g.what.len()).max().unwrap_or(0);
        for g in &self.goals {
            let (value, bound) = match g.unit {
                "x" => (format!("{:.2}x", g.measured), format!("{}x", g.bound)),
                _ => (
                    format!("{:.1} {}", g.measured, g.unit),
                    format!("{:.1} {}", g.bound, g.unit),
                ),
            };
            let bound = match g.bound_is {
                Some(meaning) => format!("{bound}, {meaning}"),
                None => bound,
            };
            let _ = writeln!(
                out,
                "  {:<width$} = {value} (goal {} {bound}): {}",
                g.what,
                g.op,
                if g.met { "met" } else { "MISSED" }
            );
        }
        out
    }
}

fn goals(methods: &[MethodJson], data_bytes: usize) -> Vec<Goal> {
    let find = |method| methods.iter().find(|m| m.method == method);
    let mut goals = Vec::new();
    let mut goal = |what: &str, measured: f64, op: &'static str, bound: f64, unit| {
        let met = match op {
            "<=" => measured <= bound,
            _ => measured >= bound,
        };
        goals.push(Goal {
            what: what.to_string(),
            measured,
            op,
            bound,
            unit,
            bound_is: None,
            met,
        });
    };
    let (shm, copy, threads) = (find(Method::Shm), find(Method::Copy), find(Method::Threads));
    if let (Some(shm), Some(threads)) = (shm, threads) {
        goal(
            "shm setup / threads setup",
            shm.setup_s / threads.setup_s,
            "<=",
            1.7,
            "x",
        );
        goal(
            "shm worker attach+scan / threads worker scan",
            shm.attach_and_scan_s_max() / threads.scan_s_max,
            "<=",
            2.0,
            "x",
        );
    }
    if let (Some(shm), Some(copy)) = (shm, copy) {
        goal(
            "copy total / shm total",
            copy.total_s / shm.total_s,
            ">=",
            2.0,
            "x",
        );
    }
    if let Some(private) = shm.and_then(|m| m.worker_private_bytes_max) {
        goal("shm worker private", private as f64 / MIB, "<=", 2.0, "MiB");
    }
    let sealed = find(Method::Sealed);
    if let (Some(sealed), Some(shm)) = (sealed, shm) {
        goal(
            "sealed total / shm total",
            sealed.total_s / shm.total_s,
            "<=",
            1.15,
            "x",
        );
    }
    if let Some(private) = sealed.and_then(|m| m.worker_private_bytes_max) {
        goal(
            "sealed worker private",
            private as f64 / MIB,
            "<=",
            2.0,
            "MiB",
        );
    }
    if let Some(private) = copy.and_then(|m| m.worker_private_bytes_max) {
        goal(
            "copy worker private",
            private as f64 / MIB,
            ">=",
            data_bytes as f64 / MIB,
            "MiB",
        );
        if let Some(last) = goals.last_mut() {
            last.bound_is = Some("the data size");
        }
    }
    goals
}

impl Machine {
    fn this_one(cpus: usize) -> Machine {
        let read = |path| std::fs::read_to_string(path).ok();
        let field = |text: &str, key: &str| {
            text.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        };
        Machine {
            cpus,
            kernel: read("/proc/sys/kernel/osrelease")
                .map_or_else(|| "unknown".into(), |k| k.trim().to_string()),
            memory_bytes: read("/proc/meminfo")
                .and_then(|t| field(&t, "MemTotal"))
                .and_then(|v| v.trim_end_matches("kB").trim().parse::<u64>().ok())
                .map(|kib| kib * 1024),
            cpu_model: read("/proc/cpuinfo").and_then(|t| field(&t, "model name")),
        }
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Bytes as decimal megabytes, as the seed counts its 240 MB.
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Bytes as MiB.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB)
}

/// A duration in milliseconds.
pub fn millis(d: Duration) -> String {
    seconds_text(d.as_secs_f64())
}

fn seconds_text(s: f64) -> String {
    format!("{:.1} ms", s * 1e3)
}
