package engine

import "testing"

// TestNumericDivide checks numeric division's scale and rounding against
// what PostgreSQL 15 prints for the same quotients.
func TestNumericDivide(t *testing.T) {
	tests := []struct{ a, b, want string }{
		{"7.0", "2", "3.5000000000000000"},
		{"1", "3.0", "0.33333333333333333333"},
		{"100000", "3", "33333.333333333333"},
		{"5764", "120", "48.0333333333333333"},
		{"15000", "12000", "1.25000000000000000000"},
		{"-2", "3", "-0.66666666666666666667"},
		{"1", "8", "0.12500000000000000000"},
		{"12.5", "0.25", "50.0000000000000000"},
		{"0", "5", "0.00000000000000000000"},
		{"183274.5", "41", "4470.1097560975609756"},
	}
	for _, tc := range tests {
		got, err := numericDivide(tc.a, tc.b, 1000)
		if err != nil || got != tc.want {
			t.Errorf("%s / %s = %q, %v; PostgreSQL: %s", tc.a, tc.b, got, err, tc.want)
		}
	}
	if _, err := numericDivide("1", "0.0", 16); err != errDivisionByZero {
		t.Errorf("1 / 0.0: %v", err)
	}
	if got, _ := numericDivide("1", "3.0", 16); got != "0.3333333333333333" {
		t.Errorf("1 / 3.0 at scale 16: %s", got)
	}
}
