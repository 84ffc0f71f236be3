//! The solutions to the exercises at the end of the book's chapters, one module per chapter.
//!
//! ```text
//! cargo run --example exercises -- 4       # the solution to chapter 4's exercise
//! cargo run --example exercises -- all     # every solution, in order
//! ```
//!
//! `tests/exercises.rs` runs each one and checks what it prints.

mod ch01_memory_budget;
mod ch02_lazy_memory;
mod ch03_two_lifetimes;
mod ch04_padding;
mod ch05_derive_a_record;
mod ch06_city_names;
mod ch07_wrong_type;
mod ch08_parallel_fill;
mod ch09_python_counts;
mod ch10_validate;

type Solution = fn(&[String]) -> Result<(), Box<dyn std::error::Error>>;

const SOLUTIONS: [(&str, &str, Solution); 10] = [
    ("1", "memory budget", ch01_memory_budget::main),
    ("2", "memory on first touch", ch02_lazy_memory::main),
    (
        "3",
        "the two lifetimes of a segment",
        ch03_two_lifetimes::main,
    ),
    ("4", "padding by hand", ch04_padding::main),
    ("5", "derive a record", ch05_derive_a_record::main),
    ("6", "city names in eight bytes", ch06_city_names::main),
    ("7", "opening with the wrong type", ch07_wrong_type::main),
    ("8", "filling in parallel", ch08_parallel_fill::main),
    (
        "9",
        "Python counts what Rust wrote",
        ch09_python_counts::main,
    ),
    ("10", "validate before you trust", ch10_validate::main),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(which) = args.first() else {
        eprintln!("usage: cargo run --example exercises -- CHAPTER [ARGS...]   (or `all`)");
        for (chapter, title, _) in SOLUTIONS {
            eprintln!("  {chapter:>2}  {title}");
        }
        std::process::exit(2);
    };
    let rest = &args[1..];
    for (chapter, title, solution) in SOLUTIONS {
        if which == "all" {
            println!("== chapter {chapter}: {title}");
            solution(rest)?;
            println!();
        } else if which == chapter {
            return solution(rest);
        }
    }
    if which != "all" {
        return Err(format!("no exercise for chapter {which:?}: try 1 to 10, or all").into());
    }
    Ok(())
}
