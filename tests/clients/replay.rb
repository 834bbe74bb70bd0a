# The AWS SDK for Ruby (aws-sdk-core's Aws::STS) through a per-test cassette named by its
# endpoint's path: ruby replay.rb http://127.0.0.1:PORT
# (Debian's ruby-aws-sdk-core 3.168.1: older than AWS_ENDPOINT_URL_STS, so the endpoint is given in
# code.) Run once against record mode and once against replay mode; prints what the calls answered
# as one JSON line, which the Rust test compares between the runs.
require "aws-sdk-core"
require "json"

endpoint = "#{ARGV.fetch(0).chomp('/')}/cassette/rb-test/"
client = ->(credentials) { Aws::STS::Client.new(region: "us-east-1", endpoint: endpoint, credentials: credentials) }
sts = client.call(Aws::Credentials.new("AKIAIOSFODNN7EXAMPLE", "anything"))
c = sts.assume_role(role_arn: "arn:aws:iam::123456789012:role/app", role_session_name: "from-ruby").credentials
as_role = client.call(Aws::Credentials.new(c.access_key_id, c.secret_access_key, c.session_token))
puts JSON.generate({ key: c.access_key_id, arn: as_role.get_caller_identity.arn })
