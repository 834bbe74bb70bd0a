//! The generated model table matches botocore's STS model as installed (by `.ci/run`).

#[test]
fn generated_table_matches_installed_botocore() {
    let has_botocore = std::process::Command::new("python3")
        .args(["-c", "import botocore"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_botocore {
        eprintln!("SKIPPED: botocore is not installed (.ci/run installs it)");
        return;
    }
    let out = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tools/gen_model.py"))
        .arg("--check")
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
