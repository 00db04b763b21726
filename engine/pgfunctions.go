package engine

// postgresMacros are the shim functions behind PostgreSQL's semantics of
// everyday operators and functions where the engine's differ (the planner's
// postgres-* transforms call them).
func postgresMacros() []macro {
	return []macro{
		// PostgreSQL fails a zero divisor for every numeric type; the
		// engine would answer NULL.
		{"divide_checked", one("p_a, p_b", "CASE WHEN p_b = 0 THEN error('division by zero') ELSE p_a / p_b END")},
		{"modulo_checked", one("p_a, p_b", "CASE WHEN p_b = 0 THEN error('division by zero') ELSE p_a % p_b END")},
	}
}
