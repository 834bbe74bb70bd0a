// The AWS SDK for Go v2 through a per-test cassette named by its endpoint's path:
// GO111MODULE=off GOPATH=/usr/share/gocode go run replay.go http://127.0.0.1:PORT
// (Debian's golang-github-aws-aws-sdk-go-v2-dev, whose sts module is 1.17.1: older than
// AWS_ENDPOINT_URL_STS, so the endpoint is given in code.) Run once against record mode and once
// against replay mode; prints what the calls answered as one JSON line, which the Rust test
// compares between the runs.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func client(endpoint string, creds aws.CredentialsProvider) *sts.Client {
	return sts.New(sts.Options{
		Region:           "us-east-1",
		EndpointResolver: sts.EndpointResolverFromURL(endpoint),
		Credentials:      creds,
	})
}

func fail(what string, err error) {
	fmt.Fprintln(os.Stderr, what, err)
	os.Exit(1)
}

func main() {
	endpoint := strings.TrimSuffix(os.Args[1], "/") + "/cassette/go-test/"
	ctx := context.Background()
	base := credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "anything", "")
	assumed, err := client(endpoint, base).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:aws:iam::123456789012:role/app"),
		RoleSessionName: aws.String("from-go"),
	})
	if err != nil {
		fail("AssumeRole", err)
	}
	c := assumed.Credentials
	role := credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId),
		aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	me, err := client(endpoint, role).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		fail("GetCallerIdentity", err)
	}
	line, _ := json.Marshal(map[string]string{"key": aws.ToString(c.AccessKeyId), "arn": aws.ToString(me.Arn)})
	fmt.Println(string(line))
}
