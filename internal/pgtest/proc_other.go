//go:build !unix

package pgtest

import (
	"os"
	"syscall"
)

func sysProcAttr(*runAs) *syscall.SysProcAttr { return nil }

// interrupt cannot send SIGINT here; Close falls back to killing.
func interrupt(p *os.Process) error { return p.Kill() }

func killGroup(p *os.Process) { _ = p.Kill() }

func processesIn(string) []int { return nil }

func killPID(int) {}
