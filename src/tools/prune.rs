//! `cassette prune NAME --unused-since REPORT`: drops the interactions a replay report
//! (`GET /_parlel/replay`, saved to a file) marked unused, and rewrites the cassette atomically.
//! The report must be of this cassette as it is now (same location, same count).

use std::collections::HashSet;
use std::path::Path;

use super::load;
use crate::cassette::RecordMode;

pub fn prune(path: &Path, report: &Path) -> Result<bool, String> {
    let text = std::fs::read_to_string(report)
        .map_err(|e| format!("cannot read {}: {e}", report.display()))?;
    let report_json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a replay report: {e}", report.display()))?;
    let (mut store, mut cassette) = load(path)?;
    let location = store.location();
    let file_name = Path::new(&location).file_name();
    let entry = report_json["cassettes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| {
            c["cassette"]
                .as_str()
                .is_some_and(|l| Path::new(l).file_name() == file_name)
        })
        .ok_or_else(|| {
            format!(
                "{}: the report says nothing of {location}",
                report.display()
            )
        })?;
    if entry["interactions"].as_u64() != Some(cassette.interactions.len() as u64) {
        return Err(format!(
            "{location} holds {} interaction(s), the report's run saw {}: the cassette changed since; replay it again",
            cassette.interactions.len(),
            entry["interactions"]
        ));
    }
    let unused: HashSet<usize> = entry["unused"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| {
            u["interaction"]
                .as_u64()
                .and_then(|i| usize::try_from(i).ok())
        })
        .collect();
    let before = cassette.interactions.len();
    let mut index = 0;
    cassette.interactions.retain(|_| {
        let keep = !unused.contains(&index);
        index += 1;
        keep
    });
    let dropped = before - cassette.interactions.len();
    if dropped > 0 {
        store.begin(RecordMode::All, &cassette.upstream, &cassette.redaction_key)?;
        store.commit(Some(&cassette))?;
    }
    println!(
        "parlel-sts cassette prune: {location}: {dropped} unused interaction(s) dropped, {} kept",
        cassette.interactions.len()
    );
    Ok(true)
}
