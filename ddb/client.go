package ddb

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
)

// Config says how to reach one table's DynamoDB endpoint.
type Config struct {
	Region string
	// AccessKeyID and SecretAccessKey, when set, replace the SDK default
	// credential chain (environment, shared files and profiles, SSO, web
	// identity, ECS, IMDSv2).
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Endpoint overrides the endpoint the SDK would resolve, including
	// AWS_ENDPOINT_URL_DYNAMODB. Empty means the SDK decides.
	Endpoint string
	// MaxAttempts bounds retries of throttled and transient failures; 0 means
	// the default of 10.
	MaxAttempts int
}

// Validate reports a configuration that cannot produce a client.
func (c Config) Validate() error {
	if c.Region == "" {
		return fmt.Errorf("region is required")
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		return fmt.Errorf("an access key id and a secret access key go together")
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("endpoint %q is not an http(s) URL", c.Endpoint)
		}
	}
	return nil
}

// LoadAWSConfig resolves credentials and retry policy for cfg. Credentials
// are resolved lazily by the SDK; use CheckCredentials to fail early.
func LoadAWSConfig(ctx context.Context, cfg Config) (aws.Config, error) {
	if err := cfg.Validate(); err != nil {
		return aws.Config{}, err
	}
	attempts := cfg.MaxAttempts
	if attempts == 0 {
		attempts = 10
	}
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRegion(cfg.Region),
		// The adaptive retryer backs off on throttling and also rate-limits
		// the client side, which is what an analytics reader sharing a table
		// with production traffic should do.
		// An unreachable endpoint is given up on sooner (retry.go).
		awsconfig.WithRetryer(func() aws.Retryer {
			return boundedRetryer{retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
				o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
					so.MaxAttempts = attempts
					so.Retryables = append(so.Retryables, cutResponse{})
				})
			})}
		}),
		awsconfig.WithHTTPClient(awshttp.NewBuildableClient().WithDialerOptions(func(d *net.Dialer) {
			d.Timeout = dialTimeout
		}).WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConns = maxIdleConns
			t.MaxIdleConnsPerHost = maxIdleConns
		})),
	}
	if cfg.AccessKeyID != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	return awsCfg, nil
}

// maxIdleConns is how many connections to DynamoDB the client keeps open
// between calls. The SDK keeps 10 per host, but every session's lookups
// and every scan segment call the same endpoint at once: past 10, each
// call would dial a connection and close it again (TCP and, on AWS, TLS
// handshakes on the query path).
const maxIdleConns = 256

// NewClient returns a DynamoDB client for cfg.
func NewClient(ctx context.Context, cfg Config) (*dynamodb.Client, error) {
	awsCfg, err := LoadAWSConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
	}), nil
}

// CheckCredentials resolves credentials now, so that a missing or broken
// credential source is reported at start-up rather than on the first query.
func CheckCredentials(ctx context.Context, awsCfg aws.Config) error {
	if awsCfg.Credentials == nil {
		return fmt.Errorf("no AWS credentials source is configured")
	}
	if _, err := awsCfg.Credentials.Retrieve(ctx); err != nil {
		return fmt.Errorf("resolving AWS credentials: %w", err)
	}
	return nil
}

// NewStreamsClient returns a DynamoDB Streams client for cfg. Its endpoint
// is cfg.Endpoint when set (DynamoDB Local serves both APIs on one
// endpoint), else the SDK's: AWS_ENDPOINT_URL_DYNAMODB_STREAMS or the
// region's public endpoint. onRetry, when set, sees every failed attempt
// the SDK retries (the stream's transient errors).
func NewStreamsClient(ctx context.Context, cfg Config, onRetry func(error)) (*dynamodbstreams.Client, error) {
	awsCfg, err := LoadAWSConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return dynamodbstreams.NewFromConfig(awsCfg, func(o *dynamodbstreams.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		if v2, ok := o.Retryer.(aws.RetryerV2); ok && onRetry != nil {
			o.Retryer = observedRetryer{RetryerV2: v2, onRetry: onRetry}
		}
	}), nil
}

// observedRetryer reports each failed attempt the SDK retries.
type observedRetryer struct {
	aws.RetryerV2
	onRetry func(error)
}

func (r observedRetryer) IsErrorRetryable(err error) bool {
	retry := r.RetryerV2.IsErrorRetryable(err)
	if retry {
		r.onRetry(err)
	}
	return retry
}
