//! What a replay run did, per cassette: hits, misses (each with its closest recording and what
//! differs), and the recordings no request used. `GET /_parlel/replay` answers it as JSON, the
//! shutdown summary is its short form, and `cassette prune --unused-since REPORT` reads it back.

use serde_json::{Value, json};

use super::loaded::Loaded;

/// The report of one cassette.
pub fn cassette_report(loaded: &Loaded) -> Value {
    let (hits, misses) = loaded.counts();
    let kept: Vec<Value> = loaded
        .misses()
        .iter()
        .map(|miss| {
            json!({
                "action": miss.action,
                "identity": miss.identity,
                "closest": miss.closest.as_ref().map(|(index, differences)| json!({
                    "interaction": index,
                    "differences": differences,
                })),
                "message": loaded.describe(miss),
            })
        })
        .collect();
    let unused: Vec<Value> = loaded
        .unused()
        .map(|(index, interaction)| {
            json!({
                "interaction": index,
                "action": interaction.request.action,
                "identity": interaction.request.identity,
                "ordinal": interaction.ordinal,
            })
        })
        .collect();
    json!({
        "cassette": loaded.location,
        "interactions": loaded.len(),
        "hits": hits,
        "misses": misses,
        "miss_details": kept,
        "unused": unused,
    })
}

/// The report of every cassette loaded, with totals.
pub fn report<'a>(all: impl IntoIterator<Item = &'a Loaded>) -> Value {
    let cassettes: Vec<Value> = all.into_iter().map(cassette_report).collect();
    let total = |field: &str| {
        cassettes
            .iter()
            .map(|c| c[field].as_u64().unwrap_or(0))
            .sum::<u64>()
    };
    json!({
        "hits": total("hits"),
        "misses": total("misses"),
        "cassettes": cassettes,
    })
}

/// One line per cassette, for the shutdown summary.
pub fn summary_lines<'a>(all: impl IntoIterator<Item = &'a Loaded>) -> Vec<String> {
    all.into_iter()
        .map(|loaded| {
            let (hits, misses) = loaded.counts();
            let unused = loaded.unused_count();
            format!(
                "parlel-sts replay of {}: {hits} hit(s), {misses} miss(es), {unused} of {} interaction(s) unused",
                loaded.location,
                loaded.len()
            )
        })
        .collect()
}
