//! Reading a large YAML cassette fast: the layout this store writes (the head, then
//! `interactions:` with one `- request:` item per interaction at column 0, each ending with its
//! `body: |` block) is split into items, the block scalars are taken out by hand (a literal block
//! is its lines with the indentation removed, nothing to unescape), and the rest of each item is
//! read by hand when it is exactly as written here (`yaml_item`), else by serde_yaml, the items
//! spread over the machine's threads; the file is read a segment at
//! a time, so it is never in memory whole. Anything else (a hand-edited
//! file, another style of body) gives `None`, and the caller reads the whole file with serde_yaml,
//! whose errors say where the problem is.

use serde::Deserialize;

use super::model::{Cassette, Interaction};
use super::yaml_item;

/// Below this many bytes the whole file goes to serde_yaml: splitting gains nothing.
pub const BULK_ABOVE: usize = 256 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Head {
    format: u32,
    upstream: String,
    redaction_key: String,
}

/// The key of a body block in this store's layout, and the indentation of its lines.
const BODY_KEY: &str = "\n    body: |\n";
const BODY_INDENT: &str = "      ";

/// Bytes read at a time: the file is never in memory whole, only the interactions read from it.
const SEGMENT: usize = 8 * 1024 * 1024;

/// The cassette `reader` holds, read a segment at a time, when it has this store's layout.
pub fn read(reader: impl std::io::Read) -> Option<Cassette> {
    read_in(reader, SEGMENT)
}

fn read_in(mut reader: impl std::io::Read, segment: usize) -> Option<Cassette> {
    let mut buffer: Vec<u8> = Vec::with_capacity(segment);
    let mut eof = false;
    let mut fill = |buffer: &mut Vec<u8>, eof: &mut bool| -> Option<()> {
        let start = buffer.len();
        buffer.resize(start + segment, 0);
        let mut filled = start;
        while filled < buffer.len() {
            match reader.read(&mut buffer[filled..]) {
                Ok(0) => {
                    *eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        buffer.truncate(filled);
        Some(())
    };
    fill(&mut buffer, &mut eof)?;
    let marker = b"\ninteractions:\n";
    let at = memchr::memmem::find(&buffer, marker)?;
    let head: Head = serde_yaml::from_str(std::str::from_utf8(&buffer[..at]).ok()?).ok()?;
    buffer.drain(..at + marker.len());
    if !buffer.starts_with(b"- ") {
        return None;
    }
    let mut interactions = Vec::new();
    loop {
        // Whole items only: up to the last item start, unless the file has ended.
        let end = if eof {
            buffer.len()
        } else {
            match memchr::memmem::rfind(&buffer, b"\n- ") {
                Some(i) if i > 0 => i + 1,
                _ => {
                    fill(&mut buffer, &mut eof)?;
                    continue;
                }
            }
        };
        let text = std::str::from_utf8(&buffer[..end]).ok()?;
        interactions.extend(items(text)?);
        buffer.drain(..end);
        if eof && buffer.is_empty() {
            break;
        }
        fill(&mut buffer, &mut eof)?;
    }
    Some(Cassette {
        format: head.format,
        upstream: head.upstream,
        redaction_key: head.redaction_key,
        interactions,
    })
}

/// The items of `list` (whole `- request:` items), read over the machine's threads.
fn items(list: &str) -> Option<Vec<Interaction>> {
    if list.is_empty() {
        return Some(Vec::new());
    }
    let mut starts: Vec<usize> = vec![0];
    starts.extend(memchr::memmem::find_iter(list.as_bytes(), "\n- ").map(|i| i + 1));
    starts.push(list.len());
    let mut items: Vec<&str> = starts.windows(2).map(|w| &list[w[0]..w[1]]).collect();
    crate::parallel::in_runs(&mut items, |_, run| batches(run).ok_or(())).ok()
}

/// Items read a batch at a time, their bodies by hand: the rest of each by hand too when it is
/// exactly as this store writes it (`yaml_item`), else the batch by serde_yaml (one sequence of
/// `BATCH` items: the parser's set-up is paid once per batch).
fn batches(items: &[&str]) -> Option<Vec<Interaction>> {
    const BATCH: usize = 256;
    let mut out = Vec::with_capacity(items.len());
    for batch in items.chunks(BATCH) {
        let mut heads = Vec::with_capacity(batch.len());
        let mut bodies = Vec::with_capacity(batch.len());
        for item in batch {
            let (head, body) = split_body(item)?;
            heads.push(head);
            bodies.push(body);
        }
        let by_hand: Option<Vec<Interaction>> = heads.iter().map(|h| yaml_item::read(h)).collect();
        let parsed = match by_hand {
            Some(parsed) => parsed,
            None => {
                let mut rest = String::new();
                for head in &heads {
                    rest.push_str(head);
                    rest.push_str("\n    body: ''\n");
                }
                serde_yaml::from_str(&rest).ok()?
            }
        };
        if parsed.len() != bodies.len() {
            return None;
        }
        for (mut interaction, body) in parsed.into_iter().zip(bodies) {
            interaction.response.body = body;
            out.push(interaction);
        }
    }
    Some(out)
}

/// An item without its body block, and the block's text.
fn split_body(item: &str) -> Option<(&str, String)> {
    let at = memchr::memmem::find(item.as_bytes(), BODY_KEY.as_bytes())?;
    let block = &item[at + BODY_KEY.len()..];
    // The body is the block without its indentation: sized for that (no shrinking copy later).
    let lines = memchr::memchr_iter(b'\n', block.as_bytes()).count();
    let mut body = String::with_capacity(block.len().saturating_sub(lines * BODY_INDENT.len()) + 1);
    for line in block.split_inclusive('\n') {
        match line.strip_prefix(BODY_INDENT) {
            Some(content) => body.push_str(content),
            // A line of less indentation is empty, or another key after the body: not this
            // layout.
            None if line.trim().is_empty() => body.push('\n'),
            None => return None,
        }
    }
    // `|` keeps one final line break and drops trailing blank lines.
    let kept = body.trim_end_matches('\n').len();
    if kept == 0 {
        return None;
    }
    body.truncate(kept);
    body.push('\n');
    Some((&item[..at], body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cassette::model::sample;

    #[test]
    fn reads_what_serde_yaml_reads_from_this_layout() {
        let mut cassette = Cassette {
            format: 1,
            upstream: "sts.amazonaws.com".into(),
            redaction_key: "k".into(),
            interactions: (0..400).map(sample).collect(),
        };
        cassette.interactions[3].response.body =
            "<GetCallerIdentityResponse>\n\n  <A>x: - y</A>\n</GetCallerIdentityResponse>\n".into();
        let text = serde_yaml::to_string(&cassette).unwrap();
        let padded = format!("{text}{}", "");
        let mut big = cassette.clone();
        while serde_yaml::to_string(&big).unwrap().len() < BULK_ABOVE {
            big.interactions.extend(cassette.interactions.clone());
        }
        let text_big = serde_yaml::to_string(&big).unwrap();
        assert_eq!(
            read(text_big.as_bytes()),
            Some(big.clone()),
            "the bulk reading"
        );
        // Segments smaller than an item, and of odd sizes, read the same.
        for segment in [100, 4096, 65_537] {
            assert_eq!(
                read_in(text_big.as_bytes(), segment),
                Some(big.clone()),
                "{segment}"
            );
        }
        assert_eq!(read(padded.as_bytes()), Some(cassette), "small files too");
        // Another body style: not this layout.
        let quoted = text_big.replacen(BODY_KEY, "\n    body: \"x\"\n    other: |\n", 1);
        assert_eq!(read(quoted.as_bytes()), None);
    }
}
