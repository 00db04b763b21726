//go:build !unix

package dynamotest

import (
	"os"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

func killGroup(p *os.Process) { _ = p.Kill() }

// ownsListener cannot tell on this platform.
func ownsListener(pid, port int) (owned, known bool) { return false, false }
