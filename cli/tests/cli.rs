//! The `shmsafe` command against real segments: a live creator's, a killed creator's (stale),
//! an unpublished one, and files that are not shmsafe segments.
//!
//! `ls`, `clean --dry-run` and `rm` run on the real `/dev/shm` and check only this test's names;
//! `clean` itself runs in a private `/dev/shm` (a mount namespace with its own tmpfs), so that it
//! cannot remove other programs' leftovers.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::process::{Command, Output};
use std::time::Duration;

use support::{Names, RawSegment, Spawned, child, exists, report, seed_row};

/// Not a test of its own: the entry point of the child processes the tests below start.
#[test]
fn child_process_entry() {
    let Some(role) = support::role() else {
        return;
    };
    match role.as_str() {
        "create-then-wait" => {
            let rows = shmsafe::SharedArray::from_fn(1000, seed_row).unwrap();
            report(rows.name());
            std::thread::sleep(Duration::from_secs(600));
        }
        "writer-wait" => {
            let writer = shmsafe::SharedArray::<u64>::writer(10).unwrap();
            report(writer.name());
            std::thread::sleep(Duration::from_secs(600));
        }
        "clean" => {
            report(support::INSIDE);
            clean_inside();
            report("done");
        }
        other => panic!("unknown SHMSAFE_CHILD role {other:?}"),
    }
}

fn shmsafe(args: &[&str]) -> Output {
    support::output_within(
        Command::new(env!("CARGO_BIN_EXE_shmsafe")).args(args),
        Duration::from_secs(60),
    )
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Starts a creator in `role`, returns it with the segment's name; killed if `kill`.
fn creator(role: &str, kill: bool, names: &mut Names) -> (Spawned, String) {
    let mut c = Spawned::new(&mut child(role, ""), false);
    let name = names.add(&c.next_report().expect("the creator's name"));
    if kill {
        c.kill();
    }
    (c, name)
}

/// The size of segment `name` as `shmsafe` shows it, in KiB with one decimal.
fn kib(name: &str) -> String {
    let size = std::fs::metadata(support::shm_path(name)).unwrap().len();
    format!("{:.1} KiB", size as f64 / 1024.0)
}

/// The line of `text` that starts with `name`.
fn row<'a>(text: &'a str, name: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("no row for {name} in:\n{text}"))
}

#[test]
fn ls_shows_a_table_that_tells_live_creators_from_gone_ones() {
    let mut names = Names::default();
    let (mut live, live_name) = creator("create-then-wait", false, &mut names);
    let (_, stale_name) = creator("create-then-wait", true, &mut names);
    let (_, unpublished) = creator("writer-wait", true, &mut names);

    let out = shmsafe(&["ls"]);
    assert!(out.status.success(), "{}", support::describe(&out));
    let text = stdout(&out);
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with("NAME ") && header.ends_with("LAYOUT"),
        "{header}"
    );
    // Aligned columns: each row's creator and layout start under their headings.
    let column = |heading: &str| header.find(heading).unwrap();
    for (name, state, alive) in [
        (&live_name, "ready", "alive"),
        (&stale_name, "ready", "gone"),
        (&unpublished, "writing", "gone"),
    ] {
        let line = row(&text, name);
        assert_eq!(
            line[column("STATE")..].split_whitespace().next(),
            Some(state),
            "{line}"
        );
        assert!(line[column("CREATOR")..].starts_with(alive), "{line}");
        let layout = &line[column("LAYOUT")..];
        let expected = if state == "ready" {
            "Row {date: <i8 @0"
        } else {
            "<u8 (8 bytes)"
        };
        assert!(layout.starts_with(expected), "{line}");
    }
    assert!(row(&text, &live_name).contains(" 1000  "), "{text}");
    assert!(
        text.contains("stale (creator gone): `shmsafe clean` removes"),
        "{text}"
    );

    // The same, as JSON.
    let out = shmsafe(&["ls", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let find = |name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .unwrap()
    };
    let live_json = find(&live_name);
    assert_eq!(live_json["creator_alive"], true);
    assert_eq!(live_json["state"], "ready");
    assert_eq!(live_json["len"], 1000);
    assert_eq!(
        live_json["size"],
        std::fs::metadata(support::shm_path(&live_name))
            .unwrap()
            .len()
    );
    assert_eq!(find(&stale_name)["creator_alive"], false);

    // `clean --dry-run` names the stale ones and removes nothing.
    let out = shmsafe(&["clean", "--dry-run"]);
    let text = stdout(&out);
    assert!(
        text.lines().any(|l| l.starts_with(&format!(
            "would remove {stale_name} ({}, 1000 records of Row {{date: <i8 @0",
            kib(&stale_name)
        ))),
        "{text}"
    );
    assert!(
        text.contains(&format!("would remove {unpublished} ")),
        "{text}"
    );
    assert!(!text.contains(&live_name), "{text}");
    assert!(exists(&stale_name) && exists(&unpublished));

    live.kill();
    for name in [&live_name, &stale_name, &unpublished] {
        let out = shmsafe(&["rm", name]);
        assert_eq!(stdout(&out), format!("removed {name}\n"));
        assert!(!exists(name));
    }
}

#[test]
fn rm_refuses_what_is_not_a_shmsafe_segment_unless_forced() {
    let python = RawSegment::named(
        format!("psm_{}", support::unique_name("")),
        &[9; 4096],
        0o600,
    );
    let out = shmsafe(&["rm", &python.name]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "shmsafe: segment `{}` is not a shmsafe array",
            python.name
        )) && err.contains("`shmsafe rm --force` removes it anyway"),
        "{err}"
    );
    assert!(exists(&python.name));
    let out = shmsafe(&["rm", "--force", &python.name]);
    assert!(out.status.success());
    assert!(!exists(&python.name));

    let out = shmsafe(&["rm", "shmsafe_no_such_segment"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no shared memory segment is named"));
}

#[test]
fn clean_removes_exactly_the_stale_segments() {
    support::run_driver_in_private_shm(
        "16m",
        "clean",
        "`shmsafe clean` in a private /dev/shm",
        Duration::from_secs(120),
    );
}

/// In a private `/dev/shm`, where the whole of `clean`'s output may be checked.
fn clean_inside() {
    let mut names = Names::default();
    let (mut live, live_name) = creator("create-then-wait", false, &mut names);
    let (stale, stale_name) = creator("create-then-wait", true, &mut names);
    let other = RawSegment::named("psm_other".into(), &[1; 4096], 0o600);

    let size = kib(&stale_name);
    assert_eq!(
        stdout(&shmsafe(&["clean"])),
        format!(
            "removed {stale_name} ({size}, 1000 records of Row {{date: <i8 @0, val: <f8 @8, \
             name: S6 @16, _pad: (2,)u1 @22}} (24 bytes, align 8), creator gone (pid {}))\n\
             removed 1 stale segment, {size} freed\n",
            stale.child.id()
        )
    );
    assert!(!exists(&stale_name) && exists(&live_name) && exists(&other.name));
    assert_eq!(stdout(&shmsafe(&["clean"])), "no stale segments\n");
    live.kill();
    assert!(stdout(&shmsafe(&["clean"])).starts_with(&format!("removed {live_name} ")));
    drop(other);
    assert_eq!(
        stdout(&shmsafe(&["ls"])),
        "no shmsafe segments of this user in /dev/shm\n"
    );
}

#[test]
fn ls_prints_names_without_raw_control_characters() {
    // Anyone who can write to /dev/shm chooses names; this one would clear the screen.
    let rows = shmsafe::SharedArray::from_fn(3, seed_row).unwrap();
    let bytes = support::segment_bytes(rows.name());
    let evil = RawSegment::named(
        format!("{}\x1b[2J", support::unique_name("_escape")),
        &bytes,
        0o600,
    );
    let out = shmsafe(&["ls"]);
    let text = stdout(&out);
    let shown = evil.name.replace('\x1b', "\\u{1b}");
    assert!(text.lines().any(|l| l.starts_with(&shown)), "{text}");
    assert!(!text.contains('\x1b'), "{text:?}");
    // `rm` takes the real name.
    let out = shmsafe(&["rm", &evil.name]);
    assert_eq!(stdout(&out), format!("removed {shown}\n"));
    assert!(!exists(&evil.name));
}
