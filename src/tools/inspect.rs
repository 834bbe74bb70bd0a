//! `cassette list` (each cassette of a directory: name, store, interactions, when recorded, the
//! upstream) and `cassette show NAME` (a table of its interactions: ordinal, action, identity,
//! key parameters, status), both with `--json` for machines.

use std::path::Path;

use serde_json::{Value, json};

use super::load;
use crate::cassette::{Cassette, Interaction};

pub fn list(dir: &Path, as_json: bool) -> Result<bool, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "sled"))
        .collect();
    paths.sort();
    let mut rows = Vec::new();
    let mut all_loaded = true;
    for path in &paths {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let store = if path.extension().is_some_and(|e| e == "sled") {
            "sled"
        } else {
            "yaml"
        };
        match load(path) {
            Ok((_, cassette)) => rows.push(json!({
                "name": name,
                "store": store,
                "interactions": cassette.interactions.len(),
                "recorded": recorded_span(&cassette),
                "upstream": cassette.upstream,
            })),
            Err(why) => {
                all_loaded = false;
                rows.push(json!({"name": name, "store": store, "error": why}));
            }
        }
    }
    if as_json {
        println!("{}", Value::Array(rows));
        return Ok(all_loaded);
    }
    println!(
        "{:<24} {:<5} {:>12}  {:<41}  UPSTREAM",
        "NAME", "STORE", "INTERACTIONS", "RECORDED"
    );
    for row in &rows {
        match row.get("error") {
            Some(error) => println!(
                "{:<24} {:<5} {:>12}  {}",
                text(&row["name"]),
                text(&row["store"]),
                "-",
                text(error)
            ),
            None => println!(
                "{:<24} {:<5} {:>12}  {:<41}  {}",
                text(&row["name"]),
                text(&row["store"]),
                text(&row["interactions"]),
                text(&row["recorded"]),
                text(&row["upstream"])
            ),
        }
    }
    Ok(all_loaded)
}

pub fn show(path: &Path, as_json: bool) -> Result<bool, String> {
    let (store, cassette) = load(path)?;
    let rows: Vec<Value> = cassette.interactions.iter().map(row).collect();
    if as_json {
        let out = json!({
            "cassette": store.location(),
            "format": cassette.format,
            "upstream": cassette.upstream,
            "interactions": rows,
        });
        println!("{out}");
        return Ok(true);
    }
    println!(
        "{}: {} interaction(s), upstream {}, recorded {}",
        store.location(),
        cassette.interactions.len(),
        cassette.upstream,
        recorded_span(&cassette)
    );
    println!(
        "{:>4} {:>7}  {:<26} {:<20} {:>6}  PARAMETERS",
        "#", "ORDINAL", "ACTION", "IDENTITY", "STATUS"
    );
    for (index, row) in rows.iter().enumerate() {
        let line = format!(
            "{index:>4} {:>7}  {:<26} {:<20} {:>6}  {}",
            text(&row["ordinal"]),
            text(&row["action"]),
            text(&row["identity"]),
            text(&row["status"]),
            text(&row["parameters"])
        );
        println!("{}", line.trim_end());
    }
    Ok(true)
}

fn row(interaction: &Interaction) -> Value {
    let parameters: Vec<String> = interaction
        .request
        .parameters
        .iter()
        .map(|(name, value)| format!("{name}={}", shorten(value, 48)))
        .collect();
    json!({
        "ordinal": interaction.ordinal,
        "action": interaction.request.action,
        "identity": interaction.request.identity,
        "method": interaction.request.method,
        "status": interaction.response.status,
        "recorded_at": interaction.recorded_at,
        "parameters": parameters.join(" "),
    })
}

/// `FIRST .. LAST` recorded_at (one time when they are the same), or `-`.
fn recorded_span(cassette: &Cassette) -> String {
    let mut times: Vec<&str> = cassette
        .interactions
        .iter()
        .map(|i| i.recorded_at.as_str())
        .collect();
    times.sort_unstable();
    match (times.first(), times.last()) {
        (Some(first), Some(last)) if first == last => (*first).to_owned(),
        (Some(first), Some(last)) => format!("{first} .. {last}"),
        _ => "-".to_owned(),
    }
}

fn shorten(value: &str, max: usize) -> String {
    if value.chars().count() <= max {
        value.to_owned()
    } else {
        let head: String = value.chars().take(max - 1).collect();
        format!("{head}…")
    }
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}
