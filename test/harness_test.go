package test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/jackc/pgx/v5"

	"github.com/pgdynamo/pgdynamo/config"
	"github.com/pgdynamo/pgdynamo/gateway"
	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
	"github.com/pgdynamo/pgdynamo/internal/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	// Both shared servers are stopped, and a server that died during the
	// run fails it; the pgdynamo binary built for the CLI tests is removed.
	for _, stop := range []func() error{dynamotest.CloseShared, pgtest.CloseShared, removeBinary} {
		if err := stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// datasetYAML is one dataset entry for a test config.
type datasetYAML struct {
	name, table string
	params      map[string]string
}

// startGateway serves the given datasets from the shared DynamoDB Local on
// a free loopback port, and stops it when the test ends.
func startGateway(t testing.TB, datasets ...datasetYAML) *gateway.Gateway {
	t.Helper()
	server := dynamotest.Shared(t)
	var b strings.Builder
	b.WriteString("version: v1\nkind: Spicepod\nname: e2e\nruntime:\n  pg:\n    listen: 127.0.0.1:0\ndatasets:\n")
	for _, d := range datasets {
		fmt.Fprintf(&b, "  - from: dynamodb:%s\n    name: %s\n    params:\n", d.table, d.name)
		// params may point the dataset elsewhere (a fault proxy).
		endpoint := server.Endpoint()
		if e, ok := d.params["dynamodb_endpoint"]; ok {
			endpoint = e
		}
		fmt.Fprintf(&b, "      dynamodb_aws_region: us-east-1\n      dynamodb_endpoint: %s\n", endpoint)
		b.WriteString("      dynamodb_aws_access_key_id: ${secrets:e2e_key}\n      dynamodb_aws_secret_access_key: ${secrets:e2e_secret}\n")
		for k, v := range d.params {
			if k != "dynamodb_endpoint" {
				fmt.Fprintf(&b, "      %s: %q\n", k, v)
			}
		}
	}
	f, err := config.Parse("e2e.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("test config: %v\n%s", err, b.String())
	}
	env := map[string]string{"E2E_KEY": "dummy", "E2E_SECRET": "dummy"}
	cfg, err := f.Resolve(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("test config: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	gw, err := gateway.Start(ctx, cfg, log)
	if err != nil {
		t.Fatalf("starting the gateway: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := gw.Shutdown(ctx); err != nil {
			t.Errorf("gateway shutdown: %v", err)
		}
	})
	return gw
}

// connString is a libpq URL for the gateway.
func connString(gw *gateway.Gateway) string {
	return fmt.Sprintf("postgres://tester@%s/e2e?sslmode=disable", gw.Addr().String())
}

// connect opens a pgx connection that uses the simple query protocol.
func connect(t testing.TB, gw *gateway.Gateway) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(connString(gw))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connecting to the gateway: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// queryText runs sql and returns the column names, the column type OIDs and
// every value in PostgreSQL text form ("NULL" for NULL).
func queryText(ctx context.Context, conn *pgx.Conn, sql string) (names []string, oids []uint32, rows [][]string, err error) {
	res, err := conn.Query(ctx, sql)
	if err != nil {
		return nil, nil, nil, err
	}
	defer res.Close()
	for _, fd := range res.FieldDescriptions() {
		names = append(names, fd.Name)
		oids = append(oids, fd.DataTypeOID)
	}
	for res.Next() {
		rows = append(rows, rawRow(res.RawValues()))
	}
	return names, oids, rows, res.Err()
}

// rawRow is a row's values as the server sent them, "NULL" for NULL.
func rawRow(raw [][]byte) []string {
	row := make([]string, len(raw))
	for i, v := range raw {
		if v == nil {
			row[i] = "NULL"
		} else {
			row[i] = string(v)
		}
	}
	return row
}

// dynamoClient is what fixtures need from a DynamoDB client.
type dynamoClient = *dynamodb.Client
