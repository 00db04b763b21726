package test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/gateway"
	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// person is one row of the people fixture, kept in Go so the same rows can
// be written to DynamoDB and to PostgreSQL.
type person struct {
	ID     int64
	Name   string
	Age    int64
	Score  *float64 // missing in some items
	Active bool
	City   *string   // missing in some items
	Joined string    // YYYY-MM-DD
	Seen   time.Time // stored as RFC 3339 text in varied zones, read as timestamptz
}

type visit struct {
	PersonID int64
	VisitID  string
	Page     string
	Amount   float64
}

type fixture struct {
	people      []person
	visits      []visit
	peopleTable string
	visitsTable string
}

var (
	fixtureOnce sync.Once
	fixtureData *fixture
	fixtureErr  error
)

var cities = []string{"Austin", "Berlin", "Zürich", "São Paulo", "austin", "Tokyo", ""}

// sharedFixture writes the people and visits tables once per test binary.
func sharedFixture(t testing.TB) *fixture {
	t.Helper()
	client := dynamotest.SharedClient(t)
	fixtureOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		fixtureData, fixtureErr = buildFixture(ctx, client)
	})
	if fixtureErr != nil {
		t.Fatalf("fixture: %v", fixtureErr)
	}
	return fixtureData
}

func buildFixture(ctx context.Context, client dynamoClient) (*fixture, error) {
	rng := rand.New(rand.NewPCG(7, 11))
	f := &fixture{peopleTable: dynamotest.UniqueTableName("people"), visitsTable: dynamotest.UniqueTableName("visits")}
	firsts := []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Élodie", "Zoë", "ada", "Bob"}
	for i := 1; i <= 120; i++ {
		p := person{
			ID:     int64(i),
			Name:   fmt.Sprintf("%s %03d", firsts[rng.IntN(len(firsts))], rng.IntN(500)),
			Age:    int64(18 + rng.IntN(60)),
			Active: rng.IntN(3) != 0,
			Joined: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(1500)).Format("2006-01-02"),
			Seen: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(400*24*3600*1000)) * time.Millisecond).
				In(time.FixedZone("", (rng.IntN(25)-12)*3600)),
		}
		if rng.IntN(5) != 0 {
			// Quarters are exact in binary, so sums do not depend on the order
			// in which an engine adds them.
			s := float64(rng.IntN(40000)) / 4
			if rng.IntN(10) == 0 {
				s = -s
			}
			p.Score = &s
		}
		if rng.IntN(6) != 0 {
			c := cities[rng.IntN(len(cities))]
			p.City = &c
		}
		f.people = append(f.people, p)
		for v := 0; v < rng.IntN(4); v++ {
			f.visits = append(f.visits, visit{
				PersonID: p.ID,
				VisitID:  fmt.Sprintf("v%02d", v),
				Page:     []string{"/", "/pricing", "/docs", "/blog"}[rng.IntN(4)],
				Amount:   float64(rng.IntN(4000)) / 4,
			})
		}
	}
	if err := dynamotest.CreateTable(ctx, client, f.peopleTable, dynamotest.NumberKey("id"), nil); err != nil {
		return nil, err
	}
	sk := dynamotest.StringKey("visit_id")
	if err := dynamotest.CreateTable(ctx, client, f.visitsTable, dynamotest.NumberKey("person_id"), &sk); err != nil {
		return nil, err
	}
	items := make([]map[string]types.AttributeValue, 0, len(f.people))
	for _, p := range f.people {
		item := map[string]types.AttributeValue{
			"id":     num(p.ID),
			"name":   &types.AttributeValueMemberS{Value: p.Name},
			"age":    num(p.Age),
			"active": &types.AttributeValueMemberBOOL{Value: p.Active},
			"joined": &types.AttributeValueMemberS{Value: p.Joined},
			"seen":   &types.AttributeValueMemberS{Value: p.Seen.Format("2006-01-02T15:04:05.000Z07:00")},
		}
		if p.Score != nil {
			item["score"] = &types.AttributeValueMemberN{Value: strconv.FormatFloat(*p.Score, 'f', -1, 64)}
		} else if p.ID%2 == 0 {
			// Explicit NULL and a missing attribute must read the same.
			item["score"] = &types.AttributeValueMemberNULL{Value: true}
		}
		if p.City != nil {
			item["city"] = &types.AttributeValueMemberS{Value: *p.City}
		}
		items = append(items, item)
	}
	if err := dynamotest.PutItems(ctx, client, f.peopleTable, items); err != nil {
		return nil, err
	}
	items = items[:0]
	for _, v := range f.visits {
		items = append(items, map[string]types.AttributeValue{
			"person_id": num(v.PersonID),
			"visit_id":  &types.AttributeValueMemberS{Value: v.VisitID},
			"page":      &types.AttributeValueMemberS{Value: v.Page},
			"amount":    &types.AttributeValueMemberN{Value: strconv.FormatFloat(v.Amount, 'f', -1, 64)},
		})
	}
	if err := dynamotest.PutItems(ctx, client, f.visitsTable, items); err != nil {
		return nil, err
	}
	return f, nil
}

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// fixtureGateway serves the fixture as people and visits.
func fixtureGateway(t testing.TB, params map[string]string) (*fixture, *gateway.Gateway) {
	f := sharedFixture(t)
	// A sample larger than the table makes inference see every item, so the
	// inferred types are the ones the PostgreSQL side declares.
	p := map[string]string{"schema_infer_max_records": "1000"}
	for k, v := range params {
		p[k] = v
	}
	gw := startGateway(t,
		datasetYAML{name: "people", table: f.peopleTable, params: p},
		datasetYAML{name: "visits", table: f.visitsTable, params: p},
	)
	return f, gw
}
