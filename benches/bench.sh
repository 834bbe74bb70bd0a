#!/usr/bin/env bash
# parlel-sts throughput/latency benchmark against a bare-hyper ceiling (examples/ceiling.rs).
#
#   benches/bench.sh                  # 6 s per run, 5 rounds
#   BENCH_SECONDS=3 benches/bench.sh  # shorter
#
# parlel-sts runs at --log-level warn (the quiet setting for suites and benchmarks); at
# concurrency 32 each operation also runs at --log-level info (one log line per request, stderr to
# a file), compared with the same server at warn.
# Each server runs pinned to CPU $BENCH_SERVER_CPU (default 0), wrk to $BENCH_CLIENT_CPU (default 1),
# on loopback. Every (operation, concurrency) pair is measured in $BENCH_ROUNDS rounds (default 5),
# each round the servers in a row, each next to the one it is compared with (the ceiling and
# parlel-sts, parlel-sts and itself at info), every other round in reverse order, each run a fresh
# server process after a 1 s warm-up. A ratio is taken within each round,
# between runs seconds apart, and the table shows the median round's (by that ratio), with the
# median p50 and p99 over the rounds: a machine whose speed drifts over minutes, or a burst of
# noise in one run, does not decide a ratio.
# Prints a Markdown table and writes it to benches/last-run.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCHES="$ROOT/benches"
SECONDS_PER_RUN="${BENCH_SECONDS:-6}"
WARMUP_SECONDS="${BENCH_WARMUP_SECONDS:-1}"
SERVER_CPU="${BENCH_SERVER_CPU:-0}"
CLIENT_CPU="${BENCH_CLIENT_CPU:-1}"
COLD_RUNS="${BENCH_COLD_RUNS:-10}"
ROUNDS="${BENCH_ROUNDS:-5}"
CONCURRENCIES=(1 32)
OPERATIONS=(GetCallerIdentity AssumeRole)

# Targets.
TARGET_RATIO_GetCallerIdentity="0.8"
TARGET_RATIO_AssumeRole="0.6"
TARGET_RATIO_INFO_LOG="0.9"
TARGET_RATIO_STRICT="0.7"
TARGET_RATIO_REPLAY="0.9"
# Replay load: a cassette of REPLAY_BIG interactions.
REPLAY_BIG="${BENCH_REPLAY_BIG:-100000}"
TARGET_YAML_LOAD_MS=1000
TARGET_SLED_OPEN_MS=100
TARGET_REPLAY_RSS_FACTOR=3
# Strict mode replays one really signed GetCallerIdentity, its date the server's pinned clock.
STRICT_AMZ_DATE="$(date -u +%Y%m%dT%H%M%SZ)"
STRICT_CLOCK="$(date -u -d "${STRICT_AMZ_DATE:0:8} ${STRICT_AMZ_DATE:9:2}:${STRICT_AMZ_DATE:11:2}:${STRICT_AMZ_DATE:13:2}" +%Y-%m-%dT%H:%M:%SZ)"
TARGET_P99_C32_US=1000
TARGET_COLD_MS=10
TARGET_RSS_KIB=$((16 * 1024))

log() { echo "bench: $*" >&2; }
die() { log "$*"; exit 1; }

# --- tools -------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    log "wrk not found; installing it with apt-get"
    if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n); else SUDO=(); fi
    if ! "${SUDO[@]}" apt-get install -y wrk; then
        "${SUDO[@]}" apt-get update && "${SUDO[@]}" apt-get install -y wrk ||
            die "could not install wrk (no root/sudo?); install it yourself: apt-get install -y wrk"
    fi
fi
for tool in wrk python3 curl; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done
PIN_SERVER=()
PIN_CLIENT=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
    PIN_SERVER=(taskset -c "$SERVER_CPU")
    PIN_CLIENT=(taskset -c "$CLIENT_CPU")
else
    log "WARNING: taskset missing or fewer than 2 CPUs; running unpinned (numbers will be noisy)"
    SERVER_CPU=""
    CLIENT_CPU=""
fi

# --- build -------------------------------------------------------------------------------------
log "building (release)"
(cd "$ROOT" && cargo build --release --bin parlel-sts --example ceiling)
PARLEL="$ROOT/target/release/parlel-sts"
CEILING="$ROOT/target/release/examples/ceiling"

# --- helpers -----------------------------------------------------------------------------------
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_server NAME PORT: starts it pinned, sets SERVER_PID, waits until it answers.
# parlel-sts runs from the repo root, so it reads the repo's proxy.toml (which holds the defaults).
start_server() {
    local name=$1 port=$2
    case "$name" in
        parlel)
            (cd "$ROOT" && exec "${PIN_SERVER[@]}" "$PARLEL" --listen "127.0.0.1:$port" --log-level warn \
                >"$WORK/$name.out" 2>"$WORK/$name.err") &
            ;;
        parlel-strict)
            (cd "$ROOT" && exec "${PIN_SERVER[@]}" "$PARLEL" --listen "127.0.0.1:$port" --log-level warn \
                --auth strict --clock "$STRICT_CLOCK" >"$WORK/$name.out" 2>"$WORK/$name.err") &
            ;;
        parlel-replay)
            (cd "$ROOT" && exec "${PIN_SERVER[@]}" "$PARLEL" --listen "127.0.0.1:$port" --log-level warn \
                --mode replay --cassettes "$WORK/cassettes" --cassette bench \
                >"$WORK/$name.out" 2>"$WORK/$name.err") &
            ;;
        parlel-info)
            (cd "$ROOT" && exec "${PIN_SERVER[@]}" "$PARLEL" --listen "127.0.0.1:$port" --log-level info \
                >"$WORK/$name.out" 2>"$WORK/$name.err") &
            ;;
        ceiling)
            "${PIN_SERVER[@]}" "$CEILING" "127.0.0.1:$port" >"$WORK/$name.out" 2>"$WORK/$name.err" &
            ;;
    esac
    SERVER_PID=$!
    local i
    for i in $(seq 1 500); do
        if curl -fs -o /dev/null "http://127.0.0.1:$port/_parlel/health"; then return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || die "$name exited early: $(cat "$WORK/$name.err")"
        sleep 0.01
    done
    die "$name did not come up on port $port"
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# run_wrk ACTION CONNS SECONDS PORT OUTFILE [strict]: with "strict", a really signed request.
run_wrk() {
    local action=$1 conns=$2 secs=$3 port=$4 out=$5 auth="" amz_date=""
    if [ "${6:-}" = strict ]; then
        auth=$(python3 "$BENCHES/sign.py" "127.0.0.1:$port" "$STRICT_AMZ_DATE" "Action=GetCallerIdentity&Version=2011-06-15")
        amz_date=$STRICT_AMZ_DATE
    fi
    BENCH_AUTHORIZATION="$auth" BENCH_AMZ_DATE="$amz_date" BENCH_ACTION="$action" \
        "${PIN_CLIENT[@]}" wrk -t1 -c"$conns" -d"${secs}s" --latency \
        -s "$BENCHES/sts.lua" "http://127.0.0.1:$port/" >"$out" 2>&1 ||
        die "wrk failed: $(cat "$out")"
}

# field FILE KEY: a value from the BENCH_RESULT line.
field() {
    grep '^BENCH_RESULT' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

fmt_us() { awk -v us="$1" 'BEGIN { if (us < 1000) printf "%d µs", us; else printf "%.2f ms", us / 1000 }'; }
verdict() { if [ "$1" = 1 ]; then echo "ok"; else echo "**MISS**"; fi; }

# --- sanity: both operations answer 200 on parlel-sts --------------------------------------------
port=$(free_port)
start_server parlel "$port"
for op in "${OPERATIONS[@]}"; do
    run_wrk "$op" 1 1 "$port" "$WORK/sanity.txt"
    [ "$(field "$WORK/sanity.txt" status_errors)" = 0 ] ||
        die "parlel-sts answers $op with non-2xx; check benches/sts.lua. $(curl -s -XPOST "http://127.0.0.1:$port/" \
            -H 'Content-Type: application/x-www-form-urlencoded' -d "Action=$op&Version=2011-06-15")"
done
stop_server
port=$(free_port)
start_server parlel-strict "$port"
run_wrk GetCallerIdentity 1 1 "$port" "$WORK/sanity.txt" strict
[ "$(field "$WORK/sanity.txt" status_errors)" = 0 ] ||
    die "parlel-sts --auth strict refuses the signed request of benches/sign.py"
stop_server

# --- the replay cassette: bench.sts.lua's two requests, recorded from a local upstream -----------
log "recording the replay cassette from a local upstream"
up_port=$(free_port)
rec_port=$(free_port)
printf 'AWS_ACCESS_KEY_ID=AKIAQAAAAAAAEXAMPLE1\nAWS_SECRET_ACCESS_KEY=benchSecretbenchSecretbenchSecretbench12\n' >"$WORK/prod.env"
"$PARLEL" --listen "127.0.0.1:$up_port" --log-level warn >"$WORK/up.out" 2>&1 &
UP_PID=$!
CI= "$PARLEL" --mode record --upstream "http://127.0.0.1:$up_port" --prod-env "$WORK/prod.env" \
    --cassettes "$WORK/cassettes" --cassette bench --listen "127.0.0.1:$rec_port" --log-level warn \
    >"$WORK/rec.out" 2>&1 &
REC_PID=$!
for i in $(seq 1 500); do
    curl -fs -o /dev/null "http://127.0.0.1:$rec_port/_parlel/health" && break
    sleep 0.01
done
for body in "Action=GetCallerIdentity&Version=2011-06-15" \
    "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench&RoleSessionName=bench"; do
    curl -fs -o /dev/null -XPOST "http://127.0.0.1:$rec_port/" -H 'Content-Type: application/x-www-form-urlencoded' \
        -H 'Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc' \
        -d "$body" || die "recording the replay cassette failed"
done
kill -INT "$REC_PID"; wait "$REC_PID" 2>/dev/null || true
kill "$UP_PID"; wait "$UP_PID" 2>/dev/null || true
[ -s "$WORK/cassettes/bench.yaml" ] || die "no replay cassette was written"

# --- throughput and latency ----------------------------------------------------------------------
# result TARGET OP C R: the result file of TARGET's run in round R.
result() { echo "$WORK/$2-$3-$1-$4.txt"; }
# round_ratios TARGET BASE OP C: "RATIO TARGET_FILE BASE_FILE" for each round, by ratio.
round_ratios() {
    local target=$1 base=$2 op=$3 c=$4 r t b
    for r in $(seq 1 "$ROUNDS"); do
        t=$(result "$target" "$op" "$c" "$r")
        b=$(result "$base" "$op" "$c" "$r")
        awk -v a="$(field "$t" rps)" -v b="$(field "$b" rps)" -v t="$t" -v f="$b" \
            'BEGIN { printf "%.4f %s %s\n", a / b, t, f }'
    done | sort -n
}
# median_pair TARGET BASE OP C: the round_ratios line of the median round.
median_pair() {
    round_ratios "$@" | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) { printf "%.2f %s %s\n", $1, $2, $3 }'
}
# median_of TARGET OP C KEY: the median of a BENCH_RESULT field over the rounds.
median_of() {
    local target=$1 op=$2 c=$3 key=$4 r
    for r in $(seq 1 "$ROUNDS"); do field "$(result "$target" "$op" "$c" "$r")" "$key"; done |
        sort -n | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) { print $1 }'
}
# spread TARGET OP C: "min–max" req/s over the rounds.
spread() {
    local target=$1 op=$2 c=$3 r
    for r in $(seq 1 "$ROUNDS"); do field "$(result "$target" "$op" "$c" "$r")" rps; done |
        sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f–%.0f", lo, hi }'
}
# ratio_spread TARGET BASE OP C: "min–max" of the per-round ratios.
ratio_spread() {
    round_ratios "$@" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f–%.2fx", lo, hi }'
}
ROWS=()
SPREADS=()
RSS_LINE=""
for op in "${OPERATIONS[@]}"; do
    for c in "${CONCURRENCIES[@]}"; do
        # Each server next to the one it is compared with (strict and parlel with the ceiling,
        # info with parlel; replay two away from parlel), every other round in reverse order, so
        # that within a round no comparison always has the same server first.
        order=(ceiling parlel)
        [ "$c" = 32 ] && [ "$op" = GetCallerIdentity ] && order=(parlel-strict "${order[@]}")
        [ "$c" = 32 ] && order+=(parlel-info parlel-replay)
        for r in $(seq 1 "$ROUNDS"); do
            targets=("${order[@]}")
            if [ $((r % 2)) = 0 ]; then
                targets=()
                for ((i = ${#order[@]} - 1; i >= 0; i--)); do targets+=("${order[i]}"); done
            fi
            for target in "${targets[@]}"; do
                port=$(free_port)
                log "$op c=$c $target round $r/$ROUNDS (${SECONDS_PER_RUN}s)"
                start_server "$target" "$port"
                mode=""
                [ "$target" = parlel-strict ] && mode=strict
                run_wrk "$op" "$c" "$WARMUP_SECONDS" "$port" "$WORK/warmup.txt" $mode
                out="$WORK/$op-$c-$target-$r.txt"
                run_wrk "$op" "$c" "$SECONDS_PER_RUN" "$port" "$out" $mode
                hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
                echo "$hwm" >>"$WORK/$op-$c-$target.hwm"
                stop_server
                if [ "$target" = parlel-info ]; then
                    logged=$(grep -c 'parlel_sts::request' "$WORK/$target.err" || true)
                    [ "$logged" -gt 0 ] || die "parlel-sts at --log-level info logged no request line"
                fi
                errs=$(($(field "$out" status_errors) + $(field "$out" socket_errors)))
                [ "$errs" = 0 ] || log "WARNING: $target $op c=$c had $errs errors"
            done
        done
        read -r ratio f fc <<<"$(median_pair parlel ceiling "$op" "$c")"
        prps=$(field "$f" rps)
        crps=$(field "$fc" rps)
        p50=$(median_of parlel "$op" "$c" p50_us)
        p99=$(median_of parlel "$op" "$c" p99_us)
        tvar="TARGET_RATIO_$op"
        tratio=${!tvar}
        rok=$(awk -v r="$ratio" -v t="$tratio" 'BEGIN { print (r >= t) ? 1 : 0 }')
        if [ "$c" = 32 ]; then
            p99cell="$(fmt_us "$p99") (< 1 ms: $(verdict $((p99 < TARGET_P99_C32_US ? 1 : 0))))"
        else
            p99cell="$(fmt_us "$p99")"
        fi
        ROWS+=("| $op | $c | $(printf '%.0f' "$prps") | $(printf '%.0f' "$crps") | ${ratio}x (≥ ${tratio}x: $(verdict "$rok")) | $(fmt_us "$p50") | $p99cell | $(fmt_us "$(median_of ceiling "$op" "$c" p99_us)") |")
        SPREADS+=("$op c=$c: ratio $(ratio_spread parlel ceiling "$op" "$c"), parlel $(spread parlel "$op" "$c"), ceiling $(spread ceiling "$op" "$c")")
        if [ "$c" = 32 ]; then
            read -r iratio fi_ fw <<<"$(median_pair parlel-info parlel "$op" "$c")"
            irps=$(field "$fi_" rps)
            iok=$(awk -v r="$iratio" -v t="$TARGET_RATIO_INFO_LOG" 'BEGIN { print (r >= t) ? 1 : 0 }')
            ROWS+=("| $op, \`--log-level info\` vs warn | $c | $(printf '%.0f' "$irps") | $(printf '%.0f' "$(field "$fw" rps)") (warn) | ${iratio}x (≥ ${TARGET_RATIO_INFO_LOG}x: $(verdict "$iok")) | $(fmt_us "$(median_of parlel-info "$op" "$c" p50_us)") | $(fmt_us "$(median_of parlel-info "$op" "$c" p99_us)") | $(fmt_us "$p99") (warn) |")
            SPREADS+=("$op c=$c at info: ratio $(ratio_spread parlel-info parlel "$op" "$c"), $(spread parlel-info "$op" "$c")")
        fi
        if [ "$c" = 32 ]; then
            read -r rratio fr ff <<<"$(median_pair parlel-replay parlel "$op" "$c")"
            rrps=$(field "$fr" rps)
            rok=$(awk -v r="$rratio" -v t="$TARGET_RATIO_REPLAY" 'BEGIN { print (r >= t) ? 1 : 0 }')
            ROWS+=("| $op, \`--mode replay\` (a hit) vs the fake | $c | $(printf '%.0f' "$rrps") | $(printf '%.0f' "$(field "$ff" rps)") (fake) | ${rratio}x (≥ ${TARGET_RATIO_REPLAY}x: $(verdict "$rok")) | $(fmt_us "$(median_of parlel-replay "$op" "$c" p50_us)") | $(fmt_us "$(median_of parlel-replay "$op" "$c" p99_us)") | $(fmt_us "$p99") (fake) |")
            SPREADS+=("$op c=$c replay: ratio $(ratio_spread parlel-replay parlel "$op" "$c"), $(spread parlel-replay "$op" "$c")")
        fi
        if [ "$c" = 32 ] && [ "$op" = GetCallerIdentity ]; then
            read -r sratio fs fsc <<<"$(median_pair parlel-strict ceiling "$op" "$c")"
            srps=$(field "$fs" rps)
            sok=$(awk -v r="$sratio" -v t="$TARGET_RATIO_STRICT" 'BEGIN { print (r >= t) ? 1 : 0 }')
            ROWS+=("| $op, \`--auth strict\` (verified SigV4) | $c | $(printf '%.0f' "$srps") | $(printf '%.0f' "$(field "$fsc" rps)") | ${sratio}x (≥ ${TARGET_RATIO_STRICT}x: $(verdict "$sok")) | $(fmt_us "$(median_of parlel-strict "$op" "$c" p50_us)") | $(fmt_us "$(median_of parlel-strict "$op" "$c" p99_us)") | $(fmt_us "$(median_of ceiling "$op" "$c" p99_us)") |")
            SPREADS+=("$op c=$c strict: ratio $(ratio_spread parlel-strict ceiling "$op" "$c"), $(spread parlel-strict "$op" "$c")")
        fi
    done
done
rss_kib=$(sort -n "$WORK/AssumeRole-32-parlel.hwm" | tail -n1)
ceiling_rss_kib=$(sort -n "$WORK/AssumeRole-32-ceiling.hwm" | tail -n1)
RSS_LINE="$(awk -v k="$rss_kib" 'BEGIN { printf "%.1f MiB", k / 1024 }') (< 16 MiB: $(verdict $((rss_kib < TARGET_RSS_KIB ? 1 : 0)))); ceiling: $(awk -v k="$ceiling_rss_kib" 'BEGIN { printf "%.1f MiB", k / 1024 }')"

# --- cold start ----------------------------------------------------------------------------------
log "cold start x$COLD_RUNS"
port=$(free_port)
(cd "$ROOT" && python3 "$BENCHES/coldstart.py" "$COLD_RUNS" "$SERVER_CPU" "$CLIENT_CPU" "$port" -- \
    "$PARLEL" --listen "127.0.0.1:$port") >"$WORK/cold.txt"
cold_ms=$(sed -n 's/^median_ms=//p' "$WORK/cold.txt")
cold_samples=$(sed -n 's/^samples_ms=//p' "$WORK/cold.txt")
cold_ok=$(awk -v m="$cold_ms" -v t="$TARGET_COLD_MS" 'BEGIN { print (m < t) ? 1 : 0 }')

# --- replay load: a large cassette from YAML and from sled ---------------------------------------
log "replay load: $REPLAY_BIG interactions"
mkdir -p "$WORK/big"
python3 "$BENCHES/big_cassette.py" "$REPLAY_BIG" "$WORK/big/big.yaml"
yaml_kib=$(( $(stat -c %s "$WORK/big/big.yaml") / 1024 ))
"$PARLEL" cassette convert "$WORK/big/big.yaml" "$WORK/big/big.sled" >/dev/null
# load_ms STORE: median ready time (spawn -> health 200) and the largest VmHWM of 3 starts.
load_ms() {
    python3 - "$PARLEL" "$1" "$WORK/big" <<'PY'
import socket, statistics, subprocess, sys, time, urllib.request
parlel, store, cassettes = sys.argv[1:]
times, hwms = [], []
for _ in range(3):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    t0 = time.perf_counter()
    p = subprocess.Popen([parlel, "--listen", f"127.0.0.1:{port}", "--log-level", "warn", "--mode", "replay",
                          "--store", store, "--cassettes", cassettes, "--cassette", "big"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_parlel/health", timeout=1).read()
            break
        except Exception:
            if p.poll() is not None:
                sys.exit("replay exited")
            time.sleep(0.002)
    times.append((time.perf_counter() - t0) * 1000)
    hwms.append(int([l for l in open(f"/proc/{p.pid}/status") if l.startswith("VmHWM")][0].split()[1]))
    p.kill(); p.wait()
print(f"{statistics.median(times):.0f} {max(hwms)}")
PY
}
read -r yaml_ms yaml_hwm <<<"$(load_ms yaml)"
read -r sled_ms sled_hwm <<<"$(load_ms sled)"
yaml_factor=$(awk -v h="$yaml_hwm" -v y="$yaml_kib" 'BEGIN { printf "%.1f", h / y }')
yaml_ok=$(( yaml_ms < TARGET_YAML_LOAD_MS ? 1 : 0 ))
sled_ok=$(( sled_ms < TARGET_SLED_OPEN_MS ? 1 : 0 ))
rss_ok=$(awk -v f="$yaml_factor" -v t="$TARGET_REPLAY_RSS_FACTOR" 'BEGIN { print (f < t) ? 1 : 0 }')
LOAD_LINE="$REPLAY_BIG interactions ($(awk -v k="$yaml_kib" 'BEGIN { printf "%.0f MiB", k / 1024 }') of YAML), spawn -> first 200 from health, median of 3: YAML **${yaml_ms} ms** (< ${TARGET_YAML_LOAD_MS} ms: $(verdict $yaml_ok)), sled **${sled_ms} ms** (< ${TARGET_SLED_OPEN_MS} ms: $(verdict $sled_ok)); peak RSS from YAML $(awk -v k="$yaml_hwm" 'BEGIN { printf "%.0f MiB", k / 1024 }') = **${yaml_factor}x** the file (< ${TARGET_REPLAY_RSS_FACTOR}x: $(verdict $rss_ok)), from sled $(awk -v k="$sled_hwm" 'BEGIN { printf "%.0f MiB", k / 1024 }')"

# --- report --------------------------------------------------------------------------------------
cpu_model=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$ROOT" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null | grep -q . && echo " (+ uncommitted changes in src/)" || true)
{
    echo "# parlel-sts benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "Machine: $(nproc) CPUs, ${cpu_model:-unknown CPU}, Linux $(uname -r). Commit $commit$dirty."
    echo "Server on CPU ${SERVER_CPU:-any}, wrk on CPU ${CLIENT_CPU:-any} (\`wrk -t1 -cN --latency\`), loopback, ${SECONDS_PER_RUN} s per run after a ${WARMUP_SECONDS} s warm-up, fresh server per run; ${ROUNDS} rounds, each the servers in a row, every other round in reverse order: the ceiling and parlel-sts at \`--log-level warn\`, and at c=32 GetCallerIdentity in strict mode before the ceiling, parlel-sts at \`--log-level info\` with stderr to a file after parlel-sts, and then in replay mode answering from a cassette of the same two requests recorded from a local upstream. A ratio is taken within each round; each row shows the round with the median ratio, and p50/p99 are medians over the rounds."
    echo "Ceiling: \`examples/ceiling.rs\`, bare hyper 1.x answering a fixed 419-byte XML body, same request scripts (\`benches/sts.lua\`)."
    echo
    echo "| operation | conc. | parlel req/s | ceiling req/s | ratio (target) | parlel p50 | parlel p99 | ceiling p99 |"
    echo "|---|---:|---:|---:|---|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "- Cold start (spawn -> first 200 from \`GET /_parlel/health\`), median of $COLD_RUNS: **${cold_ms} ms** (< ${TARGET_COLD_MS} ms: $(verdict "$cold_ok")); samples: ${cold_samples} ms"
    echo "- Peak RSS (VmHWM) of parlel-sts over the AssumeRole c=32 runs: **${RSS_LINE}**"
    echo "- Replay load: ${LOAD_LINE}"
    echo "- Spread of req/s over the rounds: $(IFS=';'; echo "${SPREADS[*]}" | sed 's/;/; /g')"
} >"$WORK/report.md"
cp "$WORK/report.md" "$BENCHES/last-run.md"
cat "$WORK/report.md"
