#!/usr/bin/env bash
# Re-records the example cassettes of this directory from a LOCAL upstream (a second parlel-sts
# in strict mode that knows only the made-up key below): no AWS account is involved.
#   cassettes/record-examples.sh     (needs the aws CLI: pip install awscli)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
cargo build --quiet --bin parlel-sts
BIN="$ROOT/target/debug/parlel-sts"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
KEY=AKIAQAAAAAAAEXAMPLE1
SECRET=exampleSecretexampleSecretexampleSecret1
cat > "$WORK/upstream.toml" <<TOML
[server]
auth = "strict"
[fake]
account = "123456789012"
seed = 7
builtin_user = false
[[fake.users]]
access_key_id = "$KEY"
secret_access_key = "$SECRET"
principal = "user/recorder"
TOML
printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' "$KEY" "$SECRET" > "$WORK/prod.env"
"$BIN" --config "$WORK/upstream.toml" --listen 127.0.0.1:4811 --log-level warn &
sleep 0.5
CI= "$BIN" --mode record --upstream http://127.0.0.1:4811 --prod-env "$WORK/prod.env" \
    --cassettes "$ROOT/cassettes" --cassette example --listen 127.0.0.1:4812 --log-level warn &
RECORDER=$!
sleep 0.7
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE
sts() { aws --endpoint-url http://127.0.0.1:4812 --output json sts "$@"; }
sts get-caller-identity > /dev/null
sts assume-role --role-arn arn:aws:iam::123456789012:role/example --role-session-name example > "$WORK/role.json"
AWS_ACCESS_KEY_ID="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Credentials"]["AccessKeyId"])' "$WORK/role.json")" \
AWS_SECRET_ACCESS_KEY="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Credentials"]["SecretAccessKey"])' "$WORK/role.json")" \
AWS_SESSION_TOKEN="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Credentials"]["SessionToken"])' "$WORK/role.json")" \
    bash -c 'aws --endpoint-url http://127.0.0.1:4812 --output json sts get-caller-identity > /dev/null
             aws --endpoint-url http://127.0.0.1:4812 --output json sts get-session-token > /dev/null 2>&1 || true'
sts get-session-token --duration-seconds 900 > /dev/null
kill -INT "$RECORDER"
wait "$RECORDER" || true
"$BIN" cassette verify cassettes/example.yaml
