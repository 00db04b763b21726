package planner

import "sort"

// FunctionType is one PostgreSQL 15 function signature, a row of pg_proc:
// the planner types expressions with them (typing.go) so each function's
// result has the type PostgreSQL gives it.
type FunctionType struct {
	Name string
	// Args are the parameters' pg_type names ("int4", "text[]", "any",
	// "anyelement"); a VARIADIC last parameter is Variadic's element type.
	Args     []string
	Variadic string
	Result   string
	// Kind is pg_proc.prokind: 'f' function, 'a' aggregate, 'w' window.
	Kind byte
	// Set says the function returns a set (generate_series).
	Set bool
}

// TypedFunctions are the functions whose pg_proc rows functionTypes
// carries: those the planner lets through to the engine or answers with a
// macro. `go test ./test -run TestFunctionTypesMatchPostgres -update`
// regenerates functypes_gen.go from a PostgreSQL 15, and the test checks
// the two agree.
var TypedFunctions = []string{
	// strings
	"ascii", "bit_length", "btrim", "char_length", "character_length", "chr", "concat", "concat_ws", "decode",
	"encode", "format", "initcap", "left", "length", "lower", "lpad", "ltrim", "md5", "octet_length", "overlay",
	"position", "quote_ident", "quote_literal", "quote_nullable", "regexp_match", "regexp_matches",
	"regexp_replace", "regexp_split_to_array", "regexp_split_to_table", "repeat", "replace", "reverse", "right",
	"rpad", "rtrim", "split_part", "starts_with", "string_agg", "string_to_array", "strpos", "substr", "substring",
	"to_hex", "translate", "upper",
	// numbers
	"abs", "cbrt", "ceil", "ceiling", "degrees", "div", "exp", "factorial", "floor", "gcd", "lcm", "ln", "log",
	"log10", "mod", "pi", "power", "radians", "random", "round", "scale", "sign", "sqrt", "trunc", "width_bucket",
	"sin", "cos", "tan", "asin", "acos", "atan", "atan2", "cot",
	// date and time
	"age", "clock_timestamp", "date_bin", "date_part", "date_trunc", "extract", "isfinite", "justify_days",
	"justify_hours", "justify_interval", "make_date", "make_interval", "make_time", "make_timestamp",
	"make_timestamptz", "now", "statement_timestamp", "timeofday", "to_char", "to_date", "to_number",
	"to_timestamp", "transaction_timestamp",
	// json
	"json_agg", "json_array_elements", "json_array_elements_text", "json_array_length", "json_build_array",
	"json_build_object", "json_each", "json_each_text", "json_extract_path", "json_extract_path_text",
	"json_object_agg", "json_object_keys", "json_strip_nulls", "json_typeof", "jsonb_agg", "jsonb_array_elements",
	"jsonb_array_elements_text", "jsonb_array_length", "jsonb_build_array", "jsonb_build_object", "jsonb_each",
	"jsonb_each_text", "jsonb_extract_path", "jsonb_extract_path_text", "jsonb_object_agg", "jsonb_object_keys",
	"jsonb_pretty", "jsonb_strip_nulls", "jsonb_typeof", "row_to_json", "to_json", "to_jsonb",
	// arrays
	"array_agg", "array_append", "array_cat", "array_length", "array_lower", "array_ndims", "array_position",
	"array_positions", "array_prepend", "array_remove", "array_replace", "array_to_string", "array_upper",
	"cardinality", "generate_series", "generate_subscripts", "unnest",
	// aggregates
	"avg", "bit_and", "bit_or", "bool_and", "bool_or", "corr", "count", "covar_pop", "covar_samp", "every", "max",
	"min", "mode", "percentile_cont", "percentile_disc", "regr_avgx", "regr_avgy", "regr_count", "regr_intercept",
	"regr_r2", "regr_slope", "stddev", "stddev_pop", "stddev_samp", "sum", "var_pop", "var_samp", "variance",
	// windows
	"cume_dist", "dense_rank", "first_value", "lag", "last_value", "lead", "nth_value", "ntile", "percent_rank",
	"rank", "row_number",
	// other
	"pg_typeof",
}

// FunctionTypes returns the signatures the planner types calls with,
// sorted by name and arguments.
func FunctionTypes() []FunctionType {
	out := append([]FunctionType(nil), functionTypes...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// functionsByName indexes functionTypes.
var functionsByName = func() map[string][]FunctionType {
	m := map[string][]FunctionType{}
	for _, f := range functionTypes {
		m[f.Name] = append(m[f.Name], f)
	}
	return m
}()
