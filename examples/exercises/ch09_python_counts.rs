//! Chapter 9: Rust writes readings, Python counts them, and both must agree.

use std::path::Path;
use std::process::Command;

use shmsafe::{FixedStr, SharedArray};

use crate::ch05_derive_a_record::Reading;

// ANCHOR: solution
fn reading(i: usize) -> Reading {
    Reading {
        at: i as u64,
        value: i as f32 * 0.5,
        sensor: FixedStr::truncating(if i % 3 == 0 { "abc" } else { "de" }),
        ok: u8::from(i % 4 != 0),
    }
}

pub fn main(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // `--python PATH`, else the tests' virtual environment, else python3 from the PATH.
    let venv = root.join("target/python-venv/bin/python");
    let python = match args {
        [flag, path, ..] if flag == "--python" => path.into(),
        _ if venv.exists() => venv,
        _ => "python3".into(),
    };

    let readings = SharedArray::from_fn(1000, reading)?;
    let ok = readings.iter().filter(|r| r.ok == 1).count();
    let abc = readings
        .iter()
        .filter(|r| r.sensor.as_bytes() == b"abc")
        .count();
    let total: f64 = readings
        .iter()
        .filter(|r| r.ok == 1)
        .map(|r| f64::from(r.value))
        .sum();
    println!("Rust:   {ok} ok, {abc} from sensor abc, total of the ok ones {total}");

    let out = Command::new(&python)
        .arg(root.join("examples/python/ex09_count.py"))
        .arg(readings.numpy_handoff())
        .env("PYTHONPATH", root.join("examples/python"))
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            python.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    print!("Python: {}", String::from_utf8_lossy(&out.stdout));
    Ok(())
}
// ANCHOR_END: solution
