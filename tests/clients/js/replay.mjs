// The AWS SDK for JavaScript v3 through a per-test cassette named by its endpoint's path:
// node replay.mjs http://127.0.0.1:PORT
// Run once against record mode and once against replay mode; prints what the calls answered as
// one JSON line, which the Rust test compares between the runs.
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";

const endpoint = `${process.argv[2].replace(/\/$/, "")}/cassette/js-test/`;
const client = (credentials) => new STSClient({ region: "us-east-1", endpoint, credentials });
const sts = client({ accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "anything" });
const { Credentials } = await sts.send(new AssumeRoleCommand({
  RoleArn: "arn:aws:iam::123456789012:role/app", RoleSessionName: "from-js" }));
const asRole = client({ accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretAccessKey,
  sessionToken: Credentials.SessionToken });
const me = await asRole.send(new GetCallerIdentityCommand({}));
console.log(JSON.stringify({ key: Credentials.AccessKeyId, arn: me.Arn }));
