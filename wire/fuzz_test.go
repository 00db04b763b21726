package wire_test

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
	"github.com/pgdynamo/pgdynamo/wire"
)

// fuzzEngine answers every statement with one row holding 1, enough for
// the protocol paths to run without DynamoDB.
type fuzzEngine struct{}

func (fuzzEngine) NewSession(context.Context, wire.SessionInfo) (wire.Session, error) {
	return fuzzSession{}, nil
}

type fuzzSession struct{}

var fuzzSchema = arrow.NewSchema([]arrow.Field{{Name: "one", Type: arrow.PrimitiveTypes.Int64}}, nil)

func (fuzzSession) Plan(_ context.Context, sql string) ([]wire.Statement, error) {
	if sql == "" {
		return nil, nil
	}
	if sql == "fail" {
		return nil, pgerror.New(pgerror.SyntaxError, "fail")
	}
	return []wire.Statement{fuzzStatement{}}, nil
}

func (fuzzSession) Prepare(_ context.Context, sql string, _ []uint32) (wire.Prepared, error) {
	if sql == "fail" {
		return nil, pgerror.New(pgerror.SyntaxError, "fail")
	}
	return fuzzPrepared{}, nil
}

func (fuzzSession) ParameterStatus() [][2]string    { return [][2]string{{"server_version", "15.8"}} }
func (fuzzSession) EncodeOptions() pgtypes.Options  { return pgtypes.Options{} }
func (fuzzSession) Close() error                    { return nil }
func (fuzzSession) EndTransaction(bool) [][2]string { return nil }

type fuzzPrepared struct{}

func (fuzzPrepared) ParamOIDs() []uint32   { return []uint32{pgtypes.Int8OID} }
func (fuzzPrepared) Schema() *arrow.Schema { return fuzzSchema }
func (fuzzPrepared) Bind(context.Context, []any) (wire.Statement, error) {
	return fuzzStatement{}, nil
}

type fuzzStatement struct{}

func (fuzzStatement) Tag() string         { return "SELECT" }
func (fuzzStatement) Effect() wire.Effect { return wire.Effect{} }
func (fuzzStatement) Execute(context.Context) (wire.Result, error) {
	b := array.NewInt64Builder(memory.DefaultAllocator)
	b.AppendValues([]int64{1, 2, 3}, nil)
	arr := b.NewArray()
	defer arr.Release()
	return &fuzzResult{batch: array.NewRecordBatch(fuzzSchema, []arrow.Array{arr}, 3)}, nil
}

type fuzzResult struct{ batch arrow.RecordBatch }

func (r *fuzzResult) Schema() *arrow.Schema { return fuzzSchema }
func (r *fuzzResult) Next(context.Context) (arrow.RecordBatch, error) {
	if r.batch == nil {
		return nil, io.EOF
	}
	b := r.batch
	r.batch = nil
	return b, nil
}
func (r *fuzzResult) Notices() []*pgerror.Error { return nil }
func (r *fuzzResult) Changed() [][2]string      { return nil }
func (r *fuzzResult) Close() error {
	if r.batch != nil {
		r.batch.Release()
	}
	return nil
}

var (
	fuzzServerOnce sync.Once
	fuzzAddr       string
)

func fuzzServer(t testing.TB) string {
	fuzzServerOnce.Do(func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := wire.NewServer(wire.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxMessageSize: 1 << 20}, fuzzEngine{})
		go srv.Serve(ln)
		fuzzAddr = ln.Addr().String()
	})
	return fuzzAddr
}

// startup logs in and returns the connection, ready for messages.
func startup(t testing.TB, addr string) net.Conn {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "fuzz"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatalf("startup: %v", err)
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			return nc
		}
	}
}

// healthy proves a fresh connection still gets answers.
func healthy(t testing.TB, addr string) {
	nc := startup(t, addr)
	defer nc.Close()
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.Query{String: "SELECT 1"})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	rows := 0
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatalf("server stopped answering: %v", err)
		}
		switch msg.(type) {
		case *pgproto3.DataRow:
			rows++
		case *pgproto3.ReadyForQuery:
			if rows != 3 {
				t.Fatalf("got %d rows", rows)
			}
			return
		}
	}
}

func frame(typ byte, body []byte) []byte {
	out := []byte{typ, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(out[1:], uint32(len(body)+4))
	return append(out, body...)
}

func encode(msgs ...pgproto3.FrontendMessage) []byte {
	var out []byte
	for _, m := range msgs {
		var err error
		out, err = m.Encode(out)
		if err != nil {
			panic(err)
		}
	}
	return out
}

// FuzzMessages sends arbitrary bytes after a valid login. Whatever arrives,
// the server must answer or close that one connection, never crash, and
// keep serving others. The seeds run as a regular test.
func FuzzMessages(f *testing.F) {
	seeds := [][]byte{
		encode(&pgproto3.Query{String: "SELECT 1"}),
		encode(&pgproto3.Query{String: "fail"}, &pgproto3.Query{String: ""}),
		encode(&pgproto3.Parse{Name: "s", Query: "SELECT $1"}, &pgproto3.Bind{PreparedStatement: "s", Parameters: [][]byte{{0, 0, 0, 0, 0, 0, 0, 1}}, ParameterFormatCodes: []int16{1}},
			&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Execute{}, &pgproto3.Sync{}),
		encode(&pgproto3.Bind{PreparedStatement: "missing"}, &pgproto3.Execute{}, &pgproto3.Sync{}),
		encode(&pgproto3.Parse{Query: "SELECT $1"}, &pgproto3.Bind{Parameters: [][]byte{{1, 2}}, ParameterFormatCodes: []int16{1}}, &pgproto3.Sync{}),
		encode(&pgproto3.Parse{Query: "SELECT $1"}, &pgproto3.Bind{Parameters: [][]byte{{1}}, ParameterFormatCodes: []int16{7}}, &pgproto3.Sync{}),
		encode(&pgproto3.Describe{ObjectType: 'X', Name: "?"}, &pgproto3.Close{ObjectType: 'P'}, &pgproto3.Flush{}, &pgproto3.Sync{}),
		frame('Q', nil),                      // no terminating NUL
		frame('B', []byte{0, 0, 0xff, 0xff}), // counts beyond the body
		frame('P', []byte("s\x00SELECT\x00\xff\xff")),
		{'Q', 0xff, 0xff, 0xff, 0xff}, // absurd length
		{'Q', 0, 0, 0, 3},             // length below the header
		{'Z', 0, 0, 0, 4},             // a backend message type
		[]byte("garbage that is not a message"),
		encode(&pgproto3.Query{String: "SELECT 1"})[:7], // truncated
		encode(&pgproto3.Terminate{}),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		addr := fuzzServer(t)
		nc := startup(t, addr)
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		nc.Write(data)
		// Half-close so a server waiting for more bytes sees the end.
		nc.(*net.TCPConn).CloseWrite()
		io.Copy(io.Discard, nc)
		nc.Close()
		healthy(t, addr)
	})
}

// FuzzStartup sends arbitrary bytes instead of a startup message.
func FuzzStartup(f *testing.F) {
	ssl := make([]byte, 8)
	binary.BigEndian.PutUint32(ssl, 8)
	binary.BigEndian.PutUint32(ssl[4:], 80877103)
	for _, s := range [][]byte{
		ssl,
		append(append([]byte{}, ssl...), ssl...),
		{0, 0, 0, 8, 4, 210, 22, 46},      // CancelRequest with no key
		{0, 0, 0, 3},                      // length below the header
		{0xff, 0xff, 0xff, 0xff, 0, 3, 0}, // absurd length
		{0, 0, 0, 9, 0, 3, 0, 0, 0},       // startup without the final NUL
		{0, 0, 0, 16, 0, 3, 0, 0, 'u', 's', 'e', 'r', 0, 0, 0, 0}, // user with no value
		{0, 0, 0, 8, 0, 2, 0, 0},                                  // protocol 2.0
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		addr := fuzzServer(t)
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		nc.Write(data)
		nc.(*net.TCPConn).CloseWrite()
		io.Copy(io.Discard, nc)
		nc.Close()
		healthy(t, addr)
	})
}
