//go:build unix

package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// serverUser is the account initdb and postgres run as when the test binary is root.
const serverUser = "postgres"

// runAs is the system user the server's processes run as. A nil *runAs means the current
// user.
type runAs struct {
	name     string
	uid, gid uint32
}

// serverOwner returns nil when the test binary is not root. Under root it returns the
// postgres system user: PostgreSQL refuses to run as root ("root execution of the
// PostgreSQL server is not permitted").
func serverOwner() (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(serverUser)
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root, and PostgreSQL refuses to run as root, but there is no %q system user to run it as (%v): %s",
			serverUser, err, installHint)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("pgtest: user %q: %w", serverUser, err)
	}
	if uid == 0 {
		return nil, fmt.Errorf("pgtest: user %q has uid 0; PostgreSQL refuses to run as root", serverUser)
	}
	return &runAs{name: serverUser, uid: uint32(uid), gid: uint32(gid)}, nil
}

// credential is what the child's SysProcAttr.Credential gets: nil for the current user.
func (r *runAs) credential() *syscall.Credential {
	if r == nil {
		return nil
	}
	return &syscall.Credential{Uid: r.uid, Gid: r.gid, Groups: []uint32{r.gid}}
}

// chown gives path to the server's user; a no-op for the current user.
func (r *runAs) chown(path string) error {
	if r == nil {
		return nil
	}
	if err := os.Chown(path, int(r.uid), int(r.gid)); err != nil {
		return fmt.Errorf("pgtest: giving %s to user %s: %w", path, r.name, err)
	}
	return nil
}

// canReach reports whether the server's user may traverse every directory from / down to
// dir (search permission), judged from the mode bits. Always true for the current user.
func (r *runAs) canReach(dir string) bool {
	if r == nil {
		return true
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for d := abs; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return false
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		if !ok {
			return false
		}
		perm := st.Mode().Perm()
		var bit os.FileMode = 0o001
		switch {
		case sys.Uid == r.uid:
			bit = 0o100
		case sys.Gid == r.gid:
			bit = 0o010
		}
		if perm&bit == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

func (r *runAs) String() string {
	if r == nil {
		return "the current user"
	}
	return "user " + r.name
}
