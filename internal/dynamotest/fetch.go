package dynamotest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// scriptRel is the fetch script, relative to the repository root.
const scriptRel = "scripts/dynamodb-local.sh"

// repoRoot finds the repository root: the directory of this source file two levels up
// (normal builds), or else the nearest ancestor of the working directory holding the
// script (builds with -trimpath, where runtime.Caller has no absolute path).
func repoRoot() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
		if isFile(filepath.Join(root, scriptRel)) {
			return root, nil
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("dynamotest: locating the repository: %w", err)
	}
	for dir := wd; ; {
		if isFile(filepath.Join(dir, scriptRel)) && isFile(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("dynamotest: cannot find %s above %s or beside this package's source", scriptRel, wd)
		}
		dir = parent
	}
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// LocalDir returns the directory holding DynamoDBLocal.jar, downloading and verifying the
// pinned release first if the cache lacks it (scripts/dynamodb-local.sh fetch).
func LocalDir(ctx context.Context) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		return "", errors.New("dynamotest: bash not found on PATH; it runs " + scriptRel)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bash, filepath.Join(root, scriptRel), "fetch")
	cmd.Dir = root
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("dynamotest: %s fetch failed: %w\n%s", scriptRel, err, strings.TrimSpace(stderr.String()))
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	dir := strings.TrimSpace(lines[len(lines)-1])
	if !isFile(filepath.Join(dir, "DynamoDBLocal.jar")) {
		return "", fmt.Errorf("dynamotest: %s fetch printed %q, which holds no DynamoDBLocal.jar", scriptRel, dir)
	}
	return dir, nil
}
