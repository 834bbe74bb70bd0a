//! The process's logs: one line per event on stderr, as text (colour only on a terminal, and never
//! with `NO_COLOR`) or as JSON objects. Lines go into a buffer that a background thread writes out
//! in batches (a few a second at most, one write each), so that a request never waits for stderr
//! and a busy server does not pay a system call per line. Levels are checked strictly: a word that
//! is not a level is an error, not a filter for a target of that name.
//!
//! Per-request lines (`RequestLine`) are written here directly, not through tracing's formatter:
//! they are the one line a busy server writes thousands of times a second, and laid out by hand
//! they cost a small part of what the generic formatter costs. They keep the generic lines' shape
//! and are subject to the same filter (target `parlel_sts::request`, level `info`).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::decimal;
use crate::timestamp::iso8601_seconds_into;

/// `server.log_format` / `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// `2026-12-01T10:00:00.000000Z  INFO target: field=value ...`
    #[default]
    Text,
    /// One JSON object per line, the event's fields at the top level.
    Json,
}

const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

/// The target of the per-request lines: `--log-level warn,parlel_sts::request=info` keeps them
/// alone.
pub const REQUEST_TARGET: &str = "parlel_sts::request";

/// A level (`off`, `error`, `warn`, `info`, `debug`, `trace`) or a filter of comma-separated
/// `TARGET=LEVEL` / `LEVEL` directives, as `tracing_subscriber::EnvFilter` reads them.
pub fn check_level(text: &str) -> Result<(), String> {
    let why = || {
        format!(
            "{text:?} is not a log level ({}) or a filter of TARGET=LEVEL directives",
            LEVELS.join(", ")
        )
    };
    for directive in text.split(',') {
        let directive = directive.trim();
        let level = match directive.rsplit_once('=') {
            Some((target, level)) if !target.trim().is_empty() => level,
            Some(_) => return Err(why()),
            None => directive,
        };
        if !LEVELS.contains(&level.trim().to_ascii_lowercase().as_str()) {
            return Err(why());
        }
    }
    EnvFilter::try_new(text).map(|_| ()).map_err(|_| why())
}

/// Whether stderr may carry ANSI colour: it is a terminal, and `NO_COLOR` is unset or empty.
pub fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Lines buffered but not written yet, at most: past this (a stderr that does not keep up) lines
/// are dropped and counted, never a request held up.
const BUFFERED_AT_MOST: usize = 8 * 1024 * 1024;
/// How long the writer waits after the first line of a batch for more to join it.
const BATCH_WINDOW: Duration = Duration::from_millis(20);

struct Shared {
    lines: Mutex<Vec<u8>>,
    /// Signalled when a line lands in an empty buffer, and at shutdown.
    wake: Condvar,
    dropped: AtomicU64,
    stop: AtomicBool,
}

/// Where every log line goes: a buffer, written to stderr by a thread of its own.
#[derive(Clone)]
pub struct Sink(Arc<Shared>);

impl Sink {
    fn start() -> (Sink, LogGuard) {
        let shared = Arc::new(Shared {
            lines: Mutex::new(Vec::with_capacity(64 * 1024)),
            wake: Condvar::new(),
            dropped: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let sink = Sink(shared.clone());
        let worker = std::thread::Builder::new()
            .name("parlel-sts-log".into())
            .spawn(move || write_out(&shared))
            .ok();
        (sink.clone(), LogGuard { sink, worker })
    }

    /// Queues one whole line (with its newline).
    pub fn line(&self, line: &[u8]) {
        let Ok(mut lines) = self.0.lines.lock() else {
            return;
        };
        if lines.len() + line.len() > BUFFERED_AT_MOST {
            self.0.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let was_empty = lines.is_empty();
        lines.extend_from_slice(line);
        drop(lines);
        if was_empty {
            self.0.wake.notify_one();
        }
    }
}

/// The writer thread: waits for a line, lets a batch gather, writes it in one go.
fn write_out(shared: &Shared) {
    let mut out = Vec::with_capacity(64 * 1024);
    let mut stderr = std::io::stderr();
    loop {
        let stopping = {
            let Ok(mut lines) = shared.lines.lock() else {
                return;
            };
            while lines.is_empty() && !shared.stop.load(Ordering::Relaxed) {
                lines = match shared.wake.wait(lines) {
                    Ok(lines) => lines,
                    Err(_) => return,
                };
            }
            shared.stop.load(Ordering::Relaxed)
        };
        if !stopping {
            std::thread::sleep(BATCH_WINDOW);
        }
        if let Ok(mut lines) = shared.lines.lock() {
            std::mem::swap(&mut *lines, &mut out);
        }
        let dropped = shared.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            let _ = writeln!(
                out,
                "parlel-sts: {dropped} log line(s) dropped: stderr did not keep up"
            );
        }
        let _ = stderr.write_all(&out);
        out.clear();
        if stopping {
            return;
        }
    }
}

/// Keep it for the life of the process: dropping it writes out what is still queued.
pub struct LogGuard {
    sink: Sink,
    worker: Option<std::thread::JoinHandle<()>>,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.sink.0.stop.store(true, Ordering::Relaxed);
        self.sink.0.wake.notify_one();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// tracing's formatter writes each event in one `write`: straight into the sink.
impl<'a> MakeWriter<'a> for Sink {
    type Writer = SinkWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        SinkWriter(self)
    }
}

pub struct SinkWriter<'a>(&'a Sink);

impl Write for SinkWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.line(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The per-request lines of this process, once `init` has run.
static REQUEST_LINES: OnceLock<RequestLines> = OnceLock::new();

/// How per-request lines are written: the format and the sink.
pub struct RequestLines {
    format: LogFormat,
    sink: Sink,
}

/// The process's per-request line writer, when logging is set up and the filter lets
/// `parlel_sts::request` lines through at `info`.
pub fn request_lines() -> Option<&'static RequestLines> {
    REQUEST_LINES
        .get()
        .filter(|_| tracing::enabled!(target: REQUEST_TARGET, tracing::Level::INFO))
}

/// Installs the process's subscriber. Keep the guard for the life of the process.
pub fn init(level: &str, format: LogFormat) -> LogGuard {
    let (sink, guard) = Sink::start();
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(sink.clone())
        .with_ansi(colour());
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    if installed.is_ok() {
        let _ = REQUEST_LINES.set(RequestLines { format, sink });
    }
    guard
}

/// One request's line: what `RequestLines::write` lays out.
pub struct RequestLine<'a> {
    /// An HTTP method (a token: nothing to escape).
    pub method: &'a str,
    pub path: &'a str,
    /// An Action of the model, or `-`: never text from the request.
    pub action: &'static str,
    pub caller: &'a str,
    pub status: u16,
    /// An error code of the model, or `-`.
    pub code: &'static str,
    pub latency_us: u64,
}

thread_local! {
    /// Each thread's line buffer, and the second its timestamp prefix was made for.
    static LINE: std::cell::RefCell<(Vec<u8>, i64, [u8; 20])> =
        const { std::cell::RefCell::new((Vec::new(), i64::MIN, [0; 20])) };
}

impl RequestLines {
    /// Writes `line`, stamped `now`.
    pub fn write(&self, line: &RequestLine<'_>, now: SystemTime) {
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default();
        let seconds = i64::try_from(now.as_secs()).unwrap_or(0);
        LINE.with_borrow_mut(|(buf, second, prefix)| {
            if *second != seconds {
                *second = seconds;
                let mut text = [0u8; 20];
                let written = iso8601_seconds_into(seconds, &mut text);
                prefix[..written.len()].copy_from_slice(written);
            }
            buf.clear();
            // `2026-12-01T10:00:00.123456Z`: the seconds (cached), then the microseconds.
            let mut timestamp = [0u8; 27];
            timestamp[..19].copy_from_slice(&prefix[..19]);
            timestamp[19] = b'.';
            decimal::padded(u64::from(now.subsec_micros()), &mut timestamp[20..26]);
            timestamp[26] = b'Z';
            match self.format {
                LogFormat::Text => lay_out::<TextLayout>(buf, &timestamp, line),
                LogFormat::Json => lay_out::<JsonLayout>(buf, &timestamp, line),
            }
            self.sink.line(buf);
        });
    }
}

/// How a format writes a line: what comes before the fields and after them, each field's name
/// as written before its value, and values of each kind. `lay_out` writes the fields, in the one
/// order both formats share; a format's names are constants, so each is copied as a fixed run.
trait Layout {
    /// ` method=` / `,"method":` ..., in `lay_out`'s order.
    const NAMES: [&'static str; 7];
    /// What ends the line, its newline included.
    const TAIL: &'static [u8];
    fn head(buf: &mut Vec<u8>, timestamp: &[u8]);
    /// Text that may need escaping (a path, an ARN).
    fn text(buf: &mut Vec<u8>, value: &str);
    /// A word that never does: an HTTP method, an Action or error code of the model, `-`.
    fn word(buf: &mut Vec<u8>, value: &str);
}

fn lay_out<L: Layout>(buf: &mut Vec<u8>, timestamp: &[u8], line: &RequestLine<'_>) {
    let mut digits = [0u8; 20];
    L::head(buf, timestamp);
    buf.extend_from_slice(L::NAMES[0].as_bytes());
    L::word(buf, line.method);
    buf.extend_from_slice(L::NAMES[1].as_bytes());
    L::text(buf, line.path);
    buf.extend_from_slice(L::NAMES[2].as_bytes());
    L::word(buf, line.action);
    buf.extend_from_slice(L::NAMES[3].as_bytes());
    L::text(buf, line.caller);
    buf.extend_from_slice(L::NAMES[4].as_bytes());
    buf.extend_from_slice(decimal::digits(u64::from(line.status), &mut digits));
    buf.extend_from_slice(L::NAMES[5].as_bytes());
    L::word(buf, line.code);
    buf.extend_from_slice(L::NAMES[6].as_bytes());
    buf.extend_from_slice(decimal::digits(line.latency_us, &mut digits));
    buf.extend_from_slice(L::TAIL);
}

/// As tracing's text format lays out an event: `TIME  INFO target: field=value ...`, control
/// characters escaped so that a value never starts a line of its own.
struct TextLayout;

impl Layout for TextLayout {
    const NAMES: [&'static str; 7] = [
        " method=",
        " path=",
        " action=",
        " caller=",
        " status=",
        " code=",
        " latency_us=",
    ];
    const TAIL: &'static [u8] = b"\n";

    #[inline]
    fn head(buf: &mut Vec<u8>, timestamp: &[u8]) {
        buf.extend_from_slice(timestamp);
        buf.extend_from_slice(b"  INFO parlel_sts::request:");
    }

    #[inline]
    fn text(buf: &mut Vec<u8>, value: &str) {
        // The usual value (an ARN, a path) has nothing to escape: copied whole.
        let plain = |b: u8| b >= 0x20 && b != 0x7f;
        if value.bytes().fold(true, |all, b| all & plain(b)) {
            buf.extend_from_slice(value.as_bytes());
        } else {
            escaped(buf, value);
        }
    }

    #[inline]
    fn word(buf: &mut Vec<u8>, value: &str) {
        buf.extend_from_slice(value.as_bytes());
    }
}

#[cold]
fn escaped(buf: &mut Vec<u8>, value: &str) {
    for &b in value.as_bytes() {
        match b {
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            0..0x20 | 0x7f => {
                let hex = b"0123456789abcdef";
                buf.extend_from_slice(&[
                    b'\\',
                    b'x',
                    hex[usize::from(b >> 4)],
                    hex[usize::from(b & 15)],
                ]);
            }
            _ => buf.push(b),
        }
    }
}

/// As tracing's JSON format lays out an event with its fields flattened.
struct JsonLayout;

impl Layout for JsonLayout {
    const NAMES: [&'static str; 7] = [
        ",\"method\":",
        ",\"path\":",
        ",\"action\":",
        ",\"caller\":",
        ",\"status\":",
        ",\"code\":",
        ",\"latency_us\":",
    ];
    const TAIL: &'static [u8] = b",\"target\":\"parlel_sts::request\"}\n";

    fn head(buf: &mut Vec<u8>, timestamp: &[u8]) {
        buf.extend_from_slice(b"{\"timestamp\":\"");
        buf.extend_from_slice(timestamp);
        buf.extend_from_slice(b"\",\"level\":\"INFO\"");
    }

    fn text(buf: &mut Vec<u8>, value: &str) {
        // serde_json escapes as JSON requires; writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *buf, value);
    }

    fn word(buf: &mut Vec<u8>, value: &str) {
        buf.push(b'"');
        buf.extend_from_slice(value.as_bytes());
        buf.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_filters_but_no_unknown_words() {
        for ok in [
            "info",
            "WARN",
            "off",
            "warn,parlel_sts::request=info",
            "hyper=debug, info",
        ] {
            assert_eq!(check_level(ok), Ok(()), "{ok}");
        }
        for bad in ["loud", "", "info,", "=info", "hyper=loud", "info,verbose"] {
            assert!(check_level(bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_level("loud"),
            Err("\"loud\" is not a log level (off, error, warn, info, debug, trace) or a filter of TARGET=LEVEL directives".to_owned())
        );
    }

    fn sample<'a>(caller: &'a str) -> RequestLine<'a> {
        RequestLine {
            method: "POST",
            path: "/",
            action: "AssumeRole",
            caller,
            status: 200,
            code: "-",
            latency_us: 41,
        }
    }

    #[test]
    fn text_lines_escape_what_could_start_a_line() {
        let mut buf = Vec::new();
        lay_out::<TextLayout>(&mut buf, b"T", &sample("arn:x\n2026 INFO forged\r\u{1}"));
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "T  INFO parlel_sts::request: method=POST path=/ action=AssumeRole caller=arn:x\\n2026 INFO forged\\r\\x01 status=200 code=- latency_us=41\n"
        );
    }

    #[test]
    fn lines_are_stamped_to_the_microsecond() {
        let shared = Arc::new(Shared {
            lines: Mutex::new(Vec::new()),
            wake: Condvar::new(),
            dropped: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let lines = RequestLines {
            format: LogFormat::Text,
            sink: Sink(shared.clone()),
        };
        let at = |micros: u64| UNIX_EPOCH + Duration::from_micros(1_764_583_200_000_000 + micros);
        for micros in [0, 41, 999_999, 1_000_040] {
            lines.write(&sample("arn:aws:iam::123456789012:user/parlel"), at(micros));
        }
        let written = String::from_utf8(shared.lines.lock().unwrap().clone()).unwrap();
        let stamps: Vec<&str> = written.lines().map(|l| &l[..27]).collect();
        assert_eq!(
            stamps,
            [
                "2025-12-01T10:00:00.000000Z",
                "2025-12-01T10:00:00.000041Z",
                "2025-12-01T10:00:00.999999Z",
                "2025-12-01T10:00:01.000040Z",
            ]
        );
        assert!(
            written
                .lines()
                .all(|l| l[27..].starts_with("  INFO parlel_sts::request: method=POST path=/ action=AssumeRole caller=arn:aws:iam::123456789012:user/parlel status=200 code=- latency_us=41")),
            "{written}"
        );
    }

    #[test]
    fn statuses_and_latencies_in_decimal() {
        for (status, latency_us, written) in [
            (100, 0, " status=100 code=- latency_us=0\n"),
            (403, 9, " status=403 code=- latency_us=9\n"),
            (999, 1_234_567, " status=999 code=- latency_us=1234567\n"),
            (
                1000,
                u64::MAX,
                " status=1000 code=- latency_us=18446744073709551615\n",
            ),
        ] {
            let mut buf = Vec::new();
            let line = RequestLine {
                status,
                latency_us,
                ..sample("-")
            };
            lay_out::<TextLayout>(&mut buf, b"T", &line);
            let text = String::from_utf8(buf).unwrap();
            assert!(text.ends_with(written), "{text}");
        }
    }

    #[test]
    fn json_lines_are_json() {
        let mut buf = Vec::new();
        lay_out::<JsonLayout>(&mut buf, b"T", &sample("a\"b\n"));
        let text = String::from_utf8(buf).unwrap();
        assert!(
            text.ends_with("}\n") && text.matches('\n').count() == 1,
            "{text}"
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["method"], "POST");
        assert_eq!(v["path"], "/");
        assert_eq!(v["action"], "AssumeRole");
        assert_eq!(v["caller"], "a\"b\n");
        assert_eq!(v["code"], "-");
        assert_eq!(v["status"], 200);
        assert_eq!(v["latency_us"], 41);
        assert_eq!(v["target"], REQUEST_TARGET);
    }
}
