package bench

import (
	"os"
	"path/filepath"
	"testing"
)

// TestProcStat reads this process's own line: its name (the test binary),
// its parent; and the machine's CPU line.
func TestProcStat(t *testing.T) {
	t.Parallel()
	before, err := procStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	if before.ppid != os.Getppid() || before.comm == "" || len(before.comm) > 15 || before.comm != filepath.Base(self)[:min(15, len(filepath.Base(self)))] {
		t.Errorf("procStat = %+v; want ppid %d, comm of %s", before, os.Getppid(), self)
	}
	busy, total, err := machineCPU()
	if err != nil || busy <= 0 || busy > total {
		t.Errorf("machineCPU = %v busy of %v, %v", busy, total, err)
	}
}
