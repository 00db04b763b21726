// Command seed creates pgdynamo's sample tables (users, orders) in a DynamoDB endpoint,
// normally DynamoDB Local:
//
//	go run ./internal/demo/seed --endpoint http://127.0.0.1:8000
//
// It drops and recreates the two tables, so it can run any number of times. It refuses to
// run without an explicit endpoint, and against an amazonaws.com one, so it can never
// drop real tables. Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
// when set, else dummy values (DynamoDB Local accepts any).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/pgdynamo/pgdynamo/internal/demo"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run() error {
	endpoint := flag.String("endpoint", os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"),
		"DynamoDB endpoint URL (default $AWS_ENDPOINT_URL_DYNAMODB)")
	region := flag.String("region", envOr("AWS_REGION", "us-east-1"), "region to sign requests for (default $AWS_REGION or us-east-1)")
	wait := flag.Duration("wait", 60*time.Second, "how long to wait for the endpoint to answer before giving up")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	if err := checkEndpoint(*endpoint); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg := aws.Config{
		Region: *region,
		Credentials: credentials.NewStaticCredentialsProvider(
			envOr("AWS_ACCESS_KEY_ID", "demo"), envOr("AWS_SECRET_ACCESS_KEY", "demo"), os.Getenv("AWS_SESSION_TOKEN")),
		BaseEndpoint: endpoint,
	}
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		// DynamoDB Local sends x-amz-crc32: 0 on error responses.
		o.DisableValidateResponseChecksum = true
	})

	if err := waitReady(ctx, client, *endpoint, *wait); err != nil {
		return err
	}
	fmt.Printf("seeding %s (region %s)\n", *endpoint, *region)
	if err := demo.Seed(ctx, client, os.Stdout); err != nil {
		return err
	}
	fmt.Println("done")
	return nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// checkEndpoint refuses a missing endpoint (the SDK would then pick real AWS) and real AWS.
func checkEndpoint(endpoint string) error {
	if endpoint == "" {
		return errors.New("no endpoint: pass --endpoint http://127.0.0.1:PORT or set AWS_ENDPOINT_URL_DYNAMODB " +
			"(start one with scripts/dynamodb-local.sh start)")
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("endpoint %q is not a URL like http://127.0.0.1:8000", endpoint)
	}
	if h := strings.ToLower(u.Hostname()); h == "amazonaws.com" || strings.HasSuffix(h, ".amazonaws.com") {
		return fmt.Errorf("refusing to seed %s: this drops and recreates the users and orders tables, "+
			"so it only runs against DynamoDB Local", endpoint)
	}
	return nil
}

// waitReady polls ListTables until the endpoint answers (DynamoDB Local may still be starting).
func waitReady(ctx context.Context, client *dynamodb.Client, endpoint string, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, 2*time.Second)
		_, err := client.ListTables(attempt, &dynamodb.ListTablesInput{})
		cancelAttempt()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer ListTables within %v: %w", endpoint, wait, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}
