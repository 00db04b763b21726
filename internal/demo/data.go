package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Sizes of the sample tables.
const (
	UserCount  = 100
	OrderCount = 300
)

// Table names.
const (
	UsersTable  = "users"
	OrdersTable = "orders"
)

// OrderStatusIndex is the orders GSI keyed on status and ordered_at.
const OrderStatusIndex = "status-index"

// baseTime is the earliest created_at; every timestamp is derived from it.
var baseTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	firstNames = []string{"Ada", "Alan", "Barbara", "Claude", "Dennis", "Edsger", "Frances", "Grace", "Hedy",
		"Ivan", "John", "Ken", "Leslie", "Margaret", "Niklaus", "Radia", "Shafi", "Tim", "Whitfield", "Yukihiro"}
	lastNames = []string{"Lovelace", "Turing", "Liskov", "Shannon", "Ritchie", "Dijkstra", "Allen", "Hopper",
		"Lamarr", "Sutherland", "McCarthy", "Thompson", "Lamport", "Hamilton", "Wirth", "Perlman", "Goldwasser",
		"Berners-Lee", "Diffie", "Matsumoto"}
	cities = []struct{ name, zipPrefix string }{
		{"San Francisco", "941"}, {"New York", "100"}, {"Seattle", "981"}, {"Austin", "787"},
		{"Chicago", "606"}, {"Boston", "021"}, {"Denver", "802"}, {"Portland", "972"},
	}
	streets    = []string{"Market St", "Mission St", "Valencia St", "Broadway", "Main St", "Pine St", "Oak Ave", "Elm St"}
	tagPool    = []string{"admin", "beta", "early-adopter", "enterprise", "mobile", "newsletter", "trial", "vip"}
	sources    = []string{"organic", "referral", "ads", "partner"}
	campaigns  = []string{"spring-sale", "black-friday", "launch", "none"}
	themes     = []string{"light", "dark", "system"}
	userAgents = []string{
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
		"Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
	}
	products = []struct {
		sku, name string
		cents     int
	}{
		{"SKU-1001", "Mechanical keyboard", 8999}, {"SKU-1002", "USB-C cable", 1299}, {"SKU-1003", "Monitor arm", 4950},
		{"SKU-1004", "Desk lamp", 3475}, {"SKU-1005", "Notebook", 499}, {"SKU-1006", "Headphones", 14999},
		{"SKU-1007", "Webcam", 6925}, {"SKU-1008", "Mouse pad", 1150}, {"SKU-1009", "Laptop stand", 3999},
		{"SKU-1010", "Coffee mug", 1450},
	}
	statuses = []string{"pending", "shipped", "delivered"}
)

func s(v string) types.AttributeValue  { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue  { return &types.AttributeValueMemberN{Value: v} }
func b(v bool) types.AttributeValue    { return &types.AttributeValueMemberBOOL{Value: v} }
func ni(v int) types.AttributeValue    { return n(strconv.Itoa(v)) }
func cents(c int) types.AttributeValue { return n(fmt.Sprintf("%d.%02d", c/100, c%100)) }

// nonIntegral bumps an amount in cents by one cent when it is a whole number: DynamoDB
// normalises "12.00" to "12", and a column whose sampled values are all whole infers as
// int8 (SPEC §3), after which a fractional value would not fit. So an order's amount is
// the sum of its items, plus 0.01 when that sum is whole.
func nonIntegral(c int) int {
	if c%100 == 0 {
		return c + 1
	}
	return c
}

// Users returns the users table's items, the same on every call.
func Users() []map[string]types.AttributeValue {
	rng := rand.New(rand.NewPCG(20240101, 1))
	items := make([]map[string]types.AttributeValue, 0, UserCount)
	for id := 1; id <= UserCount; id++ {
		first := firstNames[rng.IntN(len(firstNames))]
		last := lastNames[rng.IntN(len(lastNames))]
		created := userCreatedAt(id, rng)

		tags := pick(rng, tagPool, 1+rng.IntN(3))

		addrs := make([]types.AttributeValue, 1+rng.IntN(2))
		for i := range addrs {
			c := cities[rng.IntN(len(cities))]
			if id%5 == 0 && i == 0 { // every fifth user lives in San Francisco
				c = cities[0]
			}
			addrs[i] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"street": s(fmt.Sprintf("%d %s", 1+rng.IntN(2000), streets[rng.IntN(len(streets))])),
				"city":   s(c.name),
				"zip":    s(fmt.Sprintf("%s%02d", c.zipPrefix, rng.IntN(100))),
			}}
		}

		items = append(items, map[string]types.AttributeValue{
			"id":         ni(id),
			"email":      s(fmt.Sprintf("%s.%s%d@example.com", strings.ToLower(first), strings.ToLower(strings.ReplaceAll(last, "-", "")), id)),
			"name":       s(first + " " + last),
			"created_at": s(created.Format(time.RFC3339)),
			"active":     b(rng.IntN(10) < 8),
			"score":      cents(nonIntegral(rng.IntN(10000))),
			"tags":       &types.AttributeValueMemberSS{Value: tags},
			"metadata": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"registration_ip": s(fmt.Sprintf("203.0.113.%d", 1+rng.IntN(254))),
				"user_agent":      s(userAgents[rng.IntN(len(userAgents))]),
				"signup": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
					"source":   s(sources[rng.IntN(len(sources))]),
					"campaign": s(campaigns[rng.IntN(len(campaigns))]),
				}},
			}},
			"addresses": &types.AttributeValueMemberL{Value: addrs},
			"preferences": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"theme":      s(themes[rng.IntN(len(themes))]),
				"newsletter": b(rng.IntN(2) == 0),
			}},
		})
	}
	return items
}

// userCreatedAt spreads sign-ups over 2024, in id order.
func userCreatedAt(id int, rng *rand.Rand) time.Time {
	day := (id - 1) * 365 / UserCount
	return baseTime.Add(time.Duration(day)*24*time.Hour + time.Duration(rng.IntN(86400))*time.Second)
}

// pick returns k distinct elements of pool in pool order.
func pick(rng *rand.Rand, pool []string, k int) []string {
	idx := rng.Perm(len(pool))[:k]
	chosen := make([]bool, len(pool))
	for _, i := range idx {
		chosen[i] = true
	}
	out := make([]string, 0, k)
	for i, v := range pool {
		if chosen[i] {
			out = append(out, v)
		}
	}
	return out
}

// Orders returns the orders table's items, the same on every call. Every user_id is a
// users id, and every order is placed after its user signed up.
func Orders() []map[string]types.AttributeValue {
	rng := rand.New(rand.NewPCG(20240101, 2))
	created := make([]time.Time, UserCount+1)
	for _, u := range Users() {
		id, _ := strconv.Atoi(u["id"].(*types.AttributeValueMemberN).Value)
		created[id], _ = time.Parse(time.RFC3339, u["created_at"].(*types.AttributeValueMemberS).Value)
	}
	items := make([]map[string]types.AttributeValue, 0, OrderCount)
	for i := 1; i <= OrderCount; i++ {
		userID := 1 + rng.IntN(UserCount)
		ordered := created[userID].Add(time.Duration(1+rng.IntN(180*24)) * time.Hour).Add(time.Duration(rng.IntN(3600)) * time.Second)
		status := statuses[rng.IntN(len(statuses))]

		lines := make([]types.AttributeValue, 1+rng.IntN(4))
		total := 0
		for j := range lines {
			p := products[rng.IntN(len(products))]
			qty := 1 + rng.IntN(3)
			total += qty * p.cents
			lines[j] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"sku":        s(p.sku),
				"name":       s(p.name),
				"quantity":   ni(qty),
				"unit_price": cents(p.cents),
			}}
		}

		item := map[string]types.AttributeValue{
			"user_id":    ni(userID),
			"order_id":   s(fmt.Sprintf("ord-%05d", i)),
			"amount":     cents(nonIntegral(total)),
			"status":     s(status),
			"ordered_at": s(ordered.Format(time.RFC3339)),
			"items":      &types.AttributeValueMemberL{Value: lines},
		}
		if status != "pending" {
			item["shipped_at"] = s(ordered.Add(time.Duration(6+rng.IntN(72)) * time.Hour).Format(time.RFC3339))
		}
		items = append(items, item)
	}
	return items
}
