//! The Python the tests run: a virtual environment in `target/python-venv`, made with
//! `python3 -m venv` and given numpy, pandas and setuptools by pip on first use (so it needs access
//! to PyPI once), then reused by every test binary that includes this module. `SHMSAFE_PYTHON=/path/to/python3`
//! builds it from another interpreter. Without python3, or without its `venv` module, the tests
//! that need it fail and say what to install: they never skip.
//!
//! Included with `#[path = "support/python.rs"] mod python_env;` by `tests/python_interop.rs`,
//! `tests/python_package.rs` (which also installs `python/` into it), `tests/book_python.rs`
//! and `tests/exercises.rs`.

use std::fs::{self, File};
use std::io::ErrorKind;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// A provisioned interpreter.
pub struct Python {
    /// The virtual environment's interpreter.
    pub exe: PathBuf,
    /// What the venv was built from, as the marker file records it.
    pub describe: String,
}

/// `target/` (or `$CARGO_TARGET_DIR`): `CARGO_TARGET_TMPDIR` is its `tmp` folder.
pub fn target_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).to_path_buf()
}

pub fn python() -> &'static Python {
    static PYTHON: OnceLock<Python> = OnceLock::new();
    PYTHON.get_or_init(|| provision().unwrap_or_else(|message| panic!("{message}")))
}

/// What the environment gets from PyPI once: numpy for every test, pandas for the seed's own
/// script, setuptools to install `python/` without build isolation.
pub const REQUIREMENTS: &[&str] = &["numpy", "pandas", "setuptools>=70.1"];

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
    let describe = format!(
        "python {version} at {executable} with {}",
        REQUIREMENTS.join(" ")
    );

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
    eprintln!("shmsafe tests: creating {venv:?} from {describe}");
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
        .arg("--quiet")
        .args(REQUIREMENTS)
        .output()
        .map_err(|e| format!("running pip in {venv:?}: {e}"))?;
    if !pip.status.success() {
        return Err(format!(
            "pip could not install {} into {venv:?} ({}): {}\nIt needs access to PyPI on \
             first use; or install them by hand: `{} -m pip install {}`.",
            REQUIREMENTS.join(" "),
            pip.status,
            String::from_utf8_lossy(&pip.stderr).trim(),
            exe.display(),
            REQUIREMENTS.join(" ")
        ));
    }
    fs::write(&marker, &describe).map_err(|e| format!("writing {marker:?}: {e}"))?;
    Ok(Python { exe, describe })
}
