#!/usr/bin/env python3
"""Smoke test: the aws CLI and boto3 against a running parlel-sts.

Usage: python3 tests/clients/smoke.py http://127.0.0.1:PORT

Prints one line per passed check; on the first failure prints what was expected, what came back
(with the command's stdout/stderr) and exits 1. Runs in an isolated environment: a temporary HOME
with its own AWS config and credentials files, every inherited AWS_* variable removed, and
AWS_ENDPOINT_URL pointing at the server, so nothing from the real ~/.aws (or real AWS) is used.
"""

import json
import os
import shutil
import site
import subprocess
import sys
import tempfile
import textwrap
import urllib.parse

TIMEOUT = 30  # seconds, per aws CLI invocation

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_USER_ARN = "arn:aws:iam::000000000000:user/parlel"
ROLE_ARN = "arn:aws:iam::123456789012:role/app"
ASSUMED_ARN = "arn:aws:sts::123456789012:assumed-role/app/cli-demo"
PROVIDER_ROLE_ARN = "arn:aws:iam::123456789012:role/provider-role"
PROVIDER_ASSUMED_ARN = "arn:aws:sts::123456789012:assumed-role/provider-role/provider-session"
FEDERATED_ARN = "arn:aws:sts::000000000000:federated-user/bob"
SAML_ROLE_ARN = "arn:aws:iam::123456789012:role/Admins"
SAML_PROVIDER_ARN = "arn:aws:iam::123456789012:saml-provider/MySAMLIdP"

# Long-term keys the server does not know: they answer as the default principal.
DEFAULT_KEY_ID, DEFAULT_SECRET = "AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
BASE_KEY_ID, BASE_SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class CheckFailed(Exception):
    pass


def fail(message, detail=""):
    raise CheckFailed(message + (("\n" + detail) if detail else ""))


def passed(name):
    print(f"PASS {name}", flush=True)


def expect(condition, what, actual, detail=""):
    if not condition:
        fail(f"{what}\n  actual: {actual!r}", detail)


def expect_eq(actual, expected, what, detail=""):
    if actual != expected:
        fail(f"{what}\n  expected: {expected!r}\n  actual:   {actual!r}", detail)


def show(proc):
    return f"  exit code: {proc.returncode}\n  stdout:\n{indent(proc.stdout)}\n  stderr:\n{indent(proc.stderr)}"


def indent(text):
    return textwrap.indent(text.rstrip("\n") or "<empty>", "    ")


class Env:
    """The isolated environment: a temp HOME, config + credentials files, clean AWS_* variables."""

    def __init__(self, endpoint, tmp):
        self.endpoint = endpoint
        self.tmp = tmp
        self.config_file = os.path.join(tmp, "aws-config")
        self.credentials_file = os.path.join(tmp, "aws-credentials")
        with open(self.credentials_file, "w") as f:
            f.write(
                f"[default]\naws_access_key_id = {DEFAULT_KEY_ID}\naws_secret_access_key = {DEFAULT_SECRET}\n\n"
                f"[base]\naws_access_key_id = {BASE_KEY_ID}\naws_secret_access_key = {BASE_SECRET}\n\n"
                f"[noval]\naws_access_key_id = {DEFAULT_KEY_ID}\naws_secret_access_key = {DEFAULT_SECRET}\n"
            )
        with open(self.config_file, "w") as f:
            f.write(
                "[default]\nregion = us-east-1\noutput = json\n\n"
                "[profile base]\nregion = us-east-1\noutput = json\n\n"
                # AssumeRole through the credential provider: botocore builds its own STS client
                # for this, which must reach the fake through AWS_ENDPOINT_URL too.
                "[profile app]\nregion = us-east-1\noutput = json\n"
                f"role_arn = {PROVIDER_ROLE_ARN}\nsource_profile = base\n"
                "role_session_name = provider-session\n\n"
                # The CLI validates lengths client-side; this profile lets the request reach the
                # server so its ValidationError is what comes back.
                "[profile noval]\nregion = us-east-1\noutput = json\nparameter_validation = false\n"
            )

        # The user site-packages are found through HOME; keep them reachable for a --user install.
        user_base = site.getuserbase()
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("AWS_", "BOTO_"))}
        env.update(
            HOME=tmp,  # also keeps the CLI's assume-role cache (~/.aws/cli/cache) out of the real one
            PYTHONUSERBASE=os.environ.get("PYTHONUSERBASE", user_base),
            AWS_CONFIG_FILE=self.config_file,
            AWS_SHARED_CREDENTIALS_FILE=self.credentials_file,
            AWS_ENDPOINT_URL=endpoint,
            AWS_REGION="us-east-1",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_EC2_METADATA_DISABLED="true",
            AWS_PAGER="",
        )
        # Never send the local endpoint through a proxy.
        host = urllib.parse.urlsplit(endpoint).hostname or "127.0.0.1"
        for var in ("NO_PROXY", "no_proxy"):
            env[var] = ",".join(filter(None, [env.get(var, ""), host]))
        self.env = env

    def apply_to_process(self):
        """boto3 in this process reads the same variables (config files, endpoint, no real keys)."""
        os.environ.clear()
        os.environ.update(self.env)

    def aws(self, *args, extra_env=None, expect_success=True):
        cmd = [AWS, *args]
        env = dict(self.env)
        if extra_env:
            env.update(extra_env)
        try:
            proc = subprocess.run(
                cmd, env=env, cwd=self.tmp, capture_output=True, text=True, timeout=TIMEOUT
            )
        except subprocess.TimeoutExpired as e:
            fail(
                f"timed out after {TIMEOUT}s: {' '.join(cmd)}",
                f"  stdout:\n{indent(_text(e.stdout))}\n  stderr:\n{indent(_text(e.stderr))}",
            )
        if expect_success:
            if proc.returncode != 0:
                fail(f"command failed: {' '.join(cmd)}", show(proc))
            try:
                return json.loads(proc.stdout), proc
            except json.JSONDecodeError as e:
                fail(f"not JSON ({e}): {' '.join(cmd)}", show(proc))
        return None, proc


def _text(data):
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


def check_cli_caller_identity(env):
    name = "cli get-caller-identity (default principal)"
    out, proc = env.aws("sts", "get-caller-identity", "--output", "json")
    d = show(proc)
    expect_eq(out.get("Account"), DEFAULT_ACCOUNT, f"{name}: Account", d)
    expect_eq(out.get("Arn"), DEFAULT_USER_ARN, f"{name}: Arn", d)
    uid = out.get("UserId", "")
    expect(uid.startswith("AIDA") and len(uid) == 21, f"{name}: UserId should be AIDA + 17 chars", uid, d)
    passed(name)


def check_cli_assume_role(env):
    name = "cli assume-role"
    out, proc = env.aws(
        "sts", "assume-role", "--role-arn", ROLE_ARN, "--role-session-name", "cli-demo", "--output", "json"
    )
    d = show(proc)
    creds = out.get("Credentials") or {}
    user = out.get("AssumedRoleUser") or {}
    key = creds.get("AccessKeyId", "")
    expect(key.startswith("ASIA") and len(key) == 20, f"{name}: AccessKeyId should be ASIA + 16 chars", key, d)
    expect_eq(len(creds.get("SecretAccessKey", "")), 40, f"{name}: SecretAccessKey length", d)
    expect(creds.get("SessionToken"), f"{name}: SessionToken should be present", creds.get("SessionToken"), d)
    expect(creds.get("Expiration"), f"{name}: Expiration should be present", creds.get("Expiration"), d)
    expect_eq(user.get("Arn"), ASSUMED_ARN, f"{name}: AssumedRoleUser.Arn", d)
    role_id = user.get("AssumedRoleId", "")
    expect(
        role_id.startswith("AROA") and role_id.endswith(":cli-demo"),
        f"{name}: AssumedRoleId should be AROA…:cli-demo",
        role_id,
        d,
    )
    passed(name)

    name = "cli get-caller-identity with the assumed-role credentials"
    out, proc = env.aws(
        "sts",
        "get-caller-identity",
        "--output",
        "json",
        extra_env={
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
        },
    )
    d = show(proc)
    expect_eq(out.get("Arn"), ASSUMED_ARN, f"{name}: Arn", d)
    expect_eq(out.get("UserId"), role_id, f"{name}: UserId (== AssumedRoleId)", d)
    expect_eq(out.get("Account"), "123456789012", f"{name}: Account", d)
    passed(name)


def check_cli_validation_error(env):
    name = "cli assume-role with a 1-char session name fails with the server's ValidationError"
    _, proc = env.aws(
        "sts",
        "assume-role",
        "--profile",
        "noval",
        "--role-arn",
        ROLE_ARN,
        "--role-session-name",
        "x",
        expect_success=False,
    )
    d = show(proc)
    expect(proc.returncode != 0, f"{name}: should exit non-zero", proc.returncode, d)
    expect("ValidationError" in proc.stderr, f"{name}: stderr should contain ValidationError", proc.stderr, d)
    expect(
        "Member must have length greater than or equal to 2" in proc.stderr,
        f"{name}: stderr should contain the length constraint message",
        proc.stderr,
        d,
    )
    passed(name)


def check_boto3(endpoint):
    import boto3

    def client(key, secret, token=None):
        return boto3.client(
            "sts",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
        )

    sts = client("AKIAIOSFODNN7EXAMPLE", "x")

    name = "boto3 get_caller_identity"
    me = sts.get_caller_identity()
    expect_eq(me["Account"], DEFAULT_ACCOUNT, f"{name}: Account", str(me))
    expect_eq(me["Arn"], DEFAULT_USER_ARN, f"{name}: Arn", str(me))
    expect(me["UserId"].startswith("AIDA"), f"{name}: UserId should start with AIDA", me["UserId"])
    passed(name)

    name = "boto3 get_session_token"
    creds = sts.get_session_token()["Credentials"]
    key = creds["AccessKeyId"]
    expect(key.startswith("ASIA") and len(key) == 20, f"{name}: AccessKeyId should be ASIA + 16 chars", key)
    as_session = client(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    got = as_session.get_caller_identity()
    expect_eq(got["Arn"], me["Arn"], f"{name}: get_caller_identity with its credentials: Arn", str(got))
    expect_eq(got["UserId"], me["UserId"], f"{name}: get_caller_identity with its credentials: UserId", str(got))
    passed(name)

    name = "boto3 get_federation_token"
    fed = sts.get_federation_token(Name="bob")
    expect_eq(fed["FederatedUser"]["Arn"], FEDERATED_ARN, f"{name}: FederatedUser.Arn", str(fed))
    creds = fed["Credentials"]
    got = client(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]).get_caller_identity()
    expect_eq(got["Arn"], FEDERATED_ARN, f"{name}: get_caller_identity with its credentials: Arn", str(got))
    passed(name)

    name = "boto3 get_access_key_info"
    info = sts.get_access_key_info(AccessKeyId="AKIARZPUZDIKGB2VALC4")
    expect_eq(info["Account"], "123456789012", f"{name}: Account", str(info))
    passed(name)


def check_boto3_assume_role_provider(endpoint):
    import boto3

    name = "boto3 assume-role credential provider (profile app)"
    session = boto3.Session(profile_name="app")
    sts = session.client("sts", endpoint_url=endpoint)
    got = sts.get_caller_identity()
    # Only this server can answer with this ARN for these keys: the provider's own STS client
    # reached the fake (real AWS would have refused the example keys).
    expect_eq(got["Arn"], PROVIDER_ASSUMED_ARN, f"{name}: Arn", str(got))
    expect_eq(got["Account"], "123456789012", f"{name}: Account", str(got))
    key = session.get_credentials().get_frozen_credentials().access_key
    expect(key.startswith("ASIA"), f"{name}: the session's credentials should be temporary (ASIA…)", key)
    passed(name)


def check_cli_assume_role_provider(env):
    name = "cli assume-role credential provider (--profile app)"
    out, proc = env.aws("sts", "get-caller-identity", "--profile", "app", "--output", "json")
    d = show(proc)
    expect_eq(out.get("Arn"), PROVIDER_ASSUMED_ARN, f"{name}: Arn", d)
    expect_eq(out.get("Account"), "123456789012", f"{name}: Account", d)
    passed(name)


def b64url(data):
    import base64

    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text):
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def admin_post(endpoint, route, body):
    import urllib.request

    req = urllib.request.Request(
        f"{endpoint}/_parlel/{route}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
        return json.loads(resp.read())


def get_json(url):
    import urllib.request

    with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
        return json.loads(resp.read())


def web_identity_jwt(now):
    """An (unsigned) OIDC token as GitHub Actions would mint it; no provider is declared, so the
    fake trusts it unverified."""
    claims = {
        "iss": "https://token.actions.githubusercontent.com",
        "sub": "repo:octo/app:ref:refs/heads/main",
        "aud": "sts.amazonaws.com",
        "iat": now,
        "exp": now + 600,
    }
    return f"{b64url({'alg': 'RS256', 'kid': 'k'})}.{b64url(claims)}.{b64url(b'sig')}"


def saml_assertion(now):
    import base64
    import datetime

    def t(epoch):
        return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    xml = f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" IssueInstant="{t(now)}">
<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">https://example.com/saml</saml:Issuer>
<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" IssueInstant="{t(now)}">
<saml:Issuer>https://example.com/saml</saml:Issuer>
<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">alice</saml:NameID>
<saml:SubjectConfirmation><saml:SubjectConfirmationData NotOnOrAfter="{t(now + 300)}" Recipient="https://signin.aws.amazon.com/saml"/></saml:SubjectConfirmation></saml:Subject>
<saml:AttributeStatement>
<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><saml:AttributeValue>{SAML_ROLE_ARN},{SAML_PROVIDER_ARN}</saml:AttributeValue></saml:Attribute>
<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>alice</saml:AttributeValue></saml:Attribute>
</saml:AttributeStatement></saml:Assertion></samlp:Response>"""
    return base64.b64encode(xml.encode()).decode()


def server_now(endpoint):
    import datetime

    now = get_json(f"{endpoint}/_parlel/clock")["now"]
    return int(datetime.datetime.strptime(now, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp())


def check_cli_federation_operations(env, endpoint):
    now = server_now(endpoint)

    name = "cli assume-role-with-web-identity"
    out, proc = env.aws(
        "sts", "assume-role-with-web-identity", "--role-arn", ROLE_ARN, "--role-session-name", "gha",
        "--web-identity-token", web_identity_jwt(now), "--output", "json",
    )
    d = show(proc)
    expect_eq(out.get("SubjectFromWebIdentityToken"), "repo:octo/app:ref:refs/heads/main", f"{name}: Subject", d)
    expect_eq(out.get("Audience"), "sts.amazonaws.com", f"{name}: Audience", d)
    expect_eq(
        out.get("Provider"),
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        f"{name}: Provider",
        d,
    )
    expect_eq((out.get("AssumedRoleUser") or {}).get("Arn"), "arn:aws:sts::123456789012:assumed-role/app/gha", f"{name}: Arn", d)
    passed(name)

    # The SDKs' web identity credential provider (EKS IRSA, GitHub Actions): a token file + role.
    name = "cli web identity credential provider (AWS_WEB_IDENTITY_TOKEN_FILE)"
    token_file = os.path.join(env.tmp, "web-identity-token")
    with open(token_file, "w") as f:
        f.write(web_identity_jwt(now))
    out, proc = env.aws(
        "sts", "get-caller-identity", "--output", "json",
        extra_env={
            "AWS_WEB_IDENTITY_TOKEN_FILE": token_file,
            "AWS_ROLE_ARN": ROLE_ARN,
            "AWS_ROLE_SESSION_NAME": "irsa",
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(env.tmp, "none"),
        },
    )
    d = show(proc)
    expect_eq(out.get("Arn"), "arn:aws:sts::123456789012:assumed-role/app/irsa", f"{name}: Arn", d)
    passed(name)

    name = "cli assume-role-with-saml"
    out, proc = env.aws(
        "sts", "assume-role-with-saml", "--role-arn", SAML_ROLE_ARN, "--principal-arn", SAML_PROVIDER_ARN,
        "--saml-assertion", saml_assertion(now), "--output", "json",
    )
    d = show(proc)
    expect_eq(out.get("Subject"), "alice", f"{name}: Subject", d)
    expect_eq(out.get("SubjectType"), "transient", f"{name}: SubjectType", d)
    expect_eq(out.get("Issuer"), "https://example.com/saml", f"{name}: Issuer", d)
    expect_eq(out.get("NameQualifier"), "1uAJanUnBc2XeUkHURMht+xam2c=", f"{name}: NameQualifier", d)
    passed(name)

    name = "cli assume-root"
    out, proc = env.aws(
        "sts", "assume-root", "--target-principal", "111122223333",
        "--task-policy-arn", "arn=arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy", "--output", "json",
    )
    d = show(proc)
    creds = out.get("Credentials") or {}
    out, proc = env.aws(
        "sts", "get-caller-identity", "--output", "json",
        extra_env={
            "AWS_ACCESS_KEY_ID": creds.get("AccessKeyId", ""),
            "AWS_SECRET_ACCESS_KEY": creds.get("SecretAccessKey", ""),
            "AWS_SESSION_TOKEN": creds.get("SessionToken", ""),
        },
    )
    expect_eq(out.get("Arn"), "arn:aws:iam::111122223333:root", f"{name}: get-caller-identity Arn", show(proc))
    passed(name)


def check_boto3_token_operations(endpoint):
    import boto3
    import rsa  # an independent RSA implementation (installed with awscli) verifies the signature

    sts = boto3.client(
        "sts", endpoint_url=endpoint, region_name="eu-west-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x",
    )

    name = "boto3 get_web_identity_token (RS256, verified against the published JWKS)"
    out = sts.get_web_identity_token(Audience=["https://api.example.com"], SigningAlgorithm="RS256")
    token = out["WebIdentityToken"]
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(b64url_decode(header_b64))
    claims = json.loads(b64url_decode(payload_b64))
    discovery = get_json(f"{claims['iss']}/.well-known/openid-configuration")
    expect_eq(discovery["issuer"], claims["iss"], f"{name}: discovery issuer", str(discovery))
    keys = {k["kid"]: k for k in get_json(discovery["jwks_uri"])["keys"]}
    jwk = keys.get(header.get("kid"))
    expect(jwk is not None, f"{name}: the token's kid should be in the JWKS", header)
    public = rsa.PublicKey(
        int.from_bytes(b64url_decode(jwk["n"]), "big"), int.from_bytes(b64url_decode(jwk["e"]), "big")
    )
    try:
        rsa.verify(f"{header_b64}.{payload_b64}".encode(), b64url_decode(signature_b64), public)
    except rsa.VerificationError:
        fail(f"{name}: the RS256 signature does not verify against the JWKS")
    expect_eq(claims["aud"], "https://api.example.com", f"{name}: aud", str(claims))
    expect_eq(claims["sub"], DEFAULT_USER_ARN, f"{name}: sub", str(claims))
    expect_eq(claims["https://sts.amazonaws.com/"]["source_region"], "eu-west-1", f"{name}: source_region", str(claims))
    passed(name)

    name = "boto3 decode_authorization_message"
    encoded = admin_post(endpoint, "authorization-message", {"action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"})
    decoded = json.loads(sts.decode_authorization_message(EncodedMessage=encoded["encoded_message"])["DecodedMessage"])
    expect_eq(decoded["context"]["action"], "s3:GetObject", f"{name}: context.action", str(decoded))
    expect_eq(decoded["allowed"], False, f"{name}: allowed", str(decoded))
    try:
        sts.decode_authorization_message(EncodedMessage="garbage")
        fail(f"{name}: garbage should be refused")
    except sts.exceptions.InvalidAuthorizationMessageException:
        pass
    passed(name)

    name = "boto3 get_delegated_access_token"
    grant = admin_post(endpoint, "trade-in-token", {"principal_arn": ROLE_ARN, "session_name": "partner"})
    out = sts.get_delegated_access_token(TradeInToken=grant["trade_in_token"])
    expect_eq(out["AssumedPrincipal"], ROLE_ARN, f"{name}: AssumedPrincipal", str(out))
    # A token this server never issued: the default principal in permissive mode (strict refuses it).
    out = sts.get_delegated_access_token(TradeInToken="unknown")
    expect_eq(out["AssumedPrincipal"], DEFAULT_USER_ARN, f"{name}: an unknown token", str(out))
    passed(name)


def main():
    if len(sys.argv) != 2 or not sys.argv[1].startswith(("http://", "https://")):
        print(f"usage: {sys.argv[0]} http://HOST:PORT", file=sys.stderr)
        return 2
    endpoint = sys.argv[1].rstrip("/")

    global AWS
    AWS = shutil.which("aws")
    if AWS is None:
        print("FAIL: the aws CLI is not on PATH (pip install awscli)", file=sys.stderr)
        return 1

    with tempfile.TemporaryDirectory(prefix="parlel-sts-smoke-") as tmp:
        env = Env(endpoint, tmp)
        env.apply_to_process()
        try:
            check_cli_caller_identity(env)
            check_cli_assume_role(env)
            check_cli_validation_error(env)
            check_boto3(endpoint)
            check_boto3_assume_role_provider(endpoint)
            check_cli_assume_role_provider(env)
            check_cli_federation_operations(env, endpoint)
            check_boto3_token_operations(endpoint)
        except CheckFailed as e:
            print(f"FAIL {e}", file=sys.stderr)
            return 1
        except Exception as e:  # a boto3 error: the server answered something unexpected
            import traceback

            traceback.print_exc()
            print(f"FAIL unexpected {type(e).__name__}: {e}", file=sys.stderr)
            return 1
    print("all checks passed")
    return 0


AWS = None

if __name__ == "__main__":
    sys.exit(main())
