//go:build linux

package pgtest

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// sysProcAttr runs the child as r, in its own process group, and asks the kernel to
// SIGKILL it when the test binary dies, so a test binary killed by a timeout or a signal
// leaks no postmaster (its backends notice the postmaster's death and exit by themselves).
//
// Go sets the parent-death signal after switching credentials, so the switch (which
// clears it in the kernel) does not undo it — unlike wrapping the command in runuser or
// su, which would fork and leave the signal on the wrapper only.
func sysProcAttr(r *runAs) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: r.credential()}
}

func interrupt(p *os.Process) error { return p.Signal(syscall.SIGINT) }

func killGroup(p *os.Process) {
	if err := syscall.Kill(-p.Pid, syscall.SIGKILL); err != nil {
		_ = p.Kill()
	}
}

// processesIn lists the processes whose working directory is dir. The postmaster changes
// into its data directory and every backend and auxiliary process inherits it, while each
// of them calls setsid, so this — not the process group — finds a cluster's processes.
func processesIn(dir string) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cwd, err := os.Readlink("/proc/" + e.Name() + "/cwd")
		if err != nil {
			continue
		}
		if strings.TrimSuffix(cwd, " (deleted)") == dir {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killPID sends SIGKILL to one process found by processesIn.
func killPID(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }
