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

// TestNumericVariance checks stddev and variance of integers against
// PostgreSQL 15's answers for the values 1, 2 and 3.
func TestNumericVariance(t *testing.T) {
	got, err := numericVariance("6", "14", "3", true, false, 16) // 1, 2, 3
	if err != nil || got != "1.0000000000000000" {
		t.Errorf("var_samp(1,2,3) = %v, %v; PostgreSQL: 1.00000000000000000000 (at scale 16 here)", got, err)
	}
	got, _ = numericVariance("6", "14", "3", true, true, 1000)
	if got != "1.00000000000000000000" {
		t.Errorf("stddev_samp(1,2,3) = %v; PostgreSQL: 1.00000000000000000000", got)
	}
	got, _ = numericVariance("6", "14", "3", false, false, 1000)
	if got != "0.66666666666666666667" {
		t.Errorf("var_pop(1,2,3) = %v; PostgreSQL: 0.66666666666666666667", got)
	}
	got, _ = numericVariance("6", "14", "3", false, true, 1000)
	if got != "0.81649658092772603273" {
		t.Errorf("stddev_pop(1,2,3) = %v; PostgreSQL: 0.81649658092772603273", got)
	}
	if got, _ := numericVariance("5", "25", "1", true, false, 16); got != nil {
		t.Errorf("var_samp of one value = %v, want NULL", got)
	}
}
