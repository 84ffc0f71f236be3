//! A pointer is an address in one process. This program shows it with a `String`: the parent
//! prints where its text lives, and a second process (this program again, with `--look ADDRESS`)
//! checks what that address is in *its* memory, using `/proc/self/maps`, without touching it.
//!
//! This is why a numpy array of Python strings (`dtype=object`) segfaults in another process:
//! each element is such an address.
//!
//! ```text
//! cargo run --example addresses
//! ```

use std::process::Command;

use procfs::process::MMapPath;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let (Some("--look"), Some(address)) = (args.get(1).map(String::as_str), args.get(2)) {
        return look(u64::from_str_radix(address.trim_start_matches("0x"), 16)?);
    }

    // ANCHOR: parent
    let text = String::from("string");
    println!(
        "parent (pid {}): a String is {} bytes: a pointer, a capacity ({}) and a length ({})",
        std::process::id(),
        size_of::<String>(),
        text.capacity(),
        text.len(),
    );
    println!(
        "parent: the pointer says the text {text:?} is at {:p}, on the heap",
        text.as_ptr()
    );
    // Hand the address to another process, as a shared array of Strings would.
    let status = Command::new(std::env::current_exe()?)
        .args(["--look", &format!("{:p}", text.as_ptr())])
        .status()?;
    assert!(status.success());
    // ANCHOR_END: parent
    Ok(())
}

// ANCHOR: look
/// Reports what `address` is in this process, from the list of its mappings.
fn look(address: u64) -> Result<(), Box<dyn std::error::Error>> {
    let pid = std::process::id();
    let maps = procfs::process::Process::myself()?.maps()?;
    let found = maps
        .iter()
        .find(|m| m.address.0 <= address && address < m.address.1);
    match found {
        None => println!(
            "child  (pid {pid}): {address:#x} is not mapped in this process: \
             following the pointer would be a segmentation fault"
        ),
        Some(map) => println!(
            "child  (pid {pid}): {address:#x} is mapped here too, to {}: \
             it holds this process's own bytes, not the parent's text",
            match &map.pathname {
                MMapPath::Path(path) => path.display().to_string(),
                MMapPath::Heap => "[heap]".to_string(),
                other => format!("{other:?}"),
            }
        ),
    }
    Ok(())
}
// ANCHOR_END: look
