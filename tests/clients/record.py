"""The aws CLI and boto3 recording through parlel-sts in record mode:
python3 record.py http://127.0.0.1:PORT

The upstream (a strict parlel-sts whose only key is prod.env's) answers as user/recorder of account
123456789012. The clients sign with made-up base credentials; the proxy re-signs. Exits non-zero on
the first failed check."""

import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

import boto3
import botocore.exceptions

endpoint = sys.argv[1]
BASE_ARN = "arn:aws:iam::123456789012:user/recorder"
ROLE = "arn:aws:iam::123456789012:role/app"


def client(key="AKIAIOSFODNN7EXAMPLE", secret="anything", token=None):
    return boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)


def cli(*args, env=None):
    full = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "anything",
            "AWS_DEFAULT_REGION": "us-east-1", **(env or {})}
    full.pop("AWS_PROFILE", None)
    out = subprocess.run(["aws", "--endpoint-url", endpoint, "--output", "json", *args],
                         capture_output=True, text=True, env=full)
    assert out.returncode == 0, (args, out.stdout, out.stderr)
    return json.loads(out.stdout)


# The aws CLI: base credentials, then the assumed role's.
assert cli("sts", "get-caller-identity")["Arn"] == BASE_ARN
creds = cli("sts", "assume-role", "--role-arn", ROLE, "--role-session-name", "cli")["Credentials"]
assert creds["AccessKeyId"].startswith("ASIA") and len(creds["SecretAccessKey"]) == 40, creds
me = cli("sts", "get-caller-identity", env={"AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
                                           "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
                                           "AWS_SESSION_TOKEN": creds["SessionToken"]})
assert me["Arn"] == "arn:aws:sts::123456789012:assumed-role/app/cli", me

# boto3: a chain of depth 2, GetSessionToken, GetFederationToken, an AccessDenied.
sts = client()
first = sts.assume_role(RoleArn=ROLE, RoleSessionName="py")["Credentials"]
as_role = client(first["AccessKeyId"], first["SecretAccessKey"], first["SessionToken"])
second = as_role.assume_role(RoleArn="arn:aws:iam::123456789012:role/next", RoleSessionName="hop")["Credentials"]
chained = client(second["AccessKeyId"], second["SecretAccessKey"], second["SessionToken"])
assert chained.get_caller_identity()["Arn"] == "arn:aws:sts::123456789012:assumed-role/next/hop"
session = sts.get_session_token(DurationSeconds=900)["Credentials"]
as_session = client(session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"])
assert as_session.get_caller_identity()["Arn"] == BASE_ARN
federated = sts.get_federation_token(Name="fed")["FederatedUser"]
assert federated["Arn"] == "arn:aws:sts::123456789012:federated-user/fed", federated
try:
    as_role.get_session_token()
    raise AssertionError("GetSessionToken with session credentials should be refused")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "AccessDenied", e.response

# boto3's assume-role credential provider (a role_arn profile), through AWS_ENDPOINT_URL_STS.
with tempfile.TemporaryDirectory() as home:
    config = os.path.join(home, "config")
    with open(config, "w") as f:
        f.write("[profile base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = anything\n"
                f"[profile app]\nrole_arn = {ROLE}\nsource_profile = base\nregion = us-east-1\n")
    os.environ.update({"AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "none"),
                       "AWS_ENDPOINT_URL_STS": endpoint})
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        os.environ.pop(name, None)
    arn = boto3.Session(profile_name="app").client("sts").get_caller_identity()["Arn"]
    assert arn.startswith("arn:aws:sts::123456789012:assumed-role/app/botocore-session-"), arn

# A presigned GetCallerIdentity (the GET form), as an EKS token carries it: presigned again above.
url = client().generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
with urllib.request.urlopen(url) as r:
    body = r.read().decode()
assert f"<Arn>{BASE_ARN}</Arn>" in body, body
print("record.py: every check passed")
