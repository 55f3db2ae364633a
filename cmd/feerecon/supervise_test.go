package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A consumer's restarts back off while its runs keep failing, capped at
// Max, and start again from Min after a run that lasted Healthy: one
// process through several broker outages waits Min after each, not the
// cap forever (it once waited 1, 2, … 32, 60, 60 s and never came back
// down).
func TestSuperviseResetsBackoffAfterAHealthyRun(t *testing.T) {
	t.Parallel()
	p := restartPolicy{Min: time.Millisecond, Max: 4 * time.Millisecond, Healthy: 30 * time.Millisecond}
	// Each outage fails five runs at once; between outages a run lasts
	// Healthy (it consumed).
	runs := []time.Duration{0, 0, 0, 0, 0, 40 * time.Millisecond, 0, 0, 0, 0, 0, 40 * time.Millisecond, 0}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := p.supervise(ctx, log, "t", func(context.Context) error {
		if n == len(runs) {
			cancel()
			return nil
		}
		time.Sleep(runs[n])
		n++
		return errors.New("broker down")
	})
	if err != nil {
		t.Fatal(err)
	}
	var waits []string
	for _, m := range regexp.MustCompile(` in=(\S+)`).FindAllStringSubmatch(buf.String(), -1) {
		waits = append(waits, m[1])
	}
	want := "1ms 2ms 4ms 4ms 4ms 1ms 2ms 4ms 4ms 4ms 4ms 1ms 2ms"
	if got := strings.Join(waits, " "); got != want {
		t.Errorf("restart waits %s, want %s", got, want)
	}
}
