"""Writes a cassette of N AssumeRole interactions (distinct session names) for the replay load
benchmark: python3 big_cassette.py N OUT.yaml"""

import sys

n, out = int(sys.argv[1]), sys.argv[2]
body = (
    '      <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n'
    "        <AssumeRoleResult>\n"
    "          <AssumedRoleUser>\n"
    "            <AssumedRoleId>AROAQAAAAAAAEXAMPLE01:s{i}</AssumedRoleId>\n"
    "            <Arn>arn:aws:sts::123456789012:assumed-role/bench/s{i}</Arn>\n"
    "          </AssumedRoleUser>\n"
    "          <Credentials>\n"
    "            <AccessKeyId>ASIAQAAAAAAA{k}</AccessKeyId>\n"
    "            <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\n"
    "            <SessionToken>IQoJb3JpZ2luX2VjEXAMPLETOKENEXAMPLETOKENEXAMPLETOKENEXAMPLETOKENEXAMPLETOKENEXAMPLETOKENEXAMPLETOKEN{i}</SessionToken>\n"
    "            <Expiration>2026-12-01T01:00:00Z</Expiration>\n"
    "          </Credentials>\n"
    "        </AssumeRoleResult>\n"
    "        <ResponseMetadata>\n"
    "          <RequestId>c0ffee00-0000-4000-8000-{i:012d}</RequestId>\n"
    "        </ResponseMetadata>\n"
    "      </AssumeRoleResponse>\n"
)
alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
with open(out, "w") as f:
    f.write("format: 1\nupstream: local\nredaction_key: bench\ninteractions:\n")
    for i in range(n):
        k = "".join(alphabet[(i >> (5 * j)) & 31] for j in range(8))
        f.write(
            "- request:\n"
            "    action: AssumeRole\n    version: 2011-06-15\n    method: POST\n    format: xml\n"
            "    identity: base\n    parameters:\n"
            "    - - RoleArn\n      - arn:aws:iam::123456789012:role/bench\n"
            f"    - - RoleSessionName\n      - s{i}\n"
            f"  ordinal: 0\n  recorded_at: 2026-12-01T00:00:00Z\n  response:\n    status: 200\n"
            "    headers:\n    - - content-type\n      - text/xml\n"
            f"    - - x-amzn-requestid\n      - c0ffee00-0000-4000-8000-{i:012d}\n"
            "    body: |\n" + body.format(i=i, k=k)
        )
