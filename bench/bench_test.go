package bench_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/bench"
	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaysim"
	"github.com/feerecon/feerecon/testenv"
)

// envDailyChild makes the test binary the daily row's child process
// (bench.RunDaily of that many events), as `feerecon-bench daily -n` is
// for the command.
const envDailyChild = "FEERECON_BENCH_DAILY_CHILD"

func TestMain(m *testing.M) {
	if v := os.Getenv(envDailyChild); v != "" {
		n, err := strconv.Atoi(v)
		if err == nil {
			err = bench.RunDaily(os.Stdout, n)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func dailyChild(ctx context.Context, n int) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envDailyChild+"="+strconv.Itoa(n))
	return cmd
}

// TestHarness runs every row at n = 2,000 on the real servers and checks
// that the results file has every figure, positive, and that the table
// prints every row. It asserts no speed.
func TestHarness(t *testing.T) {
	testenv.Postgres(t) // the server answers (skipped outside CI without one)
	broker := testenv.Kafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	r, err := bench.Run(ctx, bench.Config{N: 2000, Postgres: os.Getenv(testenv.EnvPG), Kafka: broker,
		LatencyRate: 500, LatencyDuration: 2 * time.Second, DailyCommand: dailyChild,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "bench", "results.json")
	if err := r.WriteFile(out); err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := bench.Missing(js)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("results.json lacks a positive %v:\n%s", missing, js)
	}
	// The servers are processes of this machine (services.sh): the ingest
	// row's CPU is found for each.
	if r.IngestCPUPostgresUs <= 0 || r.IngestCPUFeereconUs <= 0 || r.IngestCPUKafkaUs <= 0 || r.IngestMachineBusyPct <= 0 || r.IngestMachineBusyPct > 100 {
		t.Errorf("ingest CPU: postgres %.0f µs, feerecon %.0f µs, kafka %.0f µs, busy %.0f %%", r.IngestCPUPostgresUs,
			r.IngestCPUFeereconUs, r.IngestCPUKafkaUs, r.IngestMachineBusyPct)
	}
	if r.N != 2000 || r.IngestEvents != 2000 || r.IngestPayments != 1978 || r.IngestDuplicates != 20 || r.IngestDeadLettered != 2 {
		t.Errorf("workload counts: %+v", r)
	}
	var table bytes.Buffer
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{"raw kafka-go consumer group", "raw PostgreSQL COPY", "unnest", "ingest end to end",
		"ingest CPU per payment", "latency publish → confirmation", "daily three-way run", "engine alone", "× 1 instance", "× 2 instances"} {
		if !strings.Contains(table.String(), row) {
			t.Errorf("table lacks %q:\n%s", row, table.String())
		}
	}
	t.Logf("\n%s", table.String())
}

func TestMissing(t *testing.T) {
	t.Parallel()
	all := map[string]bool{}
	for _, k := range bench.RequiredKeys {
		all[k] = true
	}
	js := []byte(`{"n": 2000, "cores": 0, "latency_p50_ms": -1, "ingest_ratio_to_copy": "1"}`)
	missing, err := bench.Missing(js)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(missing, "n") || !slices.Contains(missing, "cores") || !slices.Contains(missing, "latency_p50_ms") ||
		!slices.Contains(missing, "ingest_ratio_to_copy") || len(missing) != len(bench.RequiredKeys)-1 {
		t.Errorf("Missing = %v", missing)
	}
}

// TestWorkload: the stream has the mix the issue asks for, and each event
// is what its kind says to the real decoders: a fresh event decodes to its
// notice's payment, a duplicate is an earlier fresh event's bytes, a
// poison event is refused as poison.
func TestWorkload(t *testing.T) {
	t.Parallel()
	w, err := bench.NewWorkload(5000)
	if err != nil {
		t.Fatal(err)
	}
	decs, err := gatewaysim.Decoders(gatewaysim.DemoSecrets())
	if err != nil {
		t.Fatal(err)
	}
	if w.Count(bench.Duplicate) != 50 || w.Count(bench.Poison) != 5 || w.Notices() != 4945 || w.Count(bench.Fresh) != w.Notices() {
		t.Fatalf("counts: %d duplicates, %d poison, %d notices", w.Count(bench.Duplicate), w.Count(bench.Poison), w.Notices())
	}
	seen := map[string]bool{}
	perGateway := map[string]int{}
	i := 0
	for e, err := range w.Events() {
		if err != nil {
			t.Fatal(err)
		}
		dec, err := decs.Get(e.Gateway)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := dec.Decode(e.Raw)
		switch e.Kind {
		case bench.Poison:
			if !gateways.Poison(err) || !errors.Is(err, gateways.ErrSignature) {
				t.Errorf("event %d: poison decodes to %v, %v", i, ps, err)
			}
		case bench.Fresh, bench.Duplicate:
			want, werr := w.Payment(e.Notice)
			if err != nil || werr != nil || len(ps) != 1 || ps[0].ID != want.ID || !ps[0].Amount.Equal(want.Amount) ||
				!ps[0].PaidAt.Equal(want.PaidAt) || ps[0].Description != want.Description || string(e.Key) != want.TxnID {
				t.Fatalf("event %d (%d): decodes to %+v, %v; want %+v (%v)", i, e.Kind, ps, err, want, werr)
			}
			if (e.Kind == bench.Duplicate) != seen[want.ID] {
				t.Errorf("event %d: kind %d, seen before %v", i, e.Kind, seen[want.ID])
			}
			seen[want.ID] = true
			perGateway[string(e.Gateway)]++
		}
		i++
	}
	if i != 5000 || len(seen) != w.Notices() || len(perGateway) != len(bench.Mix) {
		t.Errorf("%d events, %d distinct payments, gateways %v", i, len(seen), perGateway)
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	rs := []bench.Results{
		{N: 10, IngestPaymentsPerS: 300, LatencyP99Ms: 9, Go: "a", Duration: "10s"},
		{N: 10, IngestPaymentsPerS: 100, LatencyP99Ms: 7, Go: "b", Duration: "20s"},
		{N: 10, IngestPaymentsPerS: 200, LatencyP99Ms: 8, Go: "c", Duration: "30s"},
	}
	m, err := bench.Median(rs)
	if err != nil {
		t.Fatal(err)
	}
	if m.N != 10 || m.IngestPaymentsPerS != 200 || m.LatencyP99Ms != 8 || m.Go != "a" || !strings.HasPrefix(m.Duration, "1m0s") {
		t.Errorf("Median = %+v", m)
	}
	if _, err := bench.Median(nil); err == nil {
		t.Error("Median of nothing: no error")
	}
}

// TestRowsRunOnlyThoseNamed: --rows matching runs the engine alone (no
// server is reached: the URLs go nowhere) and leaves the other rows'
// figures zero; an unknown row is refused before anything runs.
func TestRowsRunOnlyThoseNamed(t *testing.T) {
	t.Parallel()
	cfg := bench.Config{N: 500, Postgres: "postgres://nowhere.invalid/x", Kafka: "nowhere.invalid:9", DailyCommand: dailyChild,
		Rows: []string{"matching"}}
	r, err := bench.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.MatchingPaymentsPerS <= 0 || r.IngestPaymentsPerS != 0 || r.PGCopyRowsPerS != 0 || r.DailySeconds != 0 {
		t.Errorf("rows [matching] gave %+v", r)
	}
	cfg.Rows = []string{"matching", "ingestion"}
	if _, err := bench.Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), `row "ingestion"`) {
		t.Errorf("an unknown row: %v", err)
	}
}
