// The AWS SDK for JavaScript v3 against a running parlel-sts: node smoke.mjs http://127.0.0.1:PORT
// Exits non-zero on the first failed check.
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import assert from "node:assert/strict";

const endpoint = process.argv[2];
const client = (credentials) => new STSClient({ region: "us-east-1", endpoint, credentials });
const sts = client({ accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "x" });

const me = await sts.send(new GetCallerIdentityCommand({}));
assert.equal(me.Arn, "arn:aws:iam::000000000000:user/parlel");
assert.equal(me.Account, "000000000000");

const { Credentials, AssumedRoleUser } = await sts.send(new AssumeRoleCommand({
  RoleArn: "arn:aws:iam::123456789012:role/app", RoleSessionName: "js-demo" }));
assert.match(Credentials.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
assert.ok(Credentials.Expiration instanceof Date);
const asRole = client({ accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretAccessKey,
  sessionToken: Credentials.SessionToken });
const role = await asRole.send(new GetCallerIdentityCommand({}));
assert.equal(role.Arn, "arn:aws:sts::123456789012:assumed-role/app/js-demo");
assert.equal(role.UserId, AssumedRoleUser.AssumedRoleId);

await assert.rejects(
  sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/app", RoleSessionName: "x" })),
  (e) => e.name === "ValidationError" && e.$metadata.httpStatusCode === 400 &&
    e.message.includes("Value 'x' at 'roleSessionName' failed to satisfy constraint"));
console.log("js v3 smoke: all checks passed");
