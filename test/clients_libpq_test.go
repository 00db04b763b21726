package test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/lib/pq"
)

// TestClientLibPQ drives the gateway through database/sql and lib/pq: a
// query with parameters (unnamed Parse + Describe S, then Bind with binary
// results for int8), a prepared statement reused, a transaction, and
// SQLSTATEs read from pq.Error.Code.
func TestClientLibPQ(t *testing.T) {
	t.Parallel()
	f, gw := fixtureGateway(t, nil)
	db, err := sql.Open("postgres", connString(gw)+"&connect_timeout=10")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// One connection, so the prepared statement and the errors below are
	// all on the same session.
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	t.Run("parameters", func(t *testing.T) {
		want := f.people[41]
		var (
			name   string
			age    int64
			active bool
			joined time.Time
			score  sql.NullFloat64
			city   sql.NullString
		)
		err := db.QueryRowContext(ctx, "SELECT name, age, active, joined, score, city FROM people WHERE id = $1 AND name = $2", want.ID, want.Name).
			Scan(&name, &age, &active, &joined, &score, &city)
		if err != nil {
			t.Fatal(err)
		}
		if name != want.Name || age != want.Age || active != want.Active || joined.Format("2006-01-02") != want.Joined {
			t.Errorf("got %q %d %v %v, want %+v", name, age, active, joined, want)
		}
		if score.Valid != (want.Score != nil) || (score.Valid && score.Float64 != *want.Score) {
			t.Errorf("score %v, want %v", score, want.Score)
		}
		if city.Valid != (want.City != nil) || (city.Valid && city.String != *want.City) {
			t.Errorf("city %v, want %v", city, want.City)
		}
	})

	t.Run("prepared statement reused", func(t *testing.T) {
		stmt, err := db.PrepareContext(ctx, "SELECT count(*), coalesce(sum(amount), 0) FROM visits WHERE person_id = $1")
		if err != nil {
			t.Fatal(err)
		}
		defer stmt.Close()
		for _, id := range []int64{1, 2, 3, 57, 120, 999} {
			var (
				n   int64
				sum float64
			)
			if err := stmt.QueryRowContext(ctx, id).Scan(&n, &sum); err != nil {
				t.Fatalf("person %d: %v", id, err)
			}
			var wantN int64
			var wantSum float64
			for _, v := range f.visits {
				if v.PersonID == id {
					wantN++
					wantSum += v.Amount
				}
			}
			if n != wantN || sum != wantSum {
				t.Errorf("person %d: %d visits, %v spent; want %d, %v", id, n, sum, wantN, wantSum)
			}
		}
	})

	t.Run("transaction", func(t *testing.T) {
		tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := tx.QueryContext(ctx, "SELECT id FROM people WHERE age >= $1 ORDER BY id", 60)
		if err != nil {
			tx.Rollback()
			t.Fatal(err)
		}
		var got []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			got = append(got, id)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		var want []int64
		for _, p := range f.people {
			if p.Age >= 60 {
				want = append(want, p.ID)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%d ids, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("ids %v, want %v", got, want)
			}
		}
	})

	t.Run("SQLSTATE", func(t *testing.T) {
		for _, tc := range []struct {
			sql  string
			args []any
			code pq.ErrorCode
		}{
			{"SELECT * FROM nope", nil, "42P01"},
			{"SELECT * FROM nope WHERE id = $1", []any{1}, "42P01"},
			{"SELEC 1", nil, "42601"},
			{"DELETE FROM people WHERE id = $1", []any{1}, "25006"},
		} {
			_, err := db.ExecContext(ctx, tc.sql, tc.args...)
			var pe *pq.Error
			if !errors.As(err, &pe) {
				t.Errorf("%s: %v, want a *pq.Error", tc.sql, err)
				continue
			}
			if pe.Code != tc.code {
				t.Errorf("%s: SQLSTATE %s (%s), want %s", tc.sql, pe.Code, pe.Message, tc.code)
			}
			var one int
			if err := db.QueryRowContext(ctx, "SELECT $1::int", 1).Scan(&one); err != nil || one != 1 {
				t.Fatalf("after %q: %v", tc.sql, err)
			}
		}
	})
}
