package config

// NotYetKeys lists the keys refused as not supported yet, in notYet's order,
// so that a test can prove it covers each one.
func NotYetKeys() []string {
	keys := make([]string, len(notYet))
	for i, e := range notYet {
		keys[i] = e.key
	}
	return keys
}

// ResolveAll is Resolve that returns the Config even with problems, so that a
// test can see how keys refused as not supported yet were parsed.
func (f *File) ResolveAll(lookup func(string) (string, bool)) (*Config, error) {
	c, probs := f.resolve(lookup)
	return c, probs.err()
}

// WithoutSource is c without the record of where its values came from, so
// that tests can compare Configs resolved from different files.
func WithoutSource(c *Config) *Config {
	d := *c
	d.src = nil
	return &d
}
