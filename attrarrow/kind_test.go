package attrarrow

import "testing"

// tagKind reads exactly the member names kindNames prints for the ten kinds
// DynamoDB writes, and nothing else.
func TestTagKind(t *testing.T) {
	for k := kindS; k <= kindNULL; k++ {
		if got, ok := tagKind([]byte(kindNames[k])); !ok || got != k {
			t.Errorf("tagKind(%q) = %v, %v; want %v, true", kindNames[k], got, ok, k)
		}
	}
	for _, tag := range []string{"", "missing", "unknown", "s", "Ss", "SSS", "BOOLEAN", "null"} {
		if got, ok := tagKind([]byte(tag)); ok {
			t.Errorf("tagKind(%q) = %v, true; want refused", tag, got)
		}
	}
}
