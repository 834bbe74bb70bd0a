"""The aws CLI and boto3 against a parlel-sts in strict mode: python3 strict.py http://127.0.0.1:PORT

Signs with the built-in parlel / parlel key. Exits non-zero on the first failed check."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import boto3
import botocore.exceptions

endpoint = sys.argv[1]


def client(key="parlel", secret="parlel", token=None):
    return boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)


def error_of(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", "")
    raise AssertionError("the call should have failed")


sts = client()
assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::000000000000:user/parlel"
creds = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/app", RoleSessionName="py")["Credentials"]
as_role = client(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
assert as_role.get_caller_identity()["Arn"] == "arn:aws:sts::123456789012:assumed-role/app/py"
code, message = error_of(lambda: client(secret="wrong").get_caller_identity())
assert code == "SignatureDoesNotMatch", (code, message)
assert message.startswith("The request signature we calculated does not match"), message
code, _ = error_of(lambda: client(key="AKIAQAAAAAAAUNKNOWN1").get_caller_identity())
assert code == "InvalidClientTokenId", code
code, _ = error_of(lambda: client(creds["AccessKeyId"], creds["SecretAccessKey"]).get_caller_identity())
assert code == "InvalidClientTokenId", code

# botocore's presigner, as EKS authenticators use it: x-k8s-aws-id signed, 60 s.
def add_cluster(request, **kwargs):
    request.headers["x-k8s-aws-id"] = "my-cluster"


sts.meta.events.register("before-sign.sts.GetCallerIdentity", add_cluster)
url = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
for cluster, status in [("my-cluster", 200), ("other-cluster", 403)]:
    request = urllib.request.Request(url, headers={"x-k8s-aws-id": cluster})
    try:
        with urllib.request.urlopen(request) as r:
            got, body = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        got, body = e.code, e.read().decode()
    assert got == status, (cluster, got, body)
    if status == 200:
        assert "<Arn>arn:aws:iam::000000000000:user/parlel</Arn>" in body, body

# The aws CLI, with the built-in key and with a wrong secret.
env = dict(os.environ, AWS_ENDPOINT_URL_STS=endpoint, AWS_ACCESS_KEY_ID="parlel", AWS_SECRET_ACCESS_KEY="parlel",
           AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
           AWS_SHARED_CREDENTIALS_FILE="/dev/null")
out = subprocess.run(["aws", "sts", "get-caller-identity", "--output", "json"], env=env, capture_output=True, text=True)
assert out.returncode == 0, out.stderr
assert json.loads(out.stdout)["Arn"] == "arn:aws:iam::000000000000:user/parlel", out.stdout
env["AWS_SECRET_ACCESS_KEY"] = "wrong"
out = subprocess.run(["aws", "sts", "get-caller-identity"], env=env, capture_output=True, text=True)
assert out.returncode != 0 and "SignatureDoesNotMatch" in out.stderr, out.stderr
print("strict mode: aws CLI and boto3 ok")
