package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/reconcile/daily/benchday"
)

// DailyFigures are what a daily child reports: the run's time, and its
// process's resident memory once the input was built (input) and at its
// peak (VmHWM, the input included).
type DailyFigures struct {
	N          int     `json:"n"`
	Seconds    float64 `json:"seconds"`
	InputRSSMB float64 `json:"input_rss_mb"`
	HWMMB      float64 `json:"hwm_mb"`
}

// RunDaily is the daily row's child: it generates a day of n
// (benchday.Generate), reconciles it once with daily.Reconcile, checks
// the control totals and writes its DailyFigures as JSON to w. It is meant
// to run alone in a process of its own (Config.DailyCommand), so that the
// process's peak RSS is the daily run's.
func RunDaily(w io.Writer, n int) error {
	in, err := benchday.Generate(n)
	if err != nil {
		return err
	}
	runtime.GC()
	debug.FreeOSMemory()
	input, err := procStatus("VmRSS")
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := daily.Reconcile(in)
	if err != nil {
		return fmt.Errorf("bench: daily: %w", err)
	}
	secs := time.Since(start).Seconds()
	hwm, err := procStatus("VmHWM")
	if err != nil {
		return err
	}
	all := res.Reports[0]
	if all.Control.PaymentCount != n || all.Control.MissingEventCount != (n+99)/100 {
		return fmt.Errorf("bench: daily: %d payments, %d missing events; want %d and %d", all.Control.PaymentCount,
			all.Control.MissingEventCount, n, (n+99)/100)
	}
	runtime.KeepAlive(in)
	return json.NewEncoder(w).Encode(DailyFigures{N: n, Seconds: secs, InputRSSMB: input, HWMMB: hwm})
}

// procStatus reads a memory line of /proc/self/status, in MB.
func procStatus(field string) (float64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
		if err != nil {
			return 0, fmt.Errorf("bench: /proc/self/status %s: %w", field, err)
		}
		return kb / 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("bench: /proc/self/status: %w", err)
	}
	return 0, fmt.Errorf("bench: /proc/self/status has no %s", field)
}

// dailyChild runs the daily row in the child cfg.DailyCommand starts and
// returns its figures, its peak RSS being the child's maximum resident
// set (getrusage, in MB).
func (h *harness) dailyChild(ctx context.Context, n int) (DailyFigures, float64, error) {
	cmd := h.cfg.DailyCommand(ctx, n)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return DailyFigures{}, 0, fmt.Errorf("bench: daily child: %w: %s", err, tail(errOut.String(), 2000))
	}
	var f DailyFigures
	if err := json.Unmarshal(lastLine(out.Bytes()), &f); err != nil {
		return DailyFigures{}, 0, fmt.Errorf("bench: daily child: %w: %q", err, tail(out.String(), 500))
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return DailyFigures{}, 0, errors.New("bench: daily child: no rusage")
	}
	return f, float64(ru.Maxrss) / 1024, nil // Linux: kilobytes
}

func lastLine(b []byte) []byte {
	b = bytes.TrimRight(b, "\n")
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// ExecDaily returns the DailyCommand of a binary whose `daily -n N`
// subcommand calls RunDaily (cmd/feerecon-bench).
func ExecDaily(binary string) func(ctx context.Context, n int) *exec.Cmd {
	return func(ctx context.Context, n int) *exec.Cmd {
		return exec.CommandContext(ctx, binary, "daily", "-n", strconv.Itoa(n)) //nolint:gosec // G204: our own binary
	}
}
