//go:build !unix

package pgtest

// runAs is empty outside Unix: there is no root to avoid, the server runs as the current
// user.
type runAs struct{}

func serverOwner() (*runAs, error) { return nil, nil }

func (r *runAs) chown(string) error { return nil }

func (r *runAs) canReach(string) bool { return true }

func (r *runAs) String() string { return "the current user" }
