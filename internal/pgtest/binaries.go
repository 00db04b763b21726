package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// debianBinGlob is where Debian and Ubuntu install the server binaries, one directory per
// major version.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// installHint ends every "not found" error: tests fail, never skip, without PostgreSQL.
const installHint = "run `apt-get install -y postgresql` (Debian/Ubuntu) to install the PostgreSQL server"

// binDir returns the directory holding initdb and postgres: `pg_config --bindir` when
// pg_config is on PATH and that directory has both, else the newest /usr/lib/postgresql/*/bin.
func binDir() (string, error) {
	var fromPgConfig string
	if pgConfig, err := exec.LookPath("pg_config"); err == nil {
		out, err := exec.Command(pgConfig, "--bindir").Output()
		if err == nil {
			fromPgConfig = strings.TrimSpace(string(out))
		}
	}
	return pickBinDir(fromPgConfig, debianBinGlob)
}

// pickBinDir is binDir without the side effects: fromPgConfig is pg_config's answer (""
// if none) and glob the pattern of versioned bin directories.
func pickBinDir(fromPgConfig, glob string) (string, error) {
	if fromPgConfig != "" && hasServer(fromPgConfig) {
		return fromPgConfig, nil
	}
	dirs, err := filepath.Glob(glob)
	if err != nil {
		return "", fmt.Errorf("pgtest: bad glob %q: %w", glob, err)
	}
	best, bestVer := "", []int(nil)
	for _, d := range dirs {
		if !hasServer(d) {
			continue
		}
		v := parseVersion(filepath.Base(filepath.Dir(d)))
		if best == "" || compareVersions(v, bestVer) > 0 {
			best, bestVer = d, v
		}
	}
	if best == "" {
		where := glob
		if fromPgConfig != "" {
			where = fromPgConfig + " (pg_config --bindir) or " + glob
		}
		return "", fmt.Errorf("pgtest: no PostgreSQL server binaries (initdb and postgres) in %s: %s", where, installHint)
	}
	return best, nil
}

// hasServer reports whether dir holds executable initdb and postgres.
func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// parseVersion turns "15" or "9.6" into [15] or [9 6]; a part that is not a number counts
// as -1, so odd names sort below real versions.
func parseVersion(s string) []int {
	parts := strings.Split(s, ".")
	v := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			n = -1
		}
		v[i] = n
	}
	return v
}

func compareVersions(a, b []int) int {
	for i := range max(len(a), len(b)) {
		x, y := 0, 0
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}
