//go:build unix && !linux

package pgtest

import (
	"os"
	"syscall"
)

// sysProcAttr runs the child as r in its own process group. Without Linux's Pdeathsig, a
// test binary killed by SIGKILL can leak the postmaster.
func sysProcAttr(r *runAs) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Credential: r.credential()}
}

func interrupt(p *os.Process) error { return p.Signal(syscall.SIGINT) }

func killGroup(p *os.Process) {
	if err := syscall.Kill(-p.Pid, syscall.SIGKILL); err != nil {
		_ = p.Kill()
	}
}

// processesIn cannot tell outside Linux.
func processesIn(string) []int { return nil }

func killPID(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }
