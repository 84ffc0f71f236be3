//! Python reads Rust's records: numpy attaches to a `SharedArray` through
//! `examples/python/shmsafe_attach.py`, and what it reads is compared with what Rust wrote,
//! field by field and bit for bit.
//!
//! The tests provision their own Python: a virtual environment in `target/python-venv`, made
//! with `python3 -m venv` and given numpy by pip on first use (so it needs access to PyPI once),
//! then reused. `SHMSAFE_PYTHON=/path/to/python3` builds it from another interpreter. Without
//! python3, or without its `venv` module, the tests fail and say what to install: they never
//! skip.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::ErrorKind;
use std::marker::PhantomData;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use shmsafe::{FixedStr, Kind, Layout, SharedArray, ShmSafe};

/// The seed's record.
#[derive(ShmSafe, Clone, Copy, Debug, PartialEq)]
#[repr(C)]
struct Row {
    date: i64,
    val: f64,
    name: FixedStr<6>,
    _pad: [u8; 2],
}

#[derive(ShmSafe, Clone, Copy, Debug, PartialEq)]
#[repr(C)]
struct Point {
    x: f32,
    y: f32,
}

/// A record with everything numpy's description has to get right: a nested record, an array of
/// records, a two-dimensional array, bytes, an atomic, 16-byte integers (numpy's `V16`) and a
/// field with no bytes.
#[derive(ShmSafe, Debug)]
#[repr(C)]
struct Track {
    id: u32,
    tag: FixedStr<4>,
    at: Point,
    path: [Point; 3],
    hist: [[u16; 3]; 2],
    small: i8,
    flags: [u8; 3],
    big: u64,
    hits: AtomicU32,
    level: i32,
    weight: f64,
    wide: u128,
    neg: i128,
    _marker: PhantomData<u64>,
}

// ---------------------------------------------------------------------------------------------
// Python, provisioned once per target directory.

struct Python {
    /// The virtual environment's interpreter.
    exe: PathBuf,
    /// What the venv was built from, as the marker file records it.
    describe: String,
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `target/` (or `$CARGO_TARGET_DIR`): `CARGO_TARGET_TMPDIR` is its `tmp` folder.
fn target_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).to_path_buf()
}

fn python() -> &'static Python {
    static PYTHON: OnceLock<Python> = OnceLock::new();
    PYTHON.get_or_init(|| provision().unwrap_or_else(|message| panic!("{message}")))
}

const INSTALL_PYTHON: &str = "Install Python 3.8 or later with its venv module (Debian/Ubuntu: \
     `apt-get install python3 python3-venv`; Fedora: `dnf install python3`), or set \
     SHMSAFE_PYTHON to a python3 interpreter";

fn provision() -> Result<Python, String> {
    let base = std::env::var_os("SHMSAFE_PYTHON").unwrap_or_else(|| "python3".into());
    let shown = base.to_string_lossy().into_owned();
    let probe = Command::new(&base)
        .args([
            "-c",
            "import sys; print(sys.version_info >= (3, 8)); print(sys.version.split()[0]); \
             print(sys.executable)",
        ])
        .output();
    let probe = match probe {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        Ok(out) => {
            return Err(format!(
                "`{shown}` failed ({}): {}\nThe Python cross-check needs python3. {INSTALL_PYTHON}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(format!(
                "`{shown}` was not found: the Python cross-check needs python3 with numpy. \
                 {INSTALL_PYTHON}. The test makes its own virtual environment and installs \
                 numpy there."
            ));
        }
        Err(e) => return Err(format!("could not run `{shown}`: {e}. {INSTALL_PYTHON}")),
    };
    let mut lines = probe.lines();
    let (recent, version, executable) = (lines.next(), lines.next(), lines.next());
    let (Some(recent), Some(version), Some(executable)) = (recent, version, executable) else {
        return Err(format!("`{shown}` printed {probe:?}, not its version"));
    };
    if recent != "True" {
        return Err(format!(
            "`{shown}` is Python {version}; multiprocessing.shared_memory needs 3.8 or later. \
             {INSTALL_PYTHON}"
        ));
    }
    let describe = format!("python {version} at {executable}");

    let venv = target_dir().join("python-venv");
    let exe = venv.join("bin").join("python");
    let marker = venv.join("shmsafe-ready");
    fs::create_dir_all(target_dir()).map_err(|e| format!("creating {:?}: {e}", target_dir()))?;
    // Two test processes (nextest runs each test in its own) must not build the venv at once.
    let lock_path = target_dir().join("python-venv.lock");
    let lock = File::create(&lock_path).map_err(|e| format!("creating {lock_path:?}: {e}"))?;
    // SAFETY: `flock` on a file descriptor that `lock` owns and keeps open until this function
    // returns; the lock is released when the file is closed.
    if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
        let e = std::io::Error::last_os_error();
        return Err(format!("locking {lock_path:?}: {e}"));
    }

    if fs::read_to_string(&marker).is_ok_and(|m| m == describe) && exe.exists() {
        return Ok(Python { exe, describe });
    }
    eprintln!("python_interop: creating {venv:?} from {describe} and installing numpy");
    if venv.exists() {
        fs::remove_dir_all(&venv).map_err(|e| format!("removing the old {venv:?}: {e}"))?;
    }
    let made = Command::new(&base)
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .map_err(|e| format!("running `{shown} -m venv`: {e}"))?;
    if !made.status.success() {
        return Err(format!(
            "`{shown} -m venv {venv:?}` failed ({}): {}\nInstall Python's venv module \
             (Debian/Ubuntu: `apt-get install python3-venv`), or set SHMSAFE_PYTHON to a \
             python3 that has it.",
            made.status,
            String::from_utf8_lossy(&made.stderr).trim()
        ));
    }
    let pip = Command::new(&exe)
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
        ])
        .args(["--quiet", "numpy"])
        .output()
        .map_err(|e| format!("running pip in {venv:?}: {e}"))?;
    if !pip.status.success() {
        return Err(format!(
            "pip could not install numpy into {venv:?} ({}): {}\nIt needs access to PyPI on \
             first use; or install numpy by hand: `{} -m pip install numpy`.",
            pip.status,
            String::from_utf8_lossy(&pip.stderr).trim(),
            exe.display()
        ));
    }
    fs::write(&marker, &describe).map_err(|e| format!("writing {marker:?}: {e}"))?;
    Ok(Python { exe, describe })
}

/// Runs the venv's Python with `args`; the scripts in `examples/python` are importable.
fn run_python<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let python = python();
    Command::new(&python.exe)
        .args(args)
        .env("PYTHONPATH", manifest_dir().join("examples/python"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap_or_else(|e| panic!("running {:?} ({}): {e}", python.exe, python.describe))
}

fn script(name: &str) -> PathBuf {
    manifest_dir().join("examples/python").join(name)
}

/// The JSON a script printed on stdout, or a panic that shows what it printed on stderr.
fn json_stdout(out: &Output, what: &str) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{stderr}",
        out.status
    );
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{what} printed no JSON ({e}):\n{stdout}\n{stderr}"))
}

/// Runs `examples/python/dump_records.py` on `array`, checks what every dump must show, and
/// returns its JSON.
fn dump<T: ShmSafe>(array: &SharedArray<T>) -> Value {
    let out = run_python([
        script("dump_records.py").as_os_str(),
        "--handoff".as_ref(),
        array.numpy_handoff().as_ref(),
    ]);
    let dump = json_stdout(&out, "dump_records.py");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.trim().is_empty(), "Python warned:\n{stderr}");
    assert_eq!(dump["zero_copy"], true, "numpy copied the records");
    assert_eq!(dump["writeable"], false, "the numpy view is writeable");
    assert_eq!(
        dump["tracker_pid"],
        Value::Null,
        "Python started a resource tracker, which would unlink the segment at exit"
    );
    assert_eq!(dump["itemsize"], size_of::<T>());
    dump
}

/// Opens `name` after Python exited: the resource-tracker pitfall would have unlinked it.
fn still_there<T: shmsafe::Immutable>(name: &str) -> SharedArray<T> {
    // SAFETY: the segment is published and never written again; Python only read it.
    unsafe { SharedArray::<T>::open(name) }
        .unwrap_or_else(|e| panic!("the segment did not survive Python's exit: {e}"))
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
// What Rust expects numpy to read.

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn f64_value(x: f64) -> Value {
    if x.is_nan() {
        Value::Null
    } else {
        json!(x.to_bits())
    }
}

fn f32_value(x: f32) -> Value {
    if x.is_nan() {
        Value::Null
    } else {
        json!(x.to_bits())
    }
}

/// `'SN'` as `dump_records.py` shows it: all N bytes; numpy's value, which drops trailing NULs;
/// the text up to the first NUL, if it is UTF-8.
fn bytes_value<const N: usize>(s: &FixedStr<N>) -> Value {
    let raw = s.as_raw();
    let kept = raw.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    json!({"raw": hex(raw), "numpy": hex(&raw[..kept]), "text": s.to_str().ok()})
}

fn point_value(p: &Point) -> Value {
    json!({"x": f32_value(p.x), "y": f32_value(p.y)})
}

fn row_value(r: &Row) -> Value {
    json!({"date": r.date, "val": f64_value(r.val), "name": bytes_value(&r.name), "_pad": r._pad})
}

fn track_value(t: &Track) -> Value {
    json!({
        "id": t.id,
        "tag": bytes_value(&t.tag),
        "at": point_value(&t.at),
        "path": t.path.iter().map(point_value).collect::<Vec<_>>(),
        "hist": t.hist,
        "small": t.small,
        "flags": t.flags,
        "big": t.big,
        "hits": t.hits.load(Ordering::Relaxed),
        "level": t.level,
        "weight": f64_value(t.weight),
        "wide": hex(&t.wide.to_ne_bytes()),
        "neg": hex(&t.neg.to_ne_bytes()),
    })
}

fn compare_records(found: &Value, expected: impl Iterator<Item = Value>) {
    let found = found.as_array().expect("records is a list");
    let mut n = 0;
    for (i, expected) in expected.enumerate() {
        let got = found
            .get(i)
            .unwrap_or_else(|| panic!("Python read {} records", found.len()));
        for (field, want) in expected.as_object().expect("a record") {
            assert_eq!(
                &got[field], want,
                "record {i}, field `{field}`: Python read {got}"
            );
        }
        assert_eq!(
            got.as_object().map(|o| o.len()),
            expected.as_object().map(|o| o.len()),
            "record {i}: Python read other fields: {got}"
        );
        n += 1;
    }
    assert_eq!(found.len(), n, "Python read a different number of records");
}

/// numpy's layout (as `dump_records.py` reports it) against Rust's: every field's name,
/// offset, size and shape, recursively.
fn compare_layout(numpy: &Value, layout: &Layout) {
    assert_eq!(
        numpy["itemsize"],
        layout.size(),
        "itemsize of {}",
        layout.name()
    );
    let fields: Vec<_> = layout.fields().iter().filter(|f| f.size() > 0).collect();
    let found = numpy["fields"].as_array().expect("fields is a list");
    assert_eq!(
        found.len(),
        fields.len(),
        "fields of {}: numpy has {found:?}",
        layout.name()
    );
    for (np_field, field) in found.iter().zip(fields) {
        let at = format!("{}.{}", layout.name(), field.name());
        assert_eq!(np_field["name"], field.name(), "{at}");
        assert_eq!(np_field["offset"], field.offset(), "offset of {at}");
        assert_eq!(np_field["itemsize"], field.size(), "size of {at}");
        let mut shape = Vec::new();
        let mut kind = field.kind();
        while let Kind::Array { elem, len, .. } = kind {
            shape.push(len);
            kind = *elem;
        }
        assert_eq!(np_field["shape"], json!(shape), "shape of {at}");
        match kind {
            Kind::Record(inner) => compare_layout(&np_field["layout"], inner),
            _ => assert!(np_field.get("layout").is_none(), "{at} is not a record"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Test data: seeded, so a failure can be re-run.

/// Text that `FixedStr<6>` must cut: multi-byte characters across byte 6, NULs, empty text.
const TEXTS: &[&str] = &[
    "string",
    "abc",
    "",
    "naïveté",
    "日本語テキスト",
    "😀😀",
    "aé€😀",
    "abcde€",
    "ab日本",
    "abcdeé",
    "a\0b",
    "\0",
];

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => proptest::num::f64::ANY,
        1 => any::<u64>().prop_map(f64::from_bits),
        1 => Just(f64::NAN),
        1 => Just(1.0),
    ]
}

fn any_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        3 => proptest::num::f32::ANY,
        1 => any::<u32>().prop_map(f32::from_bits),
    ]
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(TEXTS).prop_map(str::to_owned),
        "[a-z0-9é€😀日\u{0}]{0,9}",
        any::<String>(),
    ]
}

fn rows(n: usize) -> Vec<Row> {
    let strategy = (any::<i64>(), any_f64(), any_text(), any::<[u8; 2]>()).prop_map(
        |(date, val, text, pad)| Row {
            date,
            val,
            name: FixedStr::truncating(&text),
            _pad: pad,
        },
    );
    let mut runner = TestRunner::deterministic();
    let mut rows: Vec<Row> = (0..n)
        .map(|_| strategy.new_tree(&mut runner).expect("a row").current())
        .collect();
    for (row, text) in rows.iter_mut().zip(TEXTS) {
        row.name = FixedStr::truncating(text);
    }
    rows
}

fn point(runner: &mut TestRunner) -> Point {
    let (x, y) = (any_f32(), any_f32())
        .new_tree(runner)
        .expect("floats")
        .current();
    Point { x, y }
}

fn track(runner: &mut TestRunner) -> Track {
    let ([a, b, c, d], bytes, text, weight) =
        (any::<[u64; 4]>(), any::<[u8; 16]>(), any_text(), any_f64())
            .new_tree(runner)
            .expect("values")
            .current();
    Track {
        id: a as u32,
        tag: FixedStr::truncating(&text),
        at: point(runner),
        path: [point(runner), point(runner), point(runner)],
        hist: [
            [b as u16, (b >> 16) as u16, (b >> 32) as u16],
            [(b >> 48) as u16, c as u16, (c >> 16) as u16],
        ],
        small: bytes[0] as i8,
        flags: [bytes[1], bytes[2], bytes[3]],
        big: d,
        hits: AtomicU32::new((c >> 32) as u32),
        level: (a >> 32) as i32,
        weight,
        wide: u128::from_ne_bytes(bytes),
        neg: -(i128::from(a) << 64 | i128::from(d)),
        _marker: PhantomData,
    }
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[test]
fn numpy_reads_rust_rows_field_by_field() {
    let rows = rows(2_000);
    // The data must exercise what the test is about.
    let cut_inside_a_char = TEXTS
        .iter()
        .filter(|t| t.len() > 6 && !t.is_char_boundary(6))
        .count();
    assert!(
        cut_inside_a_char >= 3,
        "too few texts cut inside a character"
    );
    assert!(rows.iter().any(|r| r.val.is_nan()) && rows.iter().any(|r| r.val.is_infinite()));

    let array = SharedArray::from_slice(&rows).unwrap();
    let name = array.name().to_owned();
    let dump = dump(&array);
    let Kind::Record(layout) = Row::KIND else {
        unreachable!("Row is a record")
    };
    compare_layout(&dump["layout"], layout);
    compare_records(&dump["records"], rows.iter().map(row_value));

    // Every multi-byte text FixedStr cut is still UTF-8 to Python (its `text` is not null).
    for (i, text) in TEXTS.iter().enumerate() {
        let read = &dump["records"][i]["name"]["text"];
        assert_eq!(
            read,
            &json!(FixedStr::<6>::truncating(text).to_str().unwrap()),
            "{text:?}"
        );
    }

    // Python has exited; the segment must still be there, with the same records.
    let again = still_there::<Row>(&name);
    assert_eq!(
        shmsafe::slice_as_bytes(&again),
        shmsafe::slice_as_bytes(&rows)
    );
    drop((again, array));
    assert_removed(&BTreeSet::from([name]));
}

#[test]
fn numpy_reads_nested_records_arrays_and_wide_integers() {
    let mut runner = TestRunner::deterministic();
    let tracks: Vec<Track> = (0..300).map(|_| track(&mut runner)).collect();
    let array = SharedArray::from_fn(tracks.len(), |i| {
        let t = &tracks[i];
        Track {
            hits: AtomicU32::new(t.hits.load(Ordering::Relaxed)),
            ..*t
        }
    })
    .unwrap();
    let name = array.name().to_owned();
    let dump = dump(&array);
    let Kind::Record(layout) = Track::KIND else {
        unreachable!("Track is a record")
    };
    compare_layout(&dump["layout"], layout);
    compare_records(&dump["records"], array.iter().map(track_value));
    // SAFETY: the segment is published and only its atomic field could be written; nobody does.
    drop(unsafe { SharedArray::<Track>::open_read_write(&name) }.expect("still there"));
    drop(array);
    assert_removed(&BTreeSet::from([name]));
}

/// numpy builds the dtype of every kind of type, with the size Rust gives it.
#[test]
fn numpy_builds_every_kind_of_dtype() {
    macro_rules! kinds {
        ($($t:ty),* $(,)?) => {
            vec![$((stringify!($t), <$t as ShmSafe>::KIND.numpy_dtype(), size_of::<$t>())),*]
        };
    }
    use std::sync::atomic::{AtomicI8, AtomicI16, AtomicI64, AtomicU8, AtomicU16, AtomicU64};
    let kinds = kinds![
        u8,
        i8,
        u16,
        i16,
        u32,
        i32,
        u64,
        i64,
        u128,
        i128,
        f32,
        f64,
        AtomicU8,
        AtomicI8,
        AtomicU16,
        AtomicI16,
        AtomicU32,
        AtomicU64,
        AtomicI64,
        FixedStr<0>,
        FixedStr<1>,
        FixedStr<6>,
        [u8; 2],
        [[i32; 3]; 2],
        [[[f64; 2]; 1]; 3],
        [FixedStr<3>; 4],
        [u128; 2],
        [AtomicU16; 5],
        Point,
        [Point; 2],
        [[Point; 2]; 3],
        Row,
        [Row; 2],
        Track,
        [Track; 2],
        (),
        PhantomData<u8>,
    ];
    let descriptions: Vec<_> = kinds.iter().map(|(_, d, _)| d.clone()).collect();
    let out = run_python([
        "-c",
        "import json, sys\n\
         from shmsafe_attach import numpy_dtype\n\
         out = []\n\
         for text in json.loads(sys.argv[1]):\n\
         \x20   try:\n\
         \x20       out.append(numpy_dtype(json.loads(text)).itemsize)\n\
         \x20   except Exception as e:\n\
         \x20       out.append(f'{type(e).__name__}: {e}')\n\
         print(json.dumps(out))",
        &serde_json::to_string(&descriptions).unwrap(),
    ]);
    let sizes = json_stdout(&out, "numpy_dtype");
    let sizes = sizes.as_array().expect("a list");
    assert_eq!(
        sizes.len(),
        kinds.len(),
        "numpy answered for other kinds: {sizes:?}"
    );
    let wrong: Vec<String> = kinds
        .iter()
        .zip(sizes)
        .filter(|((_, _, size), got)| *got != &json!(size))
        .map(|((t, d, size), got)| format!("{t}: {d} -> numpy {got}, Rust {size} bytes"))
        .collect();
    assert!(wrong.is_empty(), "numpy disagrees:\n{}", wrong.join("\n"));
}

#[test]
fn nansum_worker_reports_the_seeds_sum_from_the_shared_pages() {
    // The seed's data: 1.0 and NaN alternating, so the sum is exact.
    let len = 1_000_001;
    let array = SharedArray::from_fn(len, |i| Row {
        date: i as i64,
        val: if i % 2 == 0 { 1.0 } else { f64::NAN },
        name: FixedStr::truncating(if i % 2 == 0 { "string" } else { "abc" }),
        _pad: [0; 2],
    })
    .unwrap();
    let out = run_python([
        script("nansum_worker.py").as_os_str(),
        "--handoff".as_ref(),
        array.numpy_handoff().as_ref(),
        "--worker".as_ref(),
        "3".as_ref(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(stdout.lines().count(), 1, "not one line: {stdout}");
    let report = json_stdout(&out, "nansum_worker.py");
    let keys: BTreeSet<&str> = report.as_object().unwrap().keys().map(|k| &**k).collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "worker",
            "nansum",
            "attach_s",
            "scan_s",
            "private_bytes",
            "pss_bytes",
            "rss_bytes"
        ])
    );
    assert_eq!(report["worker"], 3);
    assert_eq!(report["nansum"], json!(len.div_ceil(2) as f64));
    for key in ["attach_s", "scan_s"] {
        assert!(
            report[key].as_f64().is_some_and(|s| s >= 0.0),
            "{key}: {report}"
        );
    }
    let bytes = |key: &str| {
        report[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key}: {report}"))
    };
    let (private, pss, rss) = (
        bytes("private_bytes"),
        bytes("pss_bytes"),
        bytes("rss_bytes"),
    );
    assert!(private <= pss && pss <= rss, "{report}");
    // The scan read the segment's own pages, which this process also maps (it wrote them): they
    // are resident in the worker as shared memory, not as a private copy.
    let records = (len * size_of::<Row>()) as u64;
    assert!(
        rss - private >= records,
        "shared {} < records {records}: {report}",
        rss - private
    );
    let name = array.name().to_owned();
    drop(array);
    assert_removed(&BTreeSet::from([name]));
}

#[test]
fn worker_errors_say_what_to_do() {
    let array = SharedArray::from_fn(10, |i| Row {
        date: i as i64,
        val: 1.0,
        name: FixedStr::truncating("abc"),
        _pad: [0; 2],
    })
    .unwrap();
    let handoff = array.numpy_handoff();
    let worker = script("nansum_worker.py");
    let fails = |args: &[&str], expected: &[&str]| {
        let mut all = vec![worker.to_str().unwrap()];
        all.extend(args);
        let out = run_python(&all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(out.stdout.is_empty(), "{args:?} printed a report");
        for text in expected {
            assert!(stderr.contains(text), "{args:?}: no {text:?} in:\n{stderr}");
        }
    };
    let stale = handoff.replace("\"count\": 10", "\"count\": 11");
    assert_ne!(stale, handoff);
    fails(&["--handoff", &stale], &["count = 11", "holds 10", "stale"]);
    let gone = handoff.replace(array.name(), "shmsafe_0000000000000000");
    fails(
        &["--handoff", &gone],
        &["no shared-memory segment", "shmsafe_0000000000000000"],
    );
    fails(&["--handoff", "{not json"], &["not JSON"]);
    fails(
        &["--handoff", &handoff, "--field", "value"],
        &["no field 'value'"],
    );
    // `-S` leaves out site-packages: this is a Python without numpy.
    let out = run_python(["-S", worker.to_str().unwrap(), "--handoff", &handoff]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("pip install numpy"),
        "{stderr}"
    );

    let name = array.name().to_owned();
    drop(array);
    assert_removed(&BTreeSet::from([name]));
}

/// The pitfall the attach module avoids is real: a plain `SharedMemory(name)` attach registers
/// the segment with Python's resource tracker, which unlinks it when the process exits.
// ANCHOR: pitfall
#[test]
fn a_plain_shared_memory_attach_unlinks_the_rust_segment() {
    let array = SharedArray::from_fn(10, |i| i as u64).unwrap();
    let out = run_python([
        "-c",
        "import sys\n\
         from multiprocessing import shared_memory\n\
         shm = shared_memory.SharedMemory(name=sys.argv[1])\n\
         shm.close()",
        array.name(),
    ]);
    // The tracker inherits stderr, so `output()` returned only after it exited: it has done its
    // cleanup by now.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("leaked shared_memory"),
        "no tracker warning: {stderr}"
    );
    // SAFETY: nothing writes the segment.
    let reopened = unsafe { SharedArray::<u64>::open(array.name()) };
    assert!(
        matches!(reopened, Err(shmsafe::Error::NotFound { .. })),
        "the tracker did not unlink it: {reopened:?}"
    );
    // The creator's mapping is unaffected: only the name is gone.
    assert_eq!(array.iter().sum::<u64>(), 45);
    // ANCHOR_END: pitfall
    let name = array.name().to_owned();
    drop(array);
    assert_removed(&BTreeSet::from([name]));
}

/// `experiment --method python`: Python workers, started by the experiment, attach to the
/// experiment's `SharedArray` and find the seed's sum; the run reports them like the others.
#[test]
fn the_experiment_runs_python_workers_on_rust_records() {
    let me = std::env::current_exe().expect("the test knows its own path");
    let experiment = me
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps")
        .join("examples/experiment");
    assert!(
        experiment.is_file(),
        "{} is missing: run the tests with `cargo test`, which builds the examples first",
        experiment.display()
    );
    let json_path = target_dir().join(format!("python-experiment-{}.json", std::process::id()));
    let out = Command::new(&experiment)
        .args([
            "--rows",
            "1001",
            "--workers",
            "2",
            "--repeat",
            "1",
            "--quiet",
        ])
        .args(["--method", "shm,python", "--python"])
        .arg(&python().exe)
        .arg("--json")
        .arg(&json_path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{stderr}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let json: Value = serde_json::from_str(&fs::read_to_string(&json_path).unwrap()).unwrap();
    let _ = fs::remove_file(&json_path);
    let python = json["methods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["method"] == "python")
        .expect("a python row in the JSON");
    assert_eq!(python["nansum"], 501.0);
    let workers = python["per_worker"].as_array().unwrap();
    assert_eq!(workers.len(), 2);
    for w in workers {
        assert_eq!(w["nansum"], 501.0);
        // Measured from the Python process's own /proc/self/smaps_rollup.
        assert!(w["rss_bytes"].as_u64().unwrap() > w["private_bytes"].as_u64().unwrap());
    }
    // The run removed its segments: every name it used is gone.
    let segment = python["segment"].as_str().expect("the segment's name");
    assert!(
        !Path::new("/dev/shm").join(segment).exists(),
        "{segment} left behind"
    );
}
