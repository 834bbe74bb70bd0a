"""The aws CLI v2 (Debian's awscli 2.9.19 at /usr/bin/aws, older than AWS_ENDPOINT_URL_STS) through
a per-test cassette named by --endpoint-url's path: python3 replay_cli_v2.py ENDPOINT

Run once against record mode and once against replay mode; prints one JSON object of what the calls
answered, which the Rust test compares between the runs. Exits non-zero on the first failed call."""

import json
import os
import subprocess
import sys

AWS = os.environ.get("PARLEL_AWS_CLI_V2", "/usr/bin/aws")
endpoint = sys.argv[1].rstrip("/") + "/cassette/cli2-test/"


def cli(credentials, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(credentials, AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull,
               AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    out = subprocess.run([AWS, "--endpoint-url", endpoint, "--output", "json", "sts", *args],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0, (args, out.stdout, out.stderr)
    return json.loads(out.stdout)


base = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "anything"}
c = cli(base, "assume-role", "--role-arn", "arn:aws:iam::123456789012:role/app",
        "--role-session-name", "from-cli-v2")["Credentials"]
role = {"AWS_ACCESS_KEY_ID": c["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": c["SecretAccessKey"],
        "AWS_SESSION_TOKEN": c["SessionToken"]}
me = cli(role, "get-caller-identity")
print(json.dumps({"key": c["AccessKeyId"], "arn": me["Arn"]}, sort_keys=True))
