package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/feerecon/feerecon/store/postgres"
)

// cpuTimes are CPU seconds (user + system) used so far, read from /proc:
// the make bench servers run on this machine. Where the ingest row's time
// goes is the question a throughput figure alone cannot answer — the
// database server, feerecon (this process: the consumers, decoding,
// deciding, lib/pq), or the broker — and the issue asks for the profile
// that shows what stops ingest.
type cpuTimes struct {
	// postgres: the server whose backend answers st (its postmaster and
	// every child: backends, WAL writer, checkpointer, autovacuum; the
	// postmaster's reaped children included). Zero when the server is
	// not a process of this machine.
	postgres float64
	// feerecon is this process; kafka the java processes whose command
	// line names Kafka (the broker services.sh starts).
	feerecon, kafka float64
	// busy and total are the machine's CPU seconds (/proc/stat) not idle
	// (nor waiting for I/O) and in all.
	busy, total float64
	ok          bool
}

func (c cpuTimes) sub(o cpuTimes) cpuTimes {
	return cpuTimes{postgres: c.postgres - o.postgres, feerecon: c.feerecon - o.feerecon, kafka: c.kafka - o.kafka,
		busy: c.busy - o.busy, total: c.total - o.total, ok: c.ok && o.ok}
}

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on Linux
// (sysconf(_SC_CLK_TCK), which Go does not expose without cgo).
const clockTicks = 100

// readCPU samples the CPU times; ok is false where /proc is not Linux's
// or the server is not local.
func readCPU(ctx context.Context, st *postgres.Store) cpuTimes {
	var c cpuTimes
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return c
	}
	c.feerecon = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	var backend int
	if err := st.DB().QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		return c
	}
	be, err := procStat(backend) // its parent is the postmaster
	if err != nil {
		return c
	}
	pids, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return c
	}
	found := false
	for _, dir := range pids {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil {
			continue
		}
		s, err := procStat(pid)
		if err != nil {
			continue // gone since the glob
		}
		switch {
		case pid == be.ppid:
			found = true
			c.postgres += s.own + s.children
		case s.ppid == be.ppid:
			c.postgres += s.own
		case s.comm == "java":
			if cmd, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil && bytes.Contains(cmd, []byte("kafka")) {
				c.kafka += s.own
			}
		}
	}
	c.busy, c.total, err = machineCPU()
	c.ok = found && err == nil
	return c
}

// stat is what procStat reads of /proc/PID/stat.
type stat struct {
	comm          string
	ppid          int
	own, children float64 // seconds: utime+stime, cutime+cstime
}

func procStat(pid int) (stat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return stat{}, err
	}
	// "pid (comm) state ppid …": comm may hold spaces and parentheses,
	// so the fields start after the last ')'.
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return stat{}, errors.New("bench: /proc stat: no comm")
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 15 {
		return stat{}, errors.New("bench: /proc stat: short")
	}
	n := func(i int) float64 { v, _ := strconv.ParseFloat(f[i], 64); return v / clockTicks }
	ppid, _ := strconv.Atoi(f[1])
	// After comm: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
	return stat{comm: string(b[open+1 : end]), ppid: ppid, own: n(11) + n(12), children: n(13) + n(14)}, nil
}

// machineCPU reads the first line of /proc/stat: seconds busy (neither
// idle nor iowait) and in all.
func machineCPU() (busy, total float64, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 6 || f[0] != "cpu" {
		return 0, 0, errors.New("bench: /proc/stat: no cpu line")
	}
	var idle float64
	for i, s := range f[1:min(len(f), 9)] { // user nice system idle iowait irq softirq steal
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("bench: /proc/stat: %w", err)
		}
		total += v
		if i == 3 || i == 4 {
			idle += v
		}
	}
	return (total - idle) / clockTicks, total / clockTicks, nil
}
