package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/feerecon/feerecon/bench"
	"github.com/feerecon/feerecon/config"
)

// The variables scripts/services.sh exports (testenv reads the same).
const (
	envPG    = "FEERECON_TEST_PG"
	envKafka = "FEERECON_TEST_KAFKA"
)

// options are the command line of a run.
type options struct {
	n               int
	json            bool
	cpuprofile      string
	out             string
	postgres, kafka string
	batchSize       int
	batchWait       time.Duration
	latencyRate     int
	latencyDuration time.Duration
	logLevel        string
	rows            []string
}

func newRoot() *cobra.Command {
	o := &options{}
	root := &cobra.Command{
		Use:   "feerecon-bench",
		Short: "Measure feerecon against the machine's own limits: one table, bench/results.json",
		Long: `feerecon-bench runs every row of issue 13 §4 once, on the PostgreSQL server and Kafka broker
that scripts/bench.sh starts (make bench): the raw baselines (kafka-go consumer group, COPY, unnest
inserts), ingest end to end, publish → confirmation latency at a steady rate, the daily run (in a
child process), the engine alone and scale-out. It prints one table (or JSON) and writes the
figures to --out. Each figure is one measurement: run it three times for medians.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), cmd.OutOrStdout()) },
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return config.Wrap("", err) })
	f := root.Flags()
	f.IntVarP(&o.n, "events", "n", 1_000_000, "events of the ingest and scale-out rows (rows of the baselines; the daily and engine rows take min(n, 1M))")
	f.BoolVar(&o.json, "json", false, "print the results as JSON instead of the table")
	f.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the whole run to `file`")
	f.StringVar(&o.out, "out", "bench/results.json", "write the results as JSON to `file`")
	f.StringVar(&o.postgres, "postgres", os.Getenv(envPG), "PostgreSQL server URL (a database per row is created on it); default $"+envPG)
	f.StringVar(&o.kafka, "kafka", os.Getenv(envKafka), "Kafka broker address; default $"+envKafka)
	f.IntVar(&o.batchSize, "batch-size", 500, "messages per batch of the raw topics' consumers (serve's --batch-size)")
	f.DurationVar(&o.batchWait, "batch-wait", 5*time.Millisecond, "a batch's wait for more messages (serve's --batch-wait)")
	f.IntVar(&o.latencyRate, "latency-rate", 1000, "events per second of the latency row")
	f.DurationVar(&o.latencyDuration, "latency-duration", 20*time.Second, "how long the latency row publishes")
	f.StringVar(&o.logLevel, "log-level", "info", "progress on stderr: debug, info, warn or error")
	f.StringSliceVar(&o.rows, "rows", nil, "run only these rows ("+strings.Join(bench.RowNames, ", ")+"); the others print as 0: for profiling one row")
	root.AddCommand(dailyCmd(), medianCmd())
	return root
}

func (o *options) run(ctx context.Context, stdout io.Writer) (err error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(o.logLevel)); err != nil {
		return config.Errorf("--log-level %q: want debug, info, warn or error", o.logLevel)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	// The parts measured log their warnings and errors only: at info the
	// processor writes a line per payment.
	parts := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: max(lvl, slog.LevelWarn)}))
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cfg := bench.Config{N: o.n, Postgres: o.postgres, Kafka: o.kafka, BatchSize: o.batchSize, BatchWait: o.batchWait,
		LatencyRate: o.latencyRate, LatencyDuration: o.latencyDuration, DailyCommand: bench.ExecDaily(self), Logger: log, Components: parts, Rows: o.rows}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if o.cpuprofile != "" {
		pf, err := os.Create(o.cpuprofile)
		if err != nil {
			return config.Wrap("--cpuprofile", err)
		}
		defer func() { err = errors.Join(err, pf.Close()) }()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	r, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if o.out != "" {
		if err := r.WriteFile(o.out); err != nil {
			return err
		}
	}
	if o.json {
		return r.WriteJSON(stdout)
	}
	return r.WriteTable(stdout)
}

// dailyCmd is the daily row's child process (bench.RunDaily): alone in
// its process, so that the parent reads the daily run's peak RSS.
func dailyCmd() *cobra.Command {
	var n int
	cmd := &cobra.Command{
		Use:   "daily",
		Short: "Run the daily three-way reconciliation of a generated day once; print its figures as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n < 1 {
				return config.Errorf("-n %d: want at least 1", n)
			}
			return bench.RunDaily(cmd.OutOrStdout(), n)
		},
	}
	cmd.Flags().IntVarP(&n, "events", "n", bench.MaxDailyN, "notices, events and statement lines of the day")
	return cmd
}

// medianCmd combines the results files of several runs into their
// medians (bench.Median): scripts/bench.sh runs the harness three times.
func medianCmd() *cobra.Command {
	var out string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "median results.json...",
		Short: "Write the medians of several runs' results files to --out and print them as one table",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			rs := make([]bench.Results, len(files))
			for i, f := range files {
				var err error
				if rs[i], err = bench.ReadFile(f); err != nil {
					return err
				}
			}
			m, err := bench.Median(rs)
			if err != nil {
				return err
			}
			if out != "" {
				if err := m.WriteFile(out); err != nil {
					return err
				}
			}
			if asJSON {
				return m.WriteJSON(cmd.OutOrStdout())
			}
			return m.WriteTable(cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&out, "out", "bench/results.json", "write the medians as JSON to `file`")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of the table")
	return cmd
}
