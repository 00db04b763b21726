//go:build unix && !linux

package dynamotest

import (
	"os"
	"syscall"
)

// sysProcAttr puts the JVM in its own process group so Close kills everything it started.
// Without Linux's Pdeathsig, a test binary killed by SIGKILL can leak the JVM.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func killGroup(p *os.Process) {
	if err := syscall.Kill(-p.Pid, syscall.SIGKILL); err != nil {
		_ = p.Kill()
	}
}

// ownsListener cannot tell outside Linux.
func ownsListener(pid, port int) (owned, known bool) { return false, false }
