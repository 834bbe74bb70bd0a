-- wrk script for benches/bench.sh: a SigV4-looking STS Query-protocol POST.
-- BENCH_ACTION=GetCallerIdentity (default) or AssumeRole picks the body.
-- done() prints one machine-readable BENCH_RESULT line that bench.sh parses.

local bodies = {
  GetCallerIdentity = "Action=GetCallerIdentity&Version=2011-06-15",
  AssumeRole = "Action=AssumeRole&Version=2011-06-15"
    .. "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench&RoleSessionName=bench",
}
local action = os.getenv("BENCH_ACTION") or "GetCallerIdentity"

wrk.method = "POST"
wrk.path = "/"
wrk.body = assert(bodies[action], "BENCH_ACTION must be GetCallerIdentity or AssumeRole")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
-- An unset or empty variable means "not set".
local function env(name)
  local value = os.getenv(name)
  if value == nil or value == "" then return nil end
  return value
end

wrk.headers["Authorization"] = env("BENCH_AUTHORIZATION") or ("AWS4-HMAC-SHA256 "
  .. "Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sts/aws4_request, "
  .. "SignedHeaders=host;x-amz-date, Signature=abc")
-- A strict-mode run signs for real (benches/sign.py): its date goes with it.
if env("BENCH_AMZ_DATE") then
  wrk.headers["X-Amz-Date"] = env("BENCH_AMZ_DATE")
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d max_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
