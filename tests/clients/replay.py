"""The aws CLI and boto3 through per-test cassettes (AWS_ENDPOINT_URL_STS=http://HOST/cassette/NAME/):
python3 replay.py ENDPOINT

Run once against record mode and once against replay mode (the same calls); prints one JSON object
of what the calls answered, which the Rust test compares between the two runs. boto3's
assume-role credential provider names its session botocore-session-<epoch>, a different name each
run: replay must still hit, and the credentials it hands back must not look expired to botocore
(replay rebases Expiration). Exits non-zero on the first failed call."""

import json
import os
import subprocess
import sys
import tempfile

import boto3

endpoint = sys.argv[1].rstrip("/")
ROLE = "arn:aws:iam::123456789012:role/app"
BASE = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "anything",
        "AWS_DEFAULT_REGION": "us-east-1"}


def cassette(name):
    return f"{endpoint}/cassette/{name}/"


def cli(name, *args):
    env = {**os.environ, **BASE, "AWS_ENDPOINT_URL_STS": cassette(name)}
    env.pop("AWS_PROFILE", None)
    out = subprocess.run(["aws", "--output", "json", *args], capture_output=True, text=True, env=env)
    assert out.returncode == 0, (args, out.stdout, out.stderr)
    return json.loads(out.stdout)


seen = {}
# The aws CLI, its cassette named by AWS_ENDPOINT_URL_STS's path.
seen["cli_key"] = cli("cli-test", "sts", "assume-role", "--role-arn", ROLE,
                      "--role-session-name", "from-cli")["Credentials"]["AccessKeyId"]
# boto3 with an endpoint_url of its own cassette.
sts = boto3.client("sts", endpoint_url=cassette("boto3-test"), region_name="us-east-1",
                   aws_access_key_id=BASE["AWS_ACCESS_KEY_ID"],
                   aws_secret_access_key=BASE["AWS_SECRET_ACCESS_KEY"])
seen["boto3_key"] = sts.assume_role(RoleArn=ROLE, RoleSessionName="from-boto3")["Credentials"]["AccessKeyId"]

# boto3's assume-role credential provider (a role_arn profile), through the environment variable.
with tempfile.TemporaryDirectory() as home:
    config = os.path.join(home, "config")
    with open(config, "w") as f:
        f.write("[profile base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                "aws_secret_access_key = anything\n"
                f"[profile app]\nrole_arn = {ROLE}\nsource_profile = base\nregion = us-east-1\n")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        os.environ.pop(name, None)
    os.environ["AWS_CONFIG_FILE"] = config
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(home, "credentials")
    os.environ["AWS_ENDPOINT_URL_STS"] = cassette("provider-test")
    session = boto3.Session(profile_name="app")
    frozen = session.get_credentials().get_frozen_credentials()
    seen["provider_key"] = frozen.access_key
    me = session.client("sts").get_caller_identity()
    seen["provider_arn"] = me["Arn"].rsplit("/", 1)[0]

print(json.dumps(seen, sort_keys=True))
