"""SigV4-signs the benchmark's GetCallerIdentity POST for a strict-mode server (the built-in
parlel / parlel key; host and x-amz-date signed). Prints the Authorization header's value.

    python3 benches/sign.py HOST:PORT YYYYMMDDTHHMMSSZ BODY

The date is fixed for the whole run: the server's clock is pinned to it, so replaying the same
signed request stays within the 15-minute window. (Standard library only: the bench installs
nothing for Python; the server itself verifies with aws-sigv4, so a wrong signature here fails
the bench's sanity check.)"""

import hashlib
import hmac
import sys

host, amz_date, body = sys.argv[1], sys.argv[2], sys.argv[3]
key, secret, region, service = "parlel", "parlel", "us-east-1", "sts"
day = amz_date[:8]
canonical = "\n".join([
    "POST", "/", "",
    f"host:{host}", f"x-amz-date:{amz_date}", "",
    "host;x-amz-date",
    hashlib.sha256(body.encode()).hexdigest(),
])
scope = f"{day}/{region}/{service}/aws4_request"
to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])


def mac(k, msg):
    return hmac.new(k, msg.encode(), hashlib.sha256).digest()


signing_key = mac(mac(mac(mac(("AWS4" + secret).encode(), day), region), service), "aws4_request")
signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
print(f"AWS4-HMAC-SHA256 Credential={key}/{scope}, SignedHeaders=host;x-amz-date, Signature={signature}")
