//! Python creates, Rust reads, and the reverse: the `shmsafe` Python package (`python/`,
//! installed with pip) against the crate, on real numpy and real segments.
//!
//! - Python's fingerprint, layout text and dtype text equal Rust's for every kind numpy can
//!   express;
//! - segments Python creates (named and sealed, from random records and from the seed's pandas
//!   records) open in Rust with `SharedArray::<T>::open` / `SealedArray::<T>::open`, byte for
//!   byte; segments Rust creates open in Python by name or handle alone;
//! - forged segments and wrong types are refused by both sides with the same error: the Rust
//!   variant and the Python class have the same name;
//! - the package's own unit tests pass, and `examples/python/seed_parent.py` runs Rust workers
//!   (`examples/sum_worker.rs`) that find the seed's sum;
//! - every segment is removed: each test checks its own names in `/dev/shm`.
//!
//! Python comes from the tests' shared virtual environment, `target/python-venv`
//! (`tests/support/python.rs`: made with `python3 -m venv`, or `$SHMSAFE_PYTHON -m venv`, and
//! given numpy, pandas and setuptools by pip on first use). The package is installed
//! from a copy of `python/` with `pip install --no-deps --no-build-isolation` (offline, about a
//! second) whenever a file under `python/` changed. Without python3 the tests fail and say what
//! to install: they never skip.

use std::any::Any;
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write as _};
use std::marker::PhantomData;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::AtomicU32;

use python_env::{Python, target_dir};
use serde_json::{Value, json};
use shmsafe::{Error, FixedStr, Immutable, Kind, SealedArray, SharedArray, ShmSafe};

// ---------------------------------------------------------------------------------------------
// Records of every kind numpy can express.

#[derive(ShmSafe, Clone, Copy, Debug, PartialEq)]
#[repr(C)]
struct Point {
    x: f32,
    y: f32,
}

/// The seed's record as pandas makes it and the package stores it: `to_records` gives
/// `date: <M8[us]`, `val: <f8`, `character_col: S6` (22 bytes), and the two bytes a
/// `#[repr(C)]` struct ends with become an explicit `_pad`.
#[derive(ShmSafe, Clone, Copy, Debug, PartialEq)]
#[repr(C)]
struct SeedRow {
    date: i64,
    val: f64,
    character_col: FixedStr<6>,
    _pad: [u8; 2],
}

/// Integers and floats of every width, with explicit padding where alignment needs it.
#[derive(ShmSafe, Clone, Copy, Debug)]
#[repr(C)]
struct Ints {
    a: u8,
    b: i8,
    c: u16,
    d: i16,
    _pad0: [u8; 2],
    e: u32,
    f: i32,
    g: u64,
    h: i64,
    x: f32,
    _pad1: [u8; 4],
    y: f64,
}

/// Nesting: a record, an array of records, a two-dimensional array, bytes.
#[derive(ShmSafe, Clone, Copy, Debug)]
#[repr(C)]
struct Mixed {
    id: u32,
    tag: FixedStr<4>,
    at: Point,
    path: [Point; 3],
    hist: [[u16; 3]; 2],
    small: i8,
    flags: [u8; 3],
    big: u64,
    weight: f64,
    level: i32,
    code: u32,
}

/// A tuple struct: its fields are named `0` and `1`.
#[derive(ShmSafe, Clone, Copy, Debug)]
#[repr(C)]
struct Pair(u32, f32);

/// A raw identifier (named `type`) and a name that is not ASCII.
#[derive(ShmSafe, Clone, Copy, Debug)]
#[repr(C)]
struct Names {
    größe: u32,
    r#type: u16,
    _p: [u8; 2],
}

/// A two-dimensional array of records.
#[derive(ShmSafe, Clone, Copy, Debug)]
#[repr(C)]
struct Legs {
    legs: [[Point; 2]; 3],
    n: u8,
    _pad: [u8; 3],
}

const RECORD_NAMES: &[&str] = &["Point", "SeedRow", "Ints", "Mixed", "Pair", "Names", "Legs"];

/// One record type, with what each test does with it.
struct Case {
    name: &'static str,
    dtype: String,
    fingerprint: u64,
    display: String,
    rust_reads: fn(&Value),
    rust_makes: fn(u64, usize) -> Made,
}

/// What Rust made of a case: the arrays (kept alive), their name and handle, their bytes.
struct Made {
    _keep: Box<dyn Any>,
    name: String,
    handle: String,
    hex: String,
}

macro_rules! cases {
    ($($t:ty),* $(,)?) => {
        vec![$(Case {
            name: stringify!($t),
            dtype: <$t as ShmSafe>::KIND.numpy_dtype(),
            fingerprint: <$t as ShmSafe>::FINGERPRINT,
            display: display::<$t>(),
            rust_reads: rust_reads::<$t>,
            rust_makes: rust_makes::<$t>,
        }),*]
    };
}

fn cases() -> Vec<Case> {
    cases![
        u8,
        i8,
        u16,
        i16,
        u32,
        i32,
        u64,
        i64,
        f32,
        f64,
        FixedStr<1>,
        FixedStr<6>,
        [u8; 2],
        [[i32; 3]; 2],
        [FixedStr<3>; 4],
        Point,
        [Point; 2],
        [[Point; 2]; 3],
        SeedRow,
        [SeedRow; 2],
        Ints,
        Mixed,
        Pair,
        Names,
        Legs,
        [[Legs; 2]; 1],
    ]
}

/// The first line of the layout section Rust writes for `T`, with every record named `Record`
/// as Python names them (the name is for people; it is not in the fingerprint).
fn display<T: ShmSafe>() -> String {
    let mut text = match T::KIND {
        Kind::Record(layout) => layout.to_string(),
        kind => format!("{kind} ({} bytes)", size_of::<T>()),
    };
    for name in RECORD_NAMES {
        text = text.replace(&format!("{name} {{"), "Record {");
    }
    text
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn fp(n: u64) -> String {
    format!("{n:016x}")
}

/// Bytes from a seeded xorshift: every bit pattern is a valid record, so any bytes are fair.
fn random_bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn rust_reads<T: Immutable + Copy>(entry: &Value) {
    let name = entry["name"].as_str().expect("a name");
    let handle = entry["handle"].as_str().expect("a handle");
    let expected = entry["hex"].as_str().expect("the bytes");
    let what = std::any::type_name::<T>();
    assert_eq!(
        entry["fingerprint"],
        fp(T::FINGERPRINT),
        "{what}: Python wrote another fingerprint"
    );
    // SAFETY: the Python creator never writes the records after `create` returned, and keeps the
    // segment until this test closes its stdin.
    let named = unsafe { SharedArray::<T>::open(name) }
        .unwrap_or_else(|e| panic!("{what}: opening Python's segment {name}: {e}"));
    assert_eq!(
        hex(shmsafe::slice_as_bytes(&named)),
        expected,
        "{what}: named"
    );
    let sealed = SealedArray::<T>::open(handle)
        .unwrap_or_else(|e| panic!("{what}: opening Python's sealed {handle}: {e}"));
    assert_eq!(
        hex(shmsafe::slice_as_bytes(&sealed)),
        expected,
        "{what}: sealed"
    );
    assert_eq!(named.len(), sealed.len());
}

fn rust_makes<T: Immutable + Copy + 'static>(seed: u64, count: usize) -> Made {
    let bytes = random_bytes(seed, count * size_of::<T>());
    let records: Vec<T> = bytes
        .chunks_exact(size_of::<T>().max(1))
        .map(|c| shmsafe::read_from_bytes::<T>(c).expect("exact chunks"))
        .collect();
    let named = SharedArray::from_slice(&records).expect("a named segment");
    let sealed = SealedArray::from_slice(&records).expect("a sealed segment");
    Made {
        name: named.name().to_owned(),
        handle: sealed.handle().to_owned(),
        hex: hex(&bytes),
        _keep: Box::new((named, sealed)),
    }
}

// ---------------------------------------------------------------------------------------------
// Python, provisioned once per target directory, with the package installed.

#[path = "support/python.rs"]
#[allow(dead_code)] // `python()` is wrapped below
mod python_env;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The shared test environment (`tests/support/python.rs`), with `python/` installed into it.
fn python() -> &'static Python {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    let python = python_env::python();
    INSTALLED.get_or_init(|| {
        let venv = python
            .exe
            .parent()
            .and_then(Path::parent)
            .expect("venv/bin/python");
        install_package(&python.exe, venv).unwrap_or_else(|message| panic!("{message}"))
    });
    python
}

fn run_checked(command: &mut Command, what: &str, hint: &str) -> Result<Output, String> {
    let out = command
        .output()
        .map_err(|e| format!("running {what}: {e}. {hint}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}):\n{}\n{hint}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out)
}

/// Installs `python/` into the venv when any of its files changed since the last install.
fn install_package(exe: &Path, venv: &Path) -> Result<(), String> {
    let source = manifest_dir().join("python");
    let mut files = Vec::new();
    collect_files(&source, &mut files).map_err(|e| format!("reading {source:?}: {e}"))?;
    files.sort();
    let mut stamp = String::new();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in &files {
        let rel = file.strip_prefix(&source).expect("under python/");
        let bytes = fs::read(file).map_err(|e| format!("reading {file:?}: {e}"))?;
        for b in rel.to_string_lossy().bytes().chain(bytes) {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        stamp = format!("{hash:016x}");
    }
    let installed = venv.join("shmsafe-package");
    if fs::read_to_string(&installed).is_ok_and(|s| s == stamp) {
        return Ok(());
    }
    // Build from a copy: setuptools writes build/ and *.egg-info next to the sources.
    let copy = target_dir().join("python-package-src");
    if copy.exists() {
        fs::remove_dir_all(&copy).map_err(|e| format!("removing {copy:?}: {e}"))?;
    }
    for file in &files {
        let to = copy.join(file.strip_prefix(&source).expect("under python/"));
        fs::create_dir_all(to.parent().expect("a parent")).map_err(|e| format!("{to:?}: {e}"))?;
        fs::copy(file, &to).map_err(|e| format!("copying {file:?}: {e}"))?;
    }
    run_checked(
        Command::new(exe)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
            ])
            .args([
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "--force-reinstall",
            ])
            .arg(&copy),
        "pip install ./python",
        "The package's pyproject.toml or sources are broken.",
    )?;
    fs::write(&installed, &stamp).map_err(|e| format!("writing {installed:?}: {e}"))?;
    Ok(())
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name == "__pycache__" || name == "build" || name.ends_with(".egg-info") {
            continue;
        }
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn python_command() -> Command {
    let python = python();
    let mut command = Command::new(&python.exe);
    command
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("PYTHONPATH")
        .current_dir(manifest_dir());
    command
}

fn helper() -> PathBuf {
    manifest_dir().join("python/tests/rust_interop.py")
}

/// Runs `rust_interop.py COMMAND ARG` and returns the JSON it printed.
fn helper_json(command: &str, argument: &Value) -> Value {
    let out = python_command()
        .arg(helper())
        .arg(command)
        .arg(argument.to_string())
        .output()
        .unwrap_or_else(|e| panic!("running {:?} ({}): {e}", python().exe, python().describe));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "rust_interop.py {command} failed ({}):\n{stderr}",
        out.status
    );
    assert!(stderr.trim().is_empty(), "Python warned:\n{stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "rust_interop.py {command} printed no JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A Python process holding the segments it created until this is dropped (also on panic):
/// then its stdin closes, it closes the segments and exits.
struct PythonCreator {
    child: Child,
}

impl PythonCreator {
    fn start(specs: &Value) -> (PythonCreator, Value) {
        let child = python_command()
            .arg(helper())
            .arg("create")
            .arg(specs.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting Python");
        let mut creator = PythonCreator { child };
        let mut line = String::new();
        BufReader::new(creator.child.stdout.as_mut().expect("piped"))
            .read_line(&mut line)
            .expect("reading Python's report");
        let report = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("Python printed no JSON ({e}): {line:?}"));
        (creator, report)
    }

    /// Lets Python close its segments and exit, and checks that it succeeded.
    fn finish(mut self) {
        drop(self.child.stdin.take());
        let status = self.child.wait().expect("waiting for Python");
        assert!(status.success(), "the Python creator failed: {status}");
    }
}

impl Drop for PythonCreator {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn assert_removed(names: &BTreeSet<String>) {
    for name in names {
        assert!(
            !Path::new("/dev/shm").join(name).exists(),
            "/dev/shm/{name} is left after the test"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The tests.

/// The package's own unit tests, run against the installed package (not the source tree).
#[test]
fn the_packages_unit_tests_pass() {
    let out = python_command()
        .args(["-c", "import shmsafe; print(shmsafe.__file__)"])
        .output()
        .unwrap();
    let location = String::from_utf8_lossy(&out.stdout);
    assert!(
        location.contains("site-packages"),
        "shmsafe imported from {location:?}, not the installed package"
    );
    let out = python_command()
        .args(["-m", "unittest", "discover", "-v", "-s"])
        .arg(manifest_dir().join("python/tests"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the package's unit tests failed:\n{stderr}"
    );
    assert!(stderr.contains("\nOK"), "{stderr}");
}

/// The README's Python example runs as written, prints what it says, and leaves nothing behind.
#[test]
fn the_readmes_python_example_runs() {
    let readme = std::fs::read_to_string(manifest_dir().join("README.md")).unwrap();
    let code = readme
        .split("```python\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("the README has a Python example");
    let out = python_command().args(["-c", code]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = stdout.lines();
    let name = lines.next().expect("the segment's name").to_owned();
    assert!(name.starts_with("shmsafe_"), "{stdout}");
    assert!(
        lines
            .next()
            .is_some_and(|dtype| dtype.contains("('_pad', 'u1', (2,))")),
        "{stdout}"
    );
    assert_removed(&BTreeSet::from([name]));
}

/// For every kind numpy can express, Python's fingerprint, layout text and dtype text of the
/// dtype Rust describes are Rust's own.
#[test]
fn fingerprints_and_layout_text_agree_for_every_kind() {
    let cases = cases();
    let texts: Vec<&str> = cases.iter().map(|c| c.dtype.as_str()).collect();
    let described = helper_json("describe", &json!(texts));
    let described = described.as_array().expect("a list");
    assert_eq!(described.len(), cases.len());
    for (case, python) in cases.iter().zip(described) {
        assert!(python.get("error").is_none(), "{}: {python}", case.name);
        assert_eq!(python["fingerprint"], fp(case.fingerprint), "{}", case.name);
        assert_eq!(python["dtype_text"], case.dtype, "{}", case.name);
        assert_eq!(python["display"], case.display, "{}", case.name);
    }
    // And one that is not the same is not the same.
    assert_ne!(
        described[cases.iter().position(|c| c.name == "u32").unwrap()]["fingerprint"],
        fp(<f32 as ShmSafe>::FINGERPRINT)
    );
}

#[test]
fn python_created_segments_open_in_rust_named_and_sealed() {
    let cases = cases();
    let mut specs: Vec<Value> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| json!({"dtype": c.dtype, "count": 1 + i * 7 % 23, "seed": i}))
        .collect();
    let seed_rows = 1_000;
    specs.push(json!({"pandas": seed_rows}));
    let (creator, report) = PythonCreator::start(&json!(specs));
    let report = report.as_array().expect("a list").clone();
    let names: BTreeSet<String> = report
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect();
    for (case, entry) in cases.iter().zip(&report) {
        (case.rust_reads)(entry);
    }

    // The seed's own records, from pandas.
    let seed = report.last().unwrap();
    let name = seed["name"].as_str().unwrap();
    // SAFETY: as in `rust_reads`.
    let rows = unsafe { SharedArray::<SeedRow>::open(name) }.expect("the pandas segment");
    assert_eq!(rows.len(), seed_rows);
    let nansum: f64 = rows.iter().map(|r| r.val).filter(|v| !v.is_nan()).sum();
    assert_eq!(nansum, (seed_rows / 2) as f64);
    for (i, r) in rows.iter().enumerate() {
        let (val, text) = if i % 2 == 0 {
            (1.0, "string")
        } else {
            (f64::NAN, "abc")
        };
        assert!(
            r.val == val || (val.is_nan() && r.val.is_nan()),
            "row {i}: {r:?}"
        );
        assert_eq!(r.character_col.to_str().unwrap(), text, "row {i}");
        assert_eq!(
            r._pad, [0; 2],
            "row {i}: the padding Python added is not zero"
        );
        // Today, in microseconds (pandas 3) or nanoseconds (pandas 2) since 1970.
        assert!(r.date > 1_600_000_000_000_000, "row {i}: date {}", r.date);
    }
    let sealed = SealedArray::<SeedRow>::open(seed["handle"].as_str().unwrap()).unwrap();
    assert_eq!(
        shmsafe::slice_as_bytes(&sealed),
        shmsafe::slice_as_bytes(&rows)
    );

    // Another record type is refused, named and sealed.
    // SAFETY: as above.
    let err = unsafe { SharedArray::<Point>::open(name) }.unwrap_err();
    assert!(matches!(err, Error::LayoutMismatch { .. }), "{err}");
    assert!(err.to_string().contains("character_col: S6 @16"), "{err}");
    let err = SealedArray::<Point>::open(seed["handle"].as_str().unwrap()).unwrap_err();
    assert!(matches!(err, Error::LayoutMismatch { .. }), "{err}");

    drop((rows, sealed));
    creator.finish();
    assert_removed(&names);
}

#[test]
fn rust_created_segments_open_in_python_by_name_or_handle_alone() {
    let cases = cases();
    let made: Vec<Made> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| (c.rust_makes)(100 + i as u64, 1 + i * 5 % 17))
        .collect();
    let names: BTreeSet<String> = made.iter().map(|m| m.name.clone()).collect();
    let mut targets = Vec::new();
    for (case, m) in cases.iter().zip(&made) {
        targets.push(json!({"target": m.name, "dtype": null}));
        targets.push(json!({"target": m.handle, "dtype": null}));
        targets.push(json!({"target": m.name, "dtype": case.dtype}));
    }
    let out = helper_json("open", &json!(targets));
    assert_eq!(
        out["tracker_pid"],
        Value::Null,
        "Python started a resource tracker"
    );
    let results = out["results"].as_array().expect("a list");
    assert_eq!(results.len(), targets.len());
    for (i, (case, m)) in cases.iter().zip(&made).enumerate() {
        for (how, r) in ["by name", "by handle", "by name with dtype="]
            .iter()
            .zip(&results[3 * i..3 * i + 3])
        {
            let at = format!("{} {how}", case.name);
            assert!(r.get("error").is_none(), "{at}: {r}");
            assert_eq!(r["hex"], m.hex, "{at}: other bytes");
            assert_eq!(r["fingerprint"], fp(case.fingerprint), "{at}");
            assert_eq!(
                r["described_fingerprint"],
                fp(case.fingerprint),
                "{at}: Python's fingerprint of the dtype it read"
            );
            assert_eq!(r["layout"].as_str().map(|_| ()), Some(()), "{at}");
            assert_eq!(r["writeable"], false, "{at}");
            assert_eq!(r["owndata"], false, "{at}: numpy copied the records");
        }
    }
    // Python has exited: the names are all still there (no tracker unlinked them).
    for name in &names {
        assert!(
            Path::new("/dev/shm").join(name).exists(),
            "{name} did not survive"
        );
    }
    drop(made);
    assert_removed(&names);
}

/// What numpy has no kind for (atomics, 16-byte integers, fields of no bytes) still reads in
/// Python by name alone, as the bytes the segment describes (`V16` for a `u128`); only a dtype
/// of the caller's own cannot match its fingerprint.
#[test]
fn python_reads_records_numpy_has_no_kind_for() {
    #[derive(ShmSafe, Debug)]
    #[repr(C)]
    struct Wide {
        wide: u128,
        neg: i128,
        hits: AtomicU32,
        level: i32,
        big: u64,
        _marker: PhantomData<u64>,
    }
    let array = SharedArray::from_fn(9, |i| Wide {
        wide: u128::MAX / (i as u128 + 1),
        neg: -(i as i128) << 70,
        hits: AtomicU32::new(i as u32 * 3),
        level: -(i as i32),
        big: i as u64 * 1_000_000_007,
        _marker: PhantomData,
    })
    .unwrap();
    // SAFETY: the records are only read (no atomic field is written) while `bytes` lives.
    let bytes = hex(unsafe {
        std::slice::from_raw_parts(array.as_ptr().cast::<u8>(), 9 * size_of::<Wide>())
    });
    let description = <Wide as ShmSafe>::KIND.numpy_dtype();
    let out = helper_json(
        "open",
        &json!([
            {"target": array.name(), "dtype": null},
            {"target": array.name(), "dtype": description},
        ]),
    );
    let results = out["results"].as_array().unwrap();
    assert_eq!(results[0]["hex"], bytes, "{}", results[0]);
    assert_eq!(
        results[0]["fingerprint"],
        fp(<Wide as ShmSafe>::FINGERPRINT)
    );
    assert_eq!(results[0]["described_fingerprint"], Value::Null);
    assert_eq!(results[1]["error"], "UnsupportedDtype", "{}", results[1]);
    let names = BTreeSet::from([array.name().to_owned()]);
    drop(array);
    assert_removed(&names);
}

/// The variant's name: Python's exception class has the same one.
fn variant(e: &Error) -> &'static str {
    match e {
        Error::NotFound { .. } => "NotFound",
        Error::InvalidName { .. } => "InvalidName",
        Error::PermissionDenied { .. } => "PermissionDenied",
        Error::Untrusted { .. } => "Untrusted",
        Error::NotARegularFile { .. } => "NotARegularFile",
        Error::TooSmall { .. } => "TooSmall",
        Error::NotShmsafe { .. } => "NotShmsafe",
        Error::UnsupportedVersion { .. } => "UnsupportedVersion",
        Error::LayoutMismatch { .. } => "LayoutMismatch",
        Error::CorruptHeader { .. } => "CorruptHeader",
        Error::Truncated { .. } => "Truncated",
        Error::NotReady { .. } => "NotReady",
        Error::InvalidHandle { .. } => "InvalidHandle",
        Error::HandleGone { .. } => "HandleGone",
        Error::NotSealed { .. } => "NotSealed",
        Error::StaleHandle { .. } => "StaleHandle",
        _ => "another variant",
    }
}

/// The offset of a field of the segment header, from `Header`'s own layout.
fn header_offset(field: &str) -> usize {
    let Kind::Record(layout) = <shmsafe::format::Header as ShmSafe>::KIND else {
        unreachable!("the header is a record")
    };
    layout
        .fields()
        .iter()
        .find(|f| f.name() == field)
        .unwrap_or_else(|| panic!("no header field {field}"))
        .offset()
}

fn put(bytes: &mut [u8], field: &str, value: &[u8]) {
    let at = header_offset(field);
    bytes[at..at + value.len()].copy_from_slice(value);
}

/// Files this test made in /dev/shm, removed when it ends (also on panic).
struct Forged(Vec<PathBuf>);

impl Forged {
    fn file(&mut self, bytes: &[u8], mode: u32) -> String {
        let name = format!("shmsafe_pkgtest_{}_{}", std::process::id(), self.0.len());
        let path = Path::new("/dev/shm").join(&name);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .expect("a forged segment");
        self.0.push(path.clone());
        f.write_all(bytes).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        name
    }

    fn name(&mut self) -> String {
        let name = format!("shmsafe_pkgtest_{}_{}", std::process::id(), self.0.len());
        self.0.push(Path::new("/dev/shm").join(&name));
        name
    }
}

impl Drop for Forged {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = fs::remove_file(path);
        }
    }
}

#[test]
fn forged_segments_and_wrong_types_are_refused_alike_from_both_sides() {
    let rows: Vec<SeedRow> = (0..5)
        .map(|i| SeedRow {
            date: i,
            val: i as f64,
            character_col: FixedStr::truncating("abc"),
            _pad: [0; 2],
        })
        .collect();
    let array = SharedArray::from_slice(&rows).unwrap();
    let good = fs::read(Path::new("/dev/shm").join(array.name())).unwrap();
    let with = |field: &str, value: &[u8]| {
        let mut bytes = good.clone();
        put(&mut bytes, field, value);
        bytes
    };
    let mut forged = Forged(Vec::new());
    let mut named: Vec<(String, String, Option<String>, &str)> = Vec::new();
    let mut add = |what: &str, name: String, expected: &'static str| {
        named.push((what.to_owned(), name, None, expected));
    };
    let mut magic = good.clone();
    magic[..8].copy_from_slice(b"GARBAGE!");
    let len = u64::from_ne_bytes(good[header_offset("len")..][..8].try_into().unwrap());
    let offset = u64::from_ne_bytes(
        good[header_offset("data_offset")..][..8]
            .try_into()
            .unwrap(),
    );
    let mut longer = good.clone();
    longer.push(0);
    add("too small", forged.file(&good[..63], 0o600), "TooSmall");
    add("magic", forged.file(&magic, 0o600), "NotShmsafe");
    add(
        "version 1",
        forged.file(&with("version", &1u32.to_ne_bytes()), 0o600),
        "UnsupportedVersion",
    );
    add(
        "state 7",
        forged.file(&with("state", &7u32.to_ne_bytes()), 0o600),
        "CorruptHeader",
    );
    add(
        "layout_len 0",
        forged.file(&with("layout_len", &0u32.to_ne_bytes()), 0o600),
        "CorruptHeader",
    );
    add(
        "data_offset + 64",
        forged.file(&with("data_offset", &(offset + 64).to_ne_bytes()), 0o600),
        "CorruptHeader",
    );
    add(
        "nonce 0",
        forged.file(&with("nonce", &0u64.to_ne_bytes()), 0o600),
        "CorruptHeader",
    );
    add(
        "len + 1",
        forged.file(&with("len", &(len + 1).to_ne_bytes()), 0o600),
        "Truncated",
    );
    add(
        "one byte more",
        forged.file(&longer, 0o600),
        "CorruptHeader",
    );
    add(
        "unpublished",
        forged.file(&with("state", &0u32.to_ne_bytes()), 0o600),
        "NotReady",
    );
    add("group-writable", forged.file(&good, 0o620), "Untrusted");
    let target = forged.file(&good, 0o600);
    let link = forged.name();
    std::os::unix::fs::symlink(
        Path::new("/dev/shm").join(&target),
        Path::new("/dev/shm").join(&link),
    )
    .unwrap();
    add("symlink", link, "NotARegularFile");
    let fifo = forged.name();
    let c_path = std::ffi::CString::new(format!("/dev/shm/{fifo}")).unwrap();
    // SAFETY: a NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    add("fifo", fifo, "NotARegularFile");
    add("missing", forged.name(), "NotFound");
    add("invalid name", "a/b".to_owned(), "InvalidName");
    named.push((
        "another type".into(),
        target.clone(),
        Some(<Point as ShmSafe>::KIND.numpy_dtype()),
        "LayoutMismatch",
    ));

    // Sealed: a stale nonce, a holder that is gone, a file that is not sealed, a bad handle,
    // another type.
    let sealed = SealedArray::from_slice(&rows).unwrap();
    let (path, nonce) = sealed.handle().split_once('#').unwrap();
    let nonce = u64::from_str_radix(nonce, 16).unwrap();
    let mut gone = Command::new("true").spawn().unwrap();
    let gone_pid = gone.id();
    gone.wait().unwrap();
    let unsealed = File::open(Path::new("/dev/shm").join(&target)).unwrap();
    let handles: Vec<(String, String, Option<String>, &str)> = vec![
        (
            "stale nonce".into(),
            format!("{path}#{:016x}", nonce ^ 1),
            None,
            "StaleHandle",
        ),
        (
            "holder gone".into(),
            format!("/proc/{gone_pid}/fd/3#{nonce:016x}"),
            None,
            "HandleGone",
        ),
        (
            "not sealed".into(),
            format!(
                "/proc/{}/fd/{}#{nonce:016x}",
                std::process::id(),
                unsealed.as_raw_fd()
            ),
            None,
            "NotSealed",
        ),
        (
            "invalid handle".into(),
            "/proc/1/fd/x#0123456789abcdef".into(),
            None,
            "InvalidHandle",
        ),
        (
            "another type, sealed".into(),
            sealed.handle().to_owned(),
            Some(<Point as ShmSafe>::KIND.numpy_dtype()),
            "LayoutMismatch",
        ),
    ];

    let all: Vec<_> = named.iter().chain(&handles).collect();
    let targets: Vec<Value> = all
        .iter()
        .map(|(_, target, dtype, _)| json!({"target": target, "dtype": dtype}))
        .collect();
    let python = helper_json("open", &json!(targets));
    let python = python["results"].as_array().expect("a list");
    for ((what, target, dtype, expected), py) in all.iter().zip(python) {
        let point = dtype.is_some();
        let rust = if target.contains('#') {
            if point {
                SealedArray::<Point>::open(target).map(drop)
            } else {
                SealedArray::<SeedRow>::open(target).map(drop)
            }
        } else if point {
            // SAFETY: nothing writes these files while they are open.
            unsafe { SharedArray::<Point>::open(target) }.map(drop)
        } else {
            // SAFETY: as above.
            unsafe { SharedArray::<SeedRow>::open(target) }.map(drop)
        };
        let rust = rust.expect_err(what);
        assert_eq!(variant(&rust), *expected, "{what}: Rust said {rust}");
        assert_eq!(py["error"], *expected, "{what}: Python said {py}");
        if let Error::NotReady {
            creator_running, ..
        } = rust
        {
            assert!(!creator_running, "{what}: no one holds the forged file");
            assert!(
                py["message"].as_str().unwrap().contains("never published"),
                "{what}: {py}"
            );
        }
    }
    let names = BTreeSet::from([array.name().to_owned()]);
    drop((array, sealed, unsealed, forged));
    assert_removed(&names);
}

/// The Python-parent variant of the experiment: the seed's records from pandas, shared by the
/// package, summed by Rust workers (`examples/sum_worker.rs`) opening them by name or handle.
#[test]
fn seed_parent_runs_rust_workers_that_find_the_seeds_sum() {
    let me = std::env::current_exe().expect("the test knows its own path");
    let worker = me
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps")
        .join("examples/sum_worker");
    assert!(
        worker.is_file(),
        "{} is missing: run the tests with `cargo test`, which builds the examples first",
        worker.display()
    );
    for sealed in [false, true] {
        let mut command = python_command();
        command
            .arg(manifest_dir().join("examples/python/seed_parent.py"))
            .args(["--rows", "2000", "--workers", "2", "--json", "--worker-bin"])
            .arg(&worker);
        if sealed {
            command.arg("--sealed");
        }
        let out = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "seed_parent.py (sealed: {sealed}): {stderr}"
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["problems"], json!([]), "{report}");
        assert_eq!(report["expected_nansum"], 1000.0);
        let workers = report["per_worker"].as_array().unwrap();
        assert_eq!(workers.len(), 2);
        for w in workers {
            assert_eq!(w["nansum"], 1000.0, "{report}");
            assert_eq!(w["rows"], 2000, "{report}");
            let bytes = |key: &str| w[key].as_u64().unwrap_or_else(|| panic!("{key}: {w}"));
            assert!(bytes("private_bytes") < bytes("rss_bytes"), "{w}");
        }
        let segment = report["segment"].as_str().unwrap();
        if sealed {
            assert!(
                segment.starts_with("/proc/") && segment.contains('#'),
                "{segment}"
            );
        } else {
            assert_removed(&BTreeSet::from([segment.to_owned()]));
        }
    }
}
