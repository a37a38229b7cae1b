//! The README's code table is the catalogue (`Code::ALL`); `KPICHAIN_BLESS=1` rewrites it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use kpichain::Code;

fn table() -> String {
    let mut out = String::from("| code | where | meaning |\n| --- | --- | --- |\n");
    for code in Code::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            code.as_str(),
            code.stage(),
            code.description()
        ));
    }
    out
}

#[test]
fn the_readme_lists_every_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let (start, end) = ("<!-- codes:start -->\n", "<!-- codes:end -->");
    let from = readme.find(start).expect("codes:start marker") + start.len();
    let to = readme.find(end).expect("codes:end marker");
    let want = table();
    if std::env::var_os("KPICHAIN_BLESS").is_some() {
        let updated = format!("{}{want}{}", &readme[..from], &readme[to..]);
        std::fs::write(path, updated).unwrap();
        return;
    }
    assert_eq!(
        &readme[from..to],
        want,
        "the README's code table is stale: run `make schema` (KPICHAIN_BLESS=1)"
    );
}

#[test]
fn every_code_is_snake_case_text_and_reads_back() {
    for code in Code::ALL {
        let json = serde_json::to_string(code).unwrap();
        assert_eq!(json, format!("\"{}\"", code.as_str()));
        assert_eq!(serde_json::from_str::<Code>(&json).unwrap(), *code);
    }
}
