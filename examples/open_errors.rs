//! Every way `SharedArray::open` can refuse a segment, produced for real.
//!
//! A good segment is made with `SharedArray`; bad ones are forged the way another program could
//! make them, by writing files in `/dev/shm` (on Linux, a POSIX shared-memory segment *is* a
//! file there). Each is then opened, and the error printed as a user would see it.
//!
//! ```text
//! cargo run --example open_errors
//! ```

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use shmsafe::format::{Header, VERSION};
use shmsafe::{FixedStr, Immutable, SharedArray, ShmSafe};

#[derive(ShmSafe, Clone, Copy, Debug, PartialEq)]
#[repr(C)]
struct Row {
    date: i64,
    val: f64,
    name: FixedStr<6>,
    _pad: [u8; 2],
}

/// Another record of the same size, 24 bytes: a different layout.
#[derive(ShmSafe, Clone, Copy, Debug)]
#[repr(C)]
struct Other {
    val: f64,
    date: i64,
    code: [u8; 8],
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let pid = std::process::id();
    let good = SharedArray::from_fn(100, |i| Row {
        date: i as i64,
        val: 1.0,
        name: FixedStr::truncating("abc"),
        _pad: [0; 2],
    })?;
    let bytes = fs::read(format!("/dev/shm/{}", good.name()))?;
    let mut forged = Forged(Vec::new());

    // ANCHOR: errors
    show("a name with a slash", open::<Row>("not/a/name"));
    show(
        "a name no one created",
        open::<Row>(&format!("book_missing_{pid}")),
    );

    let tiny = forged.write("tiny", &[0; 8])?;
    show("an 8-byte segment", open::<Row>(&tiny));

    let garbage = forged.write("garbage", &[0xab; 4096])?;
    show("4096 bytes of garbage", open::<Row>(&garbage));

    let mut future = bytes.clone();
    let version = core::mem::offset_of!(Header, version);
    future[version..version + 4].copy_from_slice(&(VERSION + 1).to_ne_bytes());
    let future = forged.write("future", &future)?;
    show("a newer format version", open::<Row>(&future));

    show(
        "another record type of the same size",
        open::<Other>(good.name()),
    );

    let short = forged.write(
        "short",
        &bytes[..good.data_offset() + 10 * size_of::<Row>()],
    )?;
    show("100 records announced, 10 present", open::<Row>(&short));

    let writer = SharedArray::<Row>::writer(100)?;
    show("a segment still being written", open::<Row>(writer.name()));
    // ANCHOR_END: errors

    drop(writer);
    drop(forged);
    Ok(())
}

// ANCHOR: show
fn open<T: Immutable>(name: &str) -> Result<SharedArray<T>, shmsafe::Error> {
    // SAFETY: nothing writes to any of these segments while they are open.
    unsafe { SharedArray::<T>::open(name) }
}

fn show<T: ShmSafe>(what: &str, opened: Result<SharedArray<T>, shmsafe::Error>) {
    match opened {
        Ok(_) => println!("{what}: opened?!"),
        Err(e) => {
            let variant: String = format!("{e:?}")
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            println!("{what}:\n  Error::{variant}: {e}\n");
        }
    }
}
// ANCHOR_END: show

/// Segments written by hand into /dev/shm, removed when dropped.
struct Forged(Vec<String>);

impl Forged {
    fn write(&mut self, what: &str, bytes: &[u8]) -> std::io::Result<String> {
        let name = format!("book_forged_{what}_{}", std::process::id());
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(format!("/dev/shm/{name}"))?;
        self.0.push(name.clone());
        file.write_all(bytes)?;
        Ok(name)
    }
}

impl Drop for Forged {
    fn drop(&mut self) {
        for name in &self.0 {
            let _ = shmsafe::remove_any(name);
        }
    }
}
