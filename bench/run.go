package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/feerecon/feerecon/config"
)

// Config configures a run. Zero values take the defaults, except where
// said.
type Config struct {
	// N is the number of events of the ingest and scale-out rows, of rows
	// of the PostgreSQL baselines, and (up to MaxDailyN) of the daily and
	// matching rows. Required.
	N int
	// Postgres is the URL of the PostgreSQL server (a database of each
	// row's own is created on it and dropped after); Kafka the broker's
	// address. Required.
	Postgres, Kafka string
	// BatchSize and BatchWait of the raw topics' consumers; default 500
	// and 5ms, serve's defaults.
	BatchSize int
	BatchWait time.Duration
	// Partitions of the ingest row's raw topics; default 3 (what
	// kafkabus.EnsureTopics creates). ScalePartitions of the scale-out
	// rows'; default 4.
	Partitions, ScalePartitions int
	// LatencyRate is the steady rate of the latency row, events per
	// second, for LatencyDuration; default 1,000/s for 20s.
	LatencyRate     int
	LatencyDuration time.Duration
	// DailyCommand starts the daily row's child process, which must call
	// RunDaily(stdout, n) (ExecDaily: `feerecon-bench daily -n N`).
	// Required.
	DailyCommand func(ctx context.Context, n int) *exec.Cmd
	// Logger takes the run's progress; Components the logs of the parts
	// measured (the processor, consumers, sender), at whatever level it
	// is set to: at info the processor logs every payment, which a
	// million-event run pays for. Both default to discarding.
	Logger, Components *slog.Logger
	// Rows, when given, are the only rows run (RowNames), in their fixed
	// order; the figures of the others stay zero. For profiling one row:
	// make bench runs them all.
	Rows []string
}

// RowNames are the rows of a run, in the order they run: the PostgreSQL
// baselines, the Kafka baseline and ingest, latency, the daily run, the
// engine, scale-out.
var RowNames = []string{"pg", "ingest", "latency", "daily", "matching", "scale"}

// MaxDailyN caps the daily and matching rows: issue 13 measures them at
// 1M.
const MaxDailyN = 1_000_000

// Validate reports all problems at once.
func (c Config) Validate() error {
	p := config.In("bench")
	if c.N < 1 {
		p.Addf("-n %d: want at least 1 event", c.N)
	}
	if c.Postgres == "" {
		p.Addf("no PostgreSQL server URL")
	}
	if c.Kafka == "" {
		p.Addf("no Kafka broker")
	}
	if c.BatchSize < 0 || c.BatchWait < 0 || c.Partitions < 0 || c.ScalePartitions < 0 || c.LatencyRate < 0 || c.LatencyDuration < 0 {
		p.Addf("negative batch size, wait, partitions, rate or duration")
	}
	if c.DailyCommand == nil {
		p.Addf("no DailyCommand")
	}
	for _, row := range c.Rows {
		if !slices.Contains(RowNames, row) {
			p.Addf("row %q: want one of %s", row, strings.Join(RowNames, ", "))
		}
	}
	return p.Err()
}

func (c Config) withDefaults() Config {
	if c.BatchSize == 0 {
		c.BatchSize = 500
	}
	if c.BatchWait == 0 {
		c.BatchWait = 5 * time.Millisecond
	}
	if c.Partitions == 0 {
		c.Partitions = 3
	}
	if c.ScalePartitions == 0 {
		c.ScalePartitions = 4
	}
	if c.LatencyRate == 0 {
		c.LatencyRate = 1000
	}
	if c.LatencyDuration == 0 {
		c.LatencyDuration = 20 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Components == nil {
		c.Components = slog.New(slog.DiscardHandler)
	}
	return c
}

// harness is one run: its configuration and the suffix of the names of
// the databases, topics and groups it creates.
type harness struct {
	cfg        Config
	log, parts *slog.Logger
	run        string
}

// Run measures every row of issue 13 §4 in order, on the servers of cfg,
// and returns the figures. It fails at the first row that fails (a
// server, or an outcome that is not what the workload must give); it
// asserts no speed.
func Run(ctx context.Context, cfg Config) (Results, error) {
	if err := cfg.Validate(); err != nil {
		return Results{}, err
	}
	cfg = cfg.withDefaults()
	h := &harness{cfg: cfg, log: cfg.Logger, parts: cfg.Components, run: randomHex(4)}
	began := time.Now()
	r := Results{N: cfg.N, Cores: runtime.NumCPU(), Go: runtime.Version(), Started: began.UTC().Format(time.RFC3339),
		Machine: machine(), IngestBatchSize: cfg.BatchSize, IngestPartitions: cfg.Partitions, ScalePartitions: cfg.ScalePartitions}
	w, err := NewWorkload(cfg.N)
	if err != nil {
		return r, err
	}
	r.IngestEvents, r.IngestPayments = w.Len(), w.Notices()
	r.IngestDuplicates, r.IngestDeadLettered = w.Count(Duplicate), w.Count(Poison)
	for _, step := range []struct {
		row, name string
		fn        func(context.Context, *Workload, *Results) error
	}{
		{"pg", "postgres baselines", h.rowPG},
		{"ingest", "kafka baseline and ingest", h.rowIngest},
		{"latency", "latency", h.rowLatency},
		{"daily", "daily", h.rowDaily},
		{"matching", "matching", h.rowMatching},
		{"scale", "scale-out", h.rowScale},
	} {
		if len(cfg.Rows) > 0 && !slices.Contains(cfg.Rows, step.row) {
			continue
		}
		h.log.Info("bench: row", "row", step.name)
		t := time.Now()
		if err := step.fn(ctx, w, &r); err != nil {
			return r, fmt.Errorf("%s: %w", step.name, err)
		}
		h.log.Info("bench: row done", "row", step.name, "seconds", time.Since(t).Seconds())
	}
	r.Duration = time.Since(began).Round(time.Second).String()
	return r, nil
}

func (h *harness) rowPG(ctx context.Context, w *Workload, r *Results) error {
	ps, err := paymentRows(w, w.Len())
	if err != nil {
		return err
	}
	r.PGCopyRowsPerS, r.PGUnnestRowsPerS, err = h.pgBaselines(ctx, ps)
	return err
}

func (h *harness) rowIngest(ctx context.Context, w *Workload, r *Results) error {
	ts, err := h.topics(ctx, "ingest", h.cfg.Partitions)
	if err != nil {
		return err
	}
	if r.KafkaProduceMsgsPerS, err = h.publish(ctx, w, ts); err != nil {
		return err
	}
	if r.KafkaConsumeMsgsPerS, err = h.kafkaBaseline(ctx, ts, w.Len()); err != nil {
		return err
	}
	res, err := h.ingest(ctx, "ingest", w, ts, 1)
	if err != nil {
		return err
	}
	r.IngestSeconds, r.IngestStartupSeconds, r.NoticesCreatedPerS = res.seconds, res.startup, res.noticesPerS
	r.IngestPaymentsPerS = float64(w.Notices()) / res.seconds
	r.IngestEventsPerS = float64(w.Len()) / res.seconds
	if c, n := res.cpu, float64(w.Notices()); c.ok {
		r.IngestCPUPostgresUs, r.IngestCPUFeereconUs, r.IngestCPUKafkaUs = c.postgres/n*1e6, c.feerecon/n*1e6, c.kafka/n*1e6
		r.IngestMachineBusyPct = c.busy / c.total * 100
	}
	if r.PGCopyRowsPerS > 0 { // the pg row ran (--rows)
		r.IngestRatioToCopy = r.IngestPaymentsPerS / r.PGCopyRowsPerS
	}
	return nil
}

func (h *harness) rowLatency(ctx context.Context, _ *Workload, r *Results) error {
	res, err := h.latency(ctx)
	if err != nil {
		return err
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	r.LatencyEvents, r.LatencyRatePerS = res.events, res.rate
	r.LatencyP50Ms, r.LatencyP95Ms, r.LatencyP99Ms, r.LatencyMaxMs = ms(res.p50), ms(res.p95), ms(res.p99), ms(res.max)
	return nil
}

func (h *harness) rowDaily(ctx context.Context, _ *Workload, r *Results) error {
	n := min(h.cfg.N, MaxDailyN)
	f, peak, err := h.dailyChild(ctx, n)
	if err != nil {
		return err
	}
	r.DailyN, r.DailySeconds, r.DailyPeakRSSMB, r.DailyInputRSSMB = n, f.Seconds, peak, f.InputRSSMB
	return nil
}

func (h *harness) rowMatching(_ context.Context, _ *Workload, r *Results) error {
	r.MatchingN = min(h.cfg.N, MaxDailyN)
	var err error
	r.MatchingPaymentsPerS, err = matching(r.MatchingN)
	return err
}

func (h *harness) rowScale(ctx context.Context, w *Workload, r *Results) error {
	ts, err := h.topics(ctx, "scale", h.cfg.ScalePartitions)
	if err != nil {
		return err
	}
	if _, err := h.publish(ctx, w, ts); err != nil {
		return err
	}
	for _, inst := range []struct {
		n   int
		out *float64
	}{{1, &r.Scale1PaymentsPerS}, {2, &r.Scale2PaymentsPerS}} {
		res, err := h.ingest(ctx, fmt.Sprintf("scale%d", inst.n), w, ts, inst.n)
		if err != nil {
			return err
		}
		*inst.out = float64(w.Notices()) / res.seconds
	}
	return nil
}

// machine names the CPU, from /proc/cpuinfo ("" where unknown).
func machine() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(b)) {
		if name, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
