//! The book's description of the segment format, checked against the format itself: the header
//! table in "Inside SharedArray" against `shmsafe::format::Header`'s own layout, and the sizes the
//! chapter quotes against a real segment.

use std::fs;

use shmsafe::format::{HEADER_SIZE, Header};
use shmsafe::{Kind, SharedArray, ShmSafe};

const CHAPTER: &str = "book/src/inside-shared-array.md";

fn chapter() -> String {
    fs::read_to_string(format!("{}/{CHAPTER}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn the_header_table_is_the_header() {
    let text = chapter();
    let table: Vec<(usize, usize, String)> = text
        .split("<!-- header-table: checked against shmsafe::format::Header -->")
        .nth(1)
        .expect("the chapter marks its header table")
        .lines()
        .skip(3) // the marker's own line end, the table's head and its rule
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            (
                cells[1].parse().unwrap(),
                cells[2].parse().unwrap(),
                cells[3].to_owned(),
            )
        })
        .collect();
    let Kind::Record(layout) = Header::KIND else {
        panic!("the header is a record")
    };
    let fields: Vec<(usize, usize, String)> = layout
        .fields()
        .iter()
        .map(|f| (f.offset(), f.size(), f.name().to_owned()))
        .collect();
    assert_eq!(table, fields, "{CHAPTER}'s header table");
    assert_eq!(layout.size(), HEADER_SIZE);
    assert!(text.contains(&format!(
        "| 8 | 4 | version | the format version, {} |",
        shmsafe::format::VERSION
    )));
}

// The seed's record, shared with the examples, the bench and the book.
#[path = "../examples/seed/mod.rs"]
mod seed;
use seed::{Row, row};

#[test]
fn the_sizes_quoted_for_the_seed_record_are_true() {
    let array = SharedArray::from_fn(3, row).unwrap();
    let bytes = fs::read(format!("/dev/shm/{}", array.name())).unwrap();
    let header: Header = shmsafe::read_from_bytes(&bytes[..HEADER_SIZE]).unwrap();
    let quoted = format!(
        "For the seed's `Row` it is {} bytes, so the records start at byte {}:",
        header.layout_len,
        array.data_offset()
    );
    assert!(
        chapter().replace('\n', " ").contains(&quoted),
        "{CHAPTER} should say: {quoted}"
    );
    assert_eq!(bytes.len(), array.data_offset() + 3 * size_of::<Row>());
}
