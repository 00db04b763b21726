package test

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdynamo/pgdynamo/internal/pgtest"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// The extended protocol around cursors, as drivers drive it message by
// message — psycopg 3 declares a cursor, describes its portal and FETCHes
// with binary results; asyncpg MOVEs the portals it binds; COPY runs
// through Execute — replayed against PostgreSQL and pgdynamo, whose
// answers must be the same messages.

// rawSession is a protocol-level connection to a server (trust auth).
type rawSession struct {
	nc net.Conn
	fe *pgproto3.Frontend
}

func startRawSession(t *testing.T, addr, user, database string, params map[string]string) *rawSession {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(time.Minute))
	s := &rawSession{nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
	p := map[string]string{"user": user, "database": database, "TimeZone": "UTC"}
	for k, v := range params {
		p[k] = v
	}
	s.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: p})
	if err := s.fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := s.fe.Receive()
		if err != nil {
			t.Fatalf("startup: %v", err)
		}
		switch m := msg.(type) {
		case *pgproto3.ErrorResponse:
			t.Fatalf("startup: %s %s", m.Code, m.Message)
		case *pgproto3.ReadyForQuery:
			return s
		}
	}
}

// step sends msgs and returns a line per message received up to
// ReadyForQuery.
func (s *rawSession) step(t *testing.T, msgs ...pgproto3.FrontendMessage) []string {
	t.Helper()
	for _, m := range msgs {
		s.fe.Send(m)
	}
	if err := s.fe.Flush(); err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		msg, err := s.fe.Receive()
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		switch m := msg.(type) {
		case *pgproto3.RowDescription:
			var cols []string
			for _, f := range m.Fields {
				cols = append(cols, fmt.Sprintf("%s:%d/%d", f.Name, f.DataTypeOID, f.Format))
			}
			out = append(out, "RowDescription "+strings.Join(cols, ", "))
		case *pgproto3.DataRow:
			out = append(out, fmt.Sprintf("DataRow %q", m.Values))
		case *pgproto3.CommandComplete:
			out = append(out, "CommandComplete "+string(m.CommandTag))
		case *pgproto3.ErrorResponse:
			out = append(out, fmt.Sprintf("ErrorResponse %s %s", m.Code, m.Message))
		case *pgproto3.NoticeResponse:
			out = append(out, fmt.Sprintf("NoticeResponse %s %s", m.Code, m.Message))
		case *pgproto3.CopyOutResponse:
			out = append(out, fmt.Sprintf("CopyOutResponse %d %v", m.OverallFormat, m.ColumnFormatCodes))
		case *pgproto3.CopyData:
			out = append(out, fmt.Sprintf("CopyData %q", m.Data))
		case *pgproto3.ParameterStatus:
			// Reported settings differ between the servers (version, ...).
		case *pgproto3.ReadyForQuery:
			return append(out, fmt.Sprintf("ReadyForQuery %c", m.TxStatus))
		default:
			out = append(out, strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3."))
		}
	}
}

func TestPortalsAgainstPostgres(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	const database = "diff_portals"
	loadIntoPostgres(t, f, database)
	pgAddr := fmt.Sprintf("127.0.0.1:%d", pgtest.Shared(t).Port())
	pgSession := startRawSession(t, pgAddr, pgtest.Superuser, database, map[string]string{
		"default_transaction_read_only": "on"})
	gwSession := startRawSession(t, gw.Addr().String(), "tester", "e2e", nil)

	q := func(sql string) []pgproto3.FrontendMessage {
		return []pgproto3.FrontendMessage{&pgproto3.Query{String: sql}}
	}
	// ext is Parse, Bind (result formats), Describe portal, Execute, Sync of
	// the unnamed statement and portal.
	ext := func(sql string, paramOIDs []uint32, params [][]byte, formats ...int16) []pgproto3.FrontendMessage {
		return []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: sql, ParameterOIDs: paramOIDs},
			&pgproto3.Bind{Parameters: params, ResultFormatCodes: formats},
			&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{},
		}
	}
	sync := &pgproto3.Sync{}
	steps := [][]pgproto3.FrontendMessage{
		// asyncpg: a portal bound by name, moved with MOVE, read with
		// Execute and FETCH.
		q("BEGIN"),
		{&pgproto3.Parse{Query: "SELECT id, name FROM people WHERE id <= 10 ORDER BY id"},
			&pgproto3.Bind{DestinationPortal: "p"}, sync},
		{&pgproto3.Describe{ObjectType: 'P', Name: "p"}, sync},
		q("MOVE FORWARD 3 p"),
		{&pgproto3.Execute{Portal: "p", MaxRows: 2}, sync},
		q("FETCH 2 FROM p"),
		ext("FETCH 1 FROM p", nil, nil, 1),
		{&pgproto3.Execute{Portal: "p"}, sync},
		q("FETCH 1 FROM p"),
		q("COMMIT"),
		// psycopg 3: DECLARE with a parameter, Describe of the cursor's
		// portal, FETCH and MOVE through the extended protocol.
		ext("DECLARE c CURSOR FOR SELECT id, joined FROM people WHERE id <= $1 ORDER BY id", []uint32{pgtypes.Int8OID}, [][]byte{[]byte("6")}),
		q("BEGIN"),
		ext("DECLARE c CURSOR FOR SELECT id, joined FROM people WHERE id <= $1 ORDER BY id", []uint32{pgtypes.Int8OID}, [][]byte{[]byte("6")}),
		{&pgproto3.Describe{ObjectType: 'P', Name: "c"}, sync},
		ext("FETCH FORWARD 2 FROM c", nil, nil, 1),
		ext("MOVE 1 IN c", nil, nil),
		ext("FETCH ALL FROM c", nil, nil, 0),
		{&pgproto3.Close{ObjectType: 'P', Name: "c"}, sync},
		ext("FETCH c", nil, nil),
		q("COMMIT"),
		// WITH HOLD across COMMIT; declared outside a block.
		q("BEGIN"),
		ext("DECLARE h CURSOR WITH HOLD FOR SELECT person_id, visit_id FROM visits ORDER BY person_id, visit_id", nil, nil),
		q("COMMIT"),
		{&pgproto3.Describe{ObjectType: 'P', Name: "h"}, sync},
		ext("FETCH 2 FROM h", nil, nil),
		q("CLOSE h"),
		ext("DECLARE h CURSOR WITH HOLD FOR SELECT count(*) FROM people", nil, nil),
		q("FETCH ALL h"),
		// COPY through Execute.
		ext("COPY (SELECT id, name FROM people WHERE id <= 3 ORDER BY id) TO STDOUT (FORMAT csv)", nil, nil),
		ext("COPY (SELECT id FROM people WHERE id <= 2 ORDER BY id) TO STDOUT (FORMAT binary)", nil, nil),
		// Settings in an implicit transaction end at Sync.
		{&pgproto3.Parse{Query: "SET LOCAL TimeZone = 'Asia/Tokyo'"}, &pgproto3.Bind{}, &pgproto3.Execute{},
			&pgproto3.Parse{Query: "SHOW TimeZone"}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, sync},
		ext("SHOW TimeZone", nil, nil),
	}
	for i, msgs := range steps {
		want := pgSession.step(t, msgs...)
		got := gwSession.step(t, msgs...)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("step %d %T…:\nPostgreSQL:\n  %s\npgdynamo:\n  %s", i+1, msgs[0], strings.Join(want, "\n  "), strings.Join(got, "\n  "))
		}
	}
}
