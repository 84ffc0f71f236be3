//! The methods: how the records get to the workers, and how the workers are run, timed and
//! checked.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use shmsafe::{SealedArray, SharedArray};

use crate::worker::{Memory, ROLE, WorkerReport};
use crate::{Config, Fault, Method, Row, expected_nansum, interrupt, nansum, row};

/// What one method measured.
pub struct MethodResult {
    /// Which method.
    pub method: Method,
    /// Getting the records to where the workers can use them.
    pub setup: Duration,
    /// From starting the first worker to the last result.
    pub workers: Duration,
    /// One per worker, in index order; every `nansum` is the right answer.
    pub reports: Vec<WorkerResult>,
    /// For `threads`: the memory of this process, which holds the records for all the threads.
    pub process_memory: Option<Memory>,
    /// For `shm` and `python`: the segment's name (removed by now).
    pub segment: Option<String>,
    /// For `copy`: the pipe buffer size, in bytes, if it could be raised.
    pub pipe_buffer_bytes: Option<usize>,
    /// For worker processes written in Rust: the memory of the parent and of every worker,
    /// measured together after the last report, while every worker still held the records.
    pub snapshot: Option<Snapshot>,
}

/// The memory of all the processes of a method at one moment: after every worker has reported
/// and before any lets go of the records. PSS charges each shared page to the processes that map
/// it in equal parts, so the PSS of all of them, added up, counts every page once.
pub struct Snapshot {
    /// The parent: this process.
    pub parent: Memory,
    /// The workers, in index order.
    pub workers: Vec<Memory>,
}

impl Snapshot {
    /// The PSS of the parent and every worker, added up: the memory all of them use together.
    pub fn total_pss_bytes(&self) -> u64 {
        self.parent.pss_bytes + self.workers.iter().map(|w| w.pss_bytes).sum::<u64>()
    }
}

/// One worker's result. Threads have no memory of their own to report.
pub struct WorkerResult {
    /// The worker's report (for threads: `attach_s` is 0 and the memory fields are unused).
    pub report: WorkerReport,
    /// Whether the memory fields of `report` were measured (false for threads).
    pub has_memory: bool,
}

/// Runs one method with `config.workers` workers.
pub fn run(method: Method, config: &Config) -> Result<MethodResult, String> {
    match method {
        Method::Shm | Method::Python => shared(method, config),
        Method::Sealed => sealed(config),
        Method::Copy => copy(config),
        Method::Threads => threads(config),
    }
}

fn shared(method: Method, config: &Config) -> Result<MethodResult, String> {
    let log = config.log;
    let workers = config.workers;
    log.say(format_args!(
        "{method}: creating a segment and filling it with {workers} thread(s)"
    ));
    // ANCHOR: shm_setup
    let started = Instant::now();
    let mut writer = SharedArray::<Row>::writer(config.rows)
        .map_err(|e| format!("{method}: could not create the segment: {e}"))?;
    interrupt::segment_created(writer.name());
    writer.fill_parallel(workers, row);
    let array = writer.publish();
    let setup = started.elapsed();
    // ANCHOR_END: shm_setup
    let name = array.name().to_owned();
    log.say(format_args!(
        "{method}: segment {name} ({} bytes) ready in {}",
        array.segment_len(),
        crate::report::millis(setup)
    ));

    let commands = (0..workers)
        .map(|i| match method {
            Method::Python => {
                let mut command = Command::new(&config.python);
                command
                    .arg(python_script())
                    .arg("--handoff")
                    .arg(array.numpy_handoff())
                    .arg("--worker")
                    .arg(i.to_string());
                Ok(command)
            }
            _ => {
                let mut command = this_program()?;
                command.args(["shm", "--index", &i.to_string(), "--name", &name]);
                add_fault(&mut command, config, i);
                Ok(command)
            }
        })
        .collect::<Result<Vec<_>, String>>()?;
    let removed = format!(" and {name} removed");
    run_sharing_workers(method, config, setup, commands, name, &removed, || {
        drop(array);
        interrupt::segment_removed();
    })
}

/// Runs the worker processes of a method whose parent shares the records with them (`target`
/// is what the workers open), releases the records once every worker is done (`release`, which
/// `released` describes for messages, such as " and shmsafe_... removed"), and reports.
fn run_sharing_workers(
    method: Method,
    config: &Config,
    setup: Duration,
    commands: Vec<Command>,
    target: String,
    released: &str,
    release: impl FnOnce(),
) -> Result<MethodResult, String> {
    let (log, workers) = (config.log, config.workers);
    log.say(format_args!(
        "{method}: starting {workers} worker process(es); each opens {target} and scans it"
    ));
    let outcome = run_processes(config, method, commands, None);
    release();
    let (elapsed, reports, snapshot) =
        outcome.map_err(|e| format!("{e}; the other workers were stopped{released}"))?;
    log.say(format_args!(
        "{method}: {workers} worker(s) done in {}{released}",
        crate::report::millis(elapsed)
    ));
    Ok(MethodResult {
        method,
        setup,
        workers: elapsed,
        reports: with_memory(reports),
        process_memory: None,
        segment: Some(target),
        pipe_buffer_bytes: None,
        snapshot,
    })
}

/// The records in a sealed memfd, filled like `shared`'s segment, then sealed; the
/// workers open its handle with `SealedArray::open`, which needs no `unsafe`.
fn sealed(config: &Config) -> Result<MethodResult, String> {
    let method = Method::Sealed;
    let log = config.log;
    let workers = config.workers;
    log.say(format_args!(
        "{method}: creating a memfd, filling it with {workers} thread(s), sealing it"
    ));
    // ANCHOR: sealed_setup
    let started = Instant::now();
    let mut writer = SealedArray::<Row>::writer(config.rows)
        .map_err(|e| format!("{method}: could not create the memfd: {e}"))?;
    writer.fill_parallel(workers, row);
    let array = writer
        .seal()
        .map_err(|e| format!("{method}: could not seal the memfd: {e}"))?;
    let setup = started.elapsed();
    // ANCHOR_END: sealed_setup
    let handle = array.handle().to_owned();
    log.say(format_args!(
        "{method}: {handle} ({} bytes) sealed in {}",
        array.segment_len(),
        crate::report::millis(setup)
    ));
    let commands = (0..workers)
        .map(|i| {
            let mut command = this_program()?;
            command.args(["sealed", "--index", &i.to_string(), "--handle", &handle]);
            add_fault(&mut command, config, i);
            Ok(command)
        })
        .collect::<Result<Vec<_>, String>>()?;
    // Nothing to remove: the memory is freed when the last holder is gone.
    run_sharing_workers(method, config, setup, commands, handle, "", || drop(array))
}

/// Builds the records in a `Vec` exactly as `shared` fills a segment.
fn build_vec(config: &Config) -> Vec<Row> {
    let mut rows: Vec<Row> = shmsafe::zeroed_vec(config.rows);
    shmsafe::fill_parallel(&mut rows, config.workers, row);
    rows
}

fn copy(config: &Config) -> Result<MethodResult, String> {
    let log = config.log;
    let workers = config.workers;
    log.say(format_args!(
        "copy: building the records in a Vec with {workers} thread(s)"
    ));
    let started = Instant::now();
    let rows = build_vec(config);
    let setup = started.elapsed();
    let bytes = shmsafe::slice_as_bytes(&rows);
    log.say(format_args!(
        "copy: built in {}; starting {workers} worker process(es) and sending each all {} bytes \
         through a pipe",
        crate::report::millis(setup),
        bytes.len()
    ));
    let commands = (0..workers)
        .map(|i| {
            let mut command = this_program()?;
            command.args([
                "copy",
                "--index",
                &i.to_string(),
                "--rows",
                &config.rows.to_string(),
            ]);
            add_fault(&mut command, config, i);
            Ok(command)
        })
        .collect::<Result<Vec<_>, String>>()?;
    let mut pipe_buffer_bytes = None;
    let (elapsed, reports, snapshot) = run_processes(
        config,
        Method::Copy,
        commands,
        Some((bytes, &mut pipe_buffer_bytes)),
    )
    .map_err(|e| format!("{e}; the other workers were stopped"))?;
    log.say(format_args!(
        "copy: {workers} worker(s) done in {}",
        crate::report::millis(elapsed)
    ));
    drop(rows);
    release_heap();
    Ok(MethodResult {
        method: Method::Copy,
        setup,
        workers: elapsed,
        reports: with_memory(reports),
        process_memory: None,
        segment: None,
        pipe_buffer_bytes,
        snapshot,
    })
}

fn threads(config: &Config) -> Result<MethodResult, String> {
    let log = config.log;
    let workers = config.workers;
    log.say(format_args!(
        "threads: building the records in a Vec with {workers} thread(s)"
    ));
    let started = Instant::now();
    let rows = build_vec(config);
    let setup = started.elapsed();
    log.say(format_args!(
        "threads: built in {}; {workers} thread(s) scan it",
        crate::report::millis(setup)
    ));
    // ANCHOR: threads
    let started = Instant::now();
    let results: Vec<thread::Result<(f64, Duration)>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let scan_start = Instant::now();
                    let sum = nansum(&rows);
                    (sum, scan_start.elapsed())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    let elapsed = started.elapsed();
    // ANCHOR_END: threads
    let process_memory = Memory::of_this_process()?;
    drop(rows);
    release_heap();
    let expected = expected_nansum(config.rows);
    let mut reports = Vec::new();
    for (worker, result) in results.into_iter().enumerate() {
        let (sum, scan) =
            result.map_err(|_| format!("thread {worker} of method threads panicked"))?;
        if sum != expected {
            return Err(wrong_sum(Method::Threads, worker, sum, expected));
        }
        reports.push(WorkerResult {
            report: WorkerReport {
                worker,
                nansum: sum,
                attach_s: 0.0,
                scan_s: scan.as_secs_f64(),
                private_bytes: 0,
                pss_bytes: 0,
                rss_bytes: 0,
            },
            has_memory: false,
        });
    }
    log.say(format_args!(
        "threads: {workers} thread(s) done in {}",
        crate::report::millis(elapsed)
    ));
    Ok(MethodResult {
        method: Method::Threads,
        setup,
        workers: elapsed,
        reports,
        process_memory: Some(process_memory),
        segment: None,
        pipe_buffer_bytes: None,
        snapshot: None,
    })
}

/// Gives the memory of a freed `Vec` back to the OS, so that the next method's parent does not
/// carry it. (glibc keeps a freed allocation of up to 32 MiB in its heap, and the parent of the
/// next method would be measured holding it.)
fn release_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only returns free memory of the allocator to the OS; no live
    // allocation is touched.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn with_memory(reports: Vec<WorkerReport>) -> Vec<WorkerResult> {
    reports
        .into_iter()
        .map(|report| WorkerResult {
            report,
            has_memory: true,
        })
        .collect()
}

fn wrong_sum(method: Method, worker: usize, found: f64, expected: f64) -> String {
    format!(
        "worker {worker} of method {method} returned nansum {found}, but the answer is {expected}: \
         the run is wrong"
    )
}

/// This program again, in the worker role.
fn this_program() -> Result<Command, String> {
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find this program's executable to start workers: {e}"))?;
    let mut command = Command::new(exe);
    command.arg(ROLE);
    Ok(command)
}

/// The last worker of a run misbehaves when asked to.
fn add_fault(command: &mut Command, config: &Config, worker: usize) {
    if let Some(fault) = config.fault {
        if worker + 1 == config.workers {
            let name = match fault {
                Fault::Crash => "crash",
                Fault::Hang => "hang",
                Fault::Wrong => "wrong",
            };
            command.args(["--fault", name]);
        }
    }
}

/// The Python worker, found from this crate's directory.
pub fn python_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/python/nansum_worker.py")
}

/// Checks, before anything is built, that `--method python` can run: the script exists, and
/// `python` runs and imports numpy.
pub fn check_python(python: &Path) -> Result<(), String> {
    let py = python.display();
    let venv = "python3 -m venv .venv && .venv/bin/pip install numpy";
    let output = Command::new(python)
        .args(["-c", "import numpy"])
        .stdin(Stdio::null())
        .output();
    match output {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
            "--method python: the interpreter `{py}` was not found. Install Python 3 (on Debian \
             or Ubuntu: `apt-get install python3 python3-venv`), then numpy: `{venv}`, and run \
             with `--python .venv/bin/python`; or pass --python PATH to a Python that has numpy"
        )),
        Err(e) => Err(format!("--method python: could not run `{py}`: {e}")),
        Ok(out) if !out.status.success() => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let why = stderr.lines().last().unwrap_or("no message");
            Err(format!(
                "--method python: `{py}` cannot import numpy ({why}). Install numpy for it: \
                 `{py} -m pip install numpy`, or in a virtual environment: `{venv}`, then run \
                 with `--python .venv/bin/python`"
            ))
        }
        Ok(_) => {
            let script = python_script();
            if script.is_file() {
                Ok(())
            } else {
                Err(format!(
                    "--method python needs the Python worker {}, which does not exist; restore \
                     it (it is part of this repository) or leave python out of --method",
                    script.display()
                ))
            }
        }
    }
}

/// What a worker's stdout gave: its report line, or nothing (it closed stdout without one).
struct Event {
    worker: usize,
    at: Instant,
    line: Option<String>,
}

/// Starts the worker processes, feeds each the same bytes on stdin if asked, and collects their
/// reports. Returns the time from the first start to the last report, the reports in index order
/// and, for Rust workers, the memory of every process measured together. On any failure every
/// worker is killed and reaped before this returns.
///
/// A Rust worker keeps its records after reporting until its stdin closes: this function holds
/// every worker's stdin open (a duplicate of it, when the bytes are sent on it) until it has
/// measured them all. Python workers exit when they have reported; they are not measured again.
fn run_processes(
    config: &Config,
    method: Method,
    commands: Vec<Command>,
    feed: Option<(&[u8], &mut Option<usize>)>,
) -> Result<(Duration, Vec<WorkerReport>, Option<Snapshot>), String> {
    let hold = method != Method::Python;
    let expected = expected_nansum(config.rows);
    let (bytes, pipe_size) = match feed {
        Some((bytes, size)) => (Some(bytes), Some(size)),
        None => (None, None),
    };
    let mut children: Vec<Child> = Vec::with_capacity(commands.len());
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    let deadline = started + config.timeout;
    thread::scope(|scope| {
        let attempt = || {
            let mut raised = None;
            // What keeps each held worker's stdin open until the snapshot.
            let mut holds: Vec<OwnedFd> = Vec::new();
            for (i, mut command) in commands.into_iter().enumerate() {
                command
                    .stdin(if bytes.is_some() || hold {
                        Stdio::piped()
                    } else {
                        Stdio::null()
                    })
                    .stdout(Stdio::piped());
                let mut child = command.spawn().map_err(|e| {
                    format!(
                        "worker {i} of method {method} could not be started ({}): {e}",
                        command.get_program().to_string_lossy()
                    )
                })?;
                interrupt::child_started(child.id());
                let stdout = child.stdout.take().expect("stdout is piped");
                let input = child.stdin.take();
                children.push(child);
                let tx = tx.clone();
                scope.spawn(move || read_report(i, stdout, &tx));
                match (bytes, input) {
                    (Some(bytes), Some(input)) => {
                        raised = raise_pipe_buffer(&input);
                        if hold {
                            let copy = input.as_fd().try_clone_to_owned().map_err(|e| {
                                format!("could not duplicate worker {i}'s stdin: {e}")
                            })?;
                            holds.push(copy);
                        }
                        scope.spawn(move || send(input, bytes));
                    }
                    (None, Some(input)) => holds.push(input.into()),
                    _ => {}
                }
            }
            if let Some(size) = pipe_size {
                *size = raised;
            }
            let (elapsed, reports) =
                collect(method, &rx, &mut children, started, deadline, expected)?;
            // A worker that did not wait (it does not read its stdin to the end) has exited by
            // now: the run goes on, without the memory of all processes.
            let snapshot = if hold {
                snapshot(method, &children)
                    .map_err(|e| {
                        config.log.say(format_args!(
                            "{method}: {e}; the memory of all processes is not reported"
                        ))
                    })
                    .ok()
            } else {
                None
            };
            // Every worker now sees its stdin close, lets go of its records and exits.
            drop(holds);
            finish(method, &mut children, deadline)?;
            Ok((elapsed, reports, snapshot))
        };
        let outcome = attempt();
        if outcome.is_err() {
            stop(&mut children);
        }
        outcome
    })
}

/// Measures this process and every worker, which are all holding the records.
fn snapshot(method: Method, children: &[Child]) -> Result<Snapshot, String> {
    let parent = Memory::of_this_process()?;
    let workers = children
        .iter()
        .enumerate()
        .map(|(i, child)| {
            Memory::of_process(child.id())
                .map_err(|e| format!("could not measure worker {i} of method {method}: {e}"))
        })
        .collect::<Result<_, _>>()?;
    Ok(Snapshot { parent, workers })
}

/// Waits for one report per worker, checking each as it comes.
fn collect(
    method: Method,
    rx: &mpsc::Receiver<Event>,
    children: &mut [Child],
    started: Instant,
    deadline: Instant,
    expected: f64,
) -> Result<(Duration, Vec<WorkerReport>), String> {
    let mut reports: Vec<Option<WorkerReport>> = vec![None; children.len()];
    let mut last = started;
    for _ in 0..children.len() {
        let event = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .map_err(|_| {
                let missing: Vec<String> = (0..reports.len())
                    .filter(|&i| reports[i].is_none())
                    .map(|i| i.to_string())
                    .collect();
                format!(
                    "worker {} of method {method} reported nothing within {} s (--timeout): it \
                     hung and was killed",
                    missing.join(", "),
                    (deadline - started).as_secs_f64()
                )
            })?;
        let i = event.worker;
        let Some(line) = event.line else {
            // It closed its stdout without a report: it has exited, or is exiting.
            let status = wait_until(&mut children[i], deadline);
            return Err(match status {
                Some(status) => died(method, i, status, "before reporting a result"),
                None => format!(
                    "worker {i} of method {method} closed its output without a report and did \
                     not exit within the timeout: it was killed"
                ),
            });
        };
        let line = line.trim_end();
        let report: WorkerReport = serde_json::from_str(line).map_err(|e| {
            format!(
                "worker {i} of method {method} sent `{line}` instead of its one-line JSON \
                 report: {e}"
            )
        })?;
        if report.worker != i {
            return Err(format!(
                "worker {i} of method {method} reported itself as worker {}",
                report.worker
            ));
        }
        if report.nansum != expected {
            return Err(wrong_sum(method, i, report.nansum, expected));
        }
        last = last.max(event.at);
        reports[i] = Some(report);
    }
    let reports = reports
        .into_iter()
        .map(|r| r.expect("one event per worker"))
        .collect();
    Ok((last - started, reports))
}

/// Reaps every worker after its report; each must exit successfully.
fn finish(method: Method, children: &mut [Child], deadline: Instant) -> Result<(), String> {
    for (i, child) in children.iter_mut().enumerate() {
        match wait_until(child, deadline) {
            Some(status) if status.success() => {}
            Some(status) => return Err(died(method, i, status, "after reporting")),
            None => {
                return Err(format!(
                    "worker {i} of method {method} reported but did not exit within the timeout: \
                     it was killed"
                ));
            }
        }
    }
    Ok(())
}

/// Waits for `child` until `deadline`; past it, kills it and returns `None`.
fn wait_until(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            interrupt::child_finished(child.id());
            return Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            interrupt::child_finished(child.id());
            let _ = child.wait();
            return None;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// Kills and reaps every worker (those already reaped are left as they are).
fn stop(children: &mut [Child]) {
    for child in children.iter_mut() {
        if let Ok(None) = child.try_wait() {
            let _ = child.kill();
        }
        interrupt::child_finished(child.id());
        let _ = child.wait();
    }
}

fn died(method: Method, worker: usize, status: ExitStatus, when: &str) -> String {
    match (status.signal(), status.code()) {
        (Some(signal), _) => format!(
            "worker {worker} of method {method} crashed {when}: it was killed by signal \
             {signal} ({})",
            signal_name(signal)
        ),
        (None, Some(code)) => format!(
            "worker {worker} of method {method} failed {when}: it exited with status {code} (its \
             error, if it printed one, is above)"
        ),
        (None, None) => format!("worker {worker} of method {method} ended {when}: {status}"),
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGABRT => "SIGABRT, an abort",
        libc::SIGSEGV => "SIGSEGV, an invalid memory access",
        libc::SIGBUS => "SIGBUS, a bus error",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        libc::SIGILL => "SIGILL, an illegal instruction",
        libc::SIGFPE => "SIGFPE, an arithmetic error",
        _ => "a signal",
    }
}

/// Reads a worker's first line, then drains its stdout so that it never blocks writing.
fn read_report(worker: usize, stdout: ChildStdout, tx: &mpsc::Sender<Event>) {
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    let line = match reader.read_line(&mut line) {
        Ok(n) if n > 0 && line.ends_with('\n') => Some(line),
        _ => None,
    };
    let at = Instant::now();
    let _ = tx.send(Event { worker, at, line });
    let _ = std::io::copy(&mut reader, &mut std::io::sink());
}

// ANCHOR: send
/// Raises the pipe's buffer to the system's maximum for unprivileged processes
/// (`/proc/sys/fs/pipe-max-size`, usually 1 MiB): fewer, larger transfers. Returns the new size.
fn raise_pipe_buffer(input: &ChildStdin) -> Option<usize> {
    let max = std::fs::read_to_string("/proc/sys/fs/pipe-max-size").ok()?;
    let max: libc::c_int = max.trim().parse().ok()?;
    // SAFETY: `F_SETPIPE_SZ` takes an integer argument and reads or writes no memory of ours;
    // the descriptor is the write end of the pipe that `input` owns during the call.
    let size = unsafe { libc::fcntl(input.as_raw_fd(), libc::F_SETPIPE_SZ, max) };
    usize::try_from(size).ok()
}

/// Writes all the records' bytes to a worker in one call (the kernel moves them a pipe buffer at
/// a time); no per-record work.
fn send(mut input: ChildStdin, bytes: &[u8]) {
    // A failed write means the worker died; its exit status tells the story.
    let _ = input.write_all(bytes);
}
// ANCHOR_END: send
