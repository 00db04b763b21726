package gateway

import (
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/pgdynamo/pgdynamo/config"
	"github.com/pgdynamo/pgdynamo/engine"
	"github.com/pgdynamo/pgdynamo/wire"
)

// engineMemory resolves runtime.limits.memory_limit to bytes: a share of
// the memory this process may use — the machine's RAM, or its cgroup's
// limit when that is lower (a container). 0 when neither can be read (not
// Linux) and the limit is a share: DuckDB's own default then applies.
func engineMemory(m config.Memory, log *slog.Logger) int64 {
	if m.Bytes > 0 {
		return m.Bytes
	}
	ram := availableRAM()
	if ram <= 0 {
		log.Warn("the machine's memory is unknown: the engine keeps DuckDB's default memory_limit", "memory_limit", m.String())
		return 0
	}
	return max(m.Of(ram), config.MinMemoryLimit)
}

// availableRAM is the machine's RAM in bytes, or its cgroup's memory limit
// when lower; 0 when unknown.
func availableRAM() int64 {
	ram := totalRAM()
	for _, path := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// "max" (cgroup v2) or a huge number (v1) mean no limit.
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && (ram == 0 || n < ram) {
			ram = n
		}
		break
	}
	return ram
}

// totalRAM reads MemTotal from /proc/meminfo; 0 when it cannot.
func totalRAM() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// limitEngine applies runtime.limits to the engine: its memory, the
// sessions' default timeouts, and the server-wide limits SHOW and
// pg_settings report (max_connections and authentication_timeout as wire
// enforces them, with its defaults).
func limitEngine(ecfg *engine.Config, l config.Limits, w wire.Config, log *slog.Logger) {
	ecfg.ServerSettings["max_connections"] = strconv.FormatInt(w.EffectiveMaxConnections(), 10)
	ecfg.ServerSettings["authentication_timeout"] = pgMillis(w.EffectiveAuthenticationTimeout())
	if n := engineMemory(l.MemoryLimit, log); n > 0 {
		ecfg.MemoryLimit = strconv.FormatInt(n>>10, 10) + "KiB"
		ecfg.ServerSettings[MemoryLimitSetting] = config.FormatMemory(n >> 10 << 10)
	} else {
		ecfg.ServerSettings[MemoryLimitSetting] = "DuckDB's default (80% of RAM)"
	}
	ecfg.SessionDefaults = map[string]string{
		"statement_timeout":                   strconv.FormatInt(l.StatementTimeout.Milliseconds(), 10),
		"idle_in_transaction_session_timeout": strconv.FormatInt(l.IdleInTransactionSessionTimeout.Milliseconds(), 10),
	}
}

// MemoryLimitSetting is the setting that SHOW and pg_settings report the
// engine's memory limit as.
const MemoryLimitSetting = "pgdynamo.memory_limit"
