//! The fixed version of every record the compile-fail tests (`tests/ui/fail/`) refuse, one
//! module per test, named like it. The book's gallery of compile errors shows each error next to
//! its fix from these files, so every fix shown there is known to compile.
//!
//! ```text
//! cargo run --example derive_fixes
//! ```

// The record itself.
mod enum_record;
mod missing_repr;
mod repr_packed;
mod tuple_field;
mod union_record;
mod unsized_field;
// Pointers and heap ownership.
mod box_field;
mod fn_pointer_field;
mod hashmap_field;
mod raw_pointer_field;
mod rc_arc_field;
mod reference_field;
mod str_ref_field;
mod string_field;
mod vec_field;
// Every bit pattern valid.
mod bool_field;
mod char_field;
mod enum_field;
mod nonzero_field;
mod option_field;
// Fixed widths.
mod c_long_field;
mod isize_field;
mod usize_field;
// Padding.
mod generic_padding;
mod generic_padding_at_definition;
mod implicit_padding;
mod trailing_padding;
// No unsynchronised mutation.
mod atomic_bool_field;
mod cell_field;
mod mutex_field;
// What syntax cannot see.
mod alias_to_string;
mod foreign_type;
mod generic_instantiation;
mod hidden_behind_names;
mod nested_not_shmsafe;
// Several at once, and using records.
mod atomic_bytes;
mod open_atomic_record;
mod several_bad_fields;
mod where_clause_bad_field;

/// A fix's name and the layouts of its records.
type Fix = (&'static str, fn() -> Vec<shmsafe::Kind>);

fn main() {
    let modules: [Fix; 39] = [
        ("missing_repr", missing_repr::layouts),
        ("repr_packed", repr_packed::layouts),
        ("enum_record", enum_record::layouts),
        ("union_record", union_record::layouts),
        ("tuple_field", tuple_field::layouts),
        ("unsized_field", unsized_field::layouts),
        ("string_field", string_field::layouts),
        ("str_ref_field", str_ref_field::layouts),
        ("vec_field", vec_field::layouts),
        ("box_field", box_field::layouts),
        ("reference_field", reference_field::layouts),
        ("raw_pointer_field", raw_pointer_field::layouts),
        ("rc_arc_field", rc_arc_field::layouts),
        ("hashmap_field", hashmap_field::layouts),
        ("fn_pointer_field", fn_pointer_field::layouts),
        ("bool_field", bool_field::layouts),
        ("char_field", char_field::layouts),
        ("option_field", option_field::layouts),
        ("nonzero_field", nonzero_field::layouts),
        ("enum_field", enum_field::layouts),
        ("usize_field", usize_field::layouts),
        ("isize_field", isize_field::layouts),
        ("c_long_field", c_long_field::layouts),
        ("implicit_padding", implicit_padding::layouts),
        ("trailing_padding", trailing_padding::layouts),
        ("generic_padding", generic_padding::layouts),
        (
            "generic_padding_at_definition",
            generic_padding_at_definition::layouts,
        ),
        ("cell_field", cell_field::layouts),
        ("mutex_field", mutex_field::layouts),
        ("atomic_bool_field", atomic_bool_field::layouts),
        ("alias_to_string", alias_to_string::layouts),
        ("nested_not_shmsafe", nested_not_shmsafe::layouts),
        ("foreign_type", foreign_type::layouts),
        ("generic_instantiation", generic_instantiation::layouts),
        ("hidden_behind_names", hidden_behind_names::layouts),
        ("several_bad_fields", several_bad_fields::layouts),
        ("where_clause_bad_field", where_clause_bad_field::layouts),
        ("atomic_bytes", atomic_bytes::layouts),
        ("open_atomic_record", open_atomic_record::layouts),
    ];
    for (name, layouts) in modules {
        for layout in layouts() {
            println!("{name}: {layout}");
        }
    }
    enum_record::check();
    fn_pointer_field::check();
    enum_field::check();
    atomic_bytes::check();
    open_atomic_record::check().expect("a counter segment");
    println!("{} fixes compile and run", modules.len());
}
