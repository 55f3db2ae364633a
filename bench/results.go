package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Results are the figures of one run, each one measurement. The JSON
// names are those of bench/results.json; every number is positive in a
// complete run (RequiredKeys).
type Results struct {
	N        int    `json:"n"`
	Cores    int    `json:"cores"`
	Go       string `json:"go"`
	Started  string `json:"started"`
	Machine  string `json:"machine,omitempty"`
	Duration string `json:"duration"`

	// 1. Baselines: the machine's own limits, on the same servers.
	KafkaConsumeMsgsPerS float64 `json:"kafka_consume_msgs_per_s"`
	KafkaProduceMsgsPerS float64 `json:"kafka_produce_msgs_per_s"`
	PGCopyRowsPerS       float64 `json:"pg_copy_rows_per_s"`
	PGUnnestRowsPerS     float64 `json:"pg_unnest_rows_per_s"`

	// 2. Ingest end to end.
	IngestEvents         int     `json:"ingest_events"`
	IngestPayments       int     `json:"ingest_payments"`
	IngestSeconds        float64 `json:"ingest_seconds"`
	IngestPaymentsPerS   float64 `json:"ingest_payments_per_s"`
	IngestEventsPerS     float64 `json:"ingest_events_per_s"`
	IngestRatioToCopy    float64 `json:"ingest_ratio_to_copy"`
	IngestBatchSize      int     `json:"ingest_batch_size"`
	IngestPartitions     int     `json:"ingest_partitions"`
	NoticesCreatedPerS   float64 `json:"notices_created_per_s"`
	IngestDeadLettered   int     `json:"ingest_dead_lettered"`
	IngestDuplicates     int     `json:"ingest_duplicates"`
	IngestStartupSeconds float64 `json:"ingest_startup_seconds"`
	// Where ingest's CPU went, in CPU-µs per payment while the consumers
	// ran: the PostgreSQL server's processes, feerecon (the consumers, in
	// the harness's process), the broker; and how busy the machine was.
	// Zero when the servers are not processes of this machine.
	IngestCPUPostgresUs  float64 `json:"ingest_cpu_postgres_us_per_payment"`
	IngestCPUFeereconUs  float64 `json:"ingest_cpu_feerecon_us_per_payment"`
	IngestCPUKafkaUs     float64 `json:"ingest_cpu_kafka_us_per_payment"`
	IngestMachineBusyPct float64 `json:"ingest_machine_busy_percent"`

	// 3. Latency, publish → confirmation at the procedure system's sink.
	LatencyEvents   int     `json:"latency_events"`
	LatencyRatePerS float64 `json:"latency_rate_per_s"`
	LatencyP50Ms    float64 `json:"latency_p50_ms"`
	LatencyP95Ms    float64 `json:"latency_p95_ms"`
	LatencyP99Ms    float64 `json:"latency_p99_ms"`
	LatencyMaxMs    float64 `json:"latency_max_ms"`

	// 4. The daily run, in a child process of its own.
	DailyN          int     `json:"daily_n"`
	DailySeconds    float64 `json:"daily_seconds"`
	DailyPeakRSSMB  float64 `json:"daily_peak_rss_mb"`
	DailyInputRSSMB float64 `json:"daily_input_rss_mb"`

	// 5. The engine alone.
	MatchingN            int     `json:"matching_n"`
	MatchingPaymentsPerS float64 `json:"matching_payments_per_s"`

	// 6. Scale-out: ingest with ScalePartitions partitions per raw topic.
	ScalePartitions    int     `json:"scale_partitions"`
	Scale1PaymentsPerS float64 `json:"scale_1_instance_payments_per_s"`
	Scale2PaymentsPerS float64 `json:"scale_2_instances_payments_per_s"`
}

// RequiredKeys are the keys of results.json that issue 13 names, plus the
// baselines and the other rows: each a positive number after a complete
// run.
var RequiredKeys = []string{
	"n", "cores",
	"kafka_consume_msgs_per_s", "pg_copy_rows_per_s", "pg_unnest_rows_per_s",
	"ingest_payments_per_s", "ingest_ratio_to_copy",
	"latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "latency_max_ms",
	"daily_seconds", "daily_peak_rss_mb",
	"matching_payments_per_s",
	"scale_1_instance_payments_per_s", "scale_2_instances_payments_per_s",
}

// Missing returns the required keys whose value in the JSON object js is
// absent, not a number or not positive.
func Missing(js []byte) ([]string, error) {
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, fmt.Errorf("bench: results: %w", err)
	}
	var out []string
	for _, k := range RequiredKeys {
		if v, ok := m[k].(float64); !ok || !(v > 0) {
			out = append(out, k)
		}
	}
	return out, nil
}

// WriteFile writes r as indented JSON to path, creating its directory.
func (r Results) WriteFile(path string) error {
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("bench: results: %w", err)
		}
	}
	if err := os.WriteFile(path, append(js, '\n'), 0o600); err != nil {
		return fmt.Errorf("bench: results: %w", err)
	}
	return nil
}

// WriteJSON writes r as indented JSON to w.
func (r Results) WriteJSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(r)
}

// WriteTable writes r as one Markdown table: the rows of issue 13 §4, in
// order, each with its figure and what it was measured on.
func (r Results) WriteTable(w io.Writer) error {
	rows := [][3]string{
		{"raw kafka-go consumer group, commit every 1,000", rate(r.KafkaConsumeMsgsPerS, "msgs/s"), fmt.Sprintf("%d messages", r.IngestEvents)},
		{"raw kafka-go produce (acks=all, batch 1,000)", rate(r.KafkaProduceMsgsPerS, "msgs/s"), "the ingest workload"},
		{"raw PostgreSQL COPY, 1,000 rows per transaction", rate(r.PGCopyRowsPerS, "rows/s"), fmt.Sprintf("%d payment rows", r.N)},
		{"raw INSERT … SELECT FROM unnest … ON CONFLICT DO NOTHING, 1,000 rows per transaction", rate(r.PGUnnestRowsPerS, "rows/s"), fmt.Sprintf("%d payment rows", r.N)},
		{"ingest end to end (publish → decoded, stored, matched)", rate(r.IngestPaymentsPerS, "payments/s"),
			fmt.Sprintf("**%.4f× the COPY rate**; %d events (%d duplicates, %d poison), %d partitions, batch %d, %.1f s",
				r.IngestRatioToCopy, r.IngestEvents, r.IngestDuplicates, r.IngestDeadLettered, r.IngestPartitions, r.IngestBatchSize, r.IngestSeconds)},
		{"ingest CPU per payment", fmt.Sprintf("PostgreSQL %.0f µs, feerecon %.0f µs, Kafka %.0f µs", r.IngestCPUPostgresUs, r.IngestCPUFeereconUs, r.IngestCPUKafkaUs),
			fmt.Sprintf("CPU time of each while the ingest row's consumers ran; the machine %.0f %% busy (%d cores)", r.IngestMachineBusyPct, r.Cores)},
		{"latency publish → confirmation at the sink", fmt.Sprintf("p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms", r.LatencyP50Ms, r.LatencyP95Ms, r.LatencyP99Ms, r.LatencyMaxMs),
			fmt.Sprintf("%d events at %.0f events/s", r.LatencyEvents, r.LatencyRatePerS)},
		{"daily three-way run", fmt.Sprintf("%.2f s, %.0f MB peak RSS", r.DailySeconds, r.DailyPeakRSSMB),
			fmt.Sprintf("%d notices / events / statement lines; input %.0f MB of it", r.DailyN, r.DailyInputRSSMB)},
		{"engine alone, Decide", rate(r.MatchingPaymentsPerS, "payments/s"), fmt.Sprintf("%d × %d in memory", r.MatchingN, r.MatchingN)},
		{fmt.Sprintf("scale-out, %d partitions × 1 instance", r.ScalePartitions), rate(r.Scale1PaymentsPerS, "payments/s"), fmt.Sprintf("%d events", r.IngestEvents)},
		{fmt.Sprintf("scale-out, %d partitions × 2 instances", r.ScalePartitions), rate(r.Scale2PaymentsPerS, "payments/s"), fmt.Sprintf("%d events", r.IngestEvents)},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "feerecon bench: n=%d, %d cores, %s, %s (%s)\n\n", r.N, r.Cores, r.Go, r.Started, r.Duration)
	if r.Machine != "" {
		fmt.Fprintf(&b, "machine: %s\n\n", r.Machine)
	}
	b.WriteString("| measured | figure | on |\n|---|---|---|\n")
	for _, row := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", row[0], row[1], row[2])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// rate formats a per-second figure with thousands separators.
func rate(v float64, unit string) string { return thousands(int64(v+0.5)) + " " + unit }

func thousands(v int64) string {
	s := fmt.Sprint(v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Median is the run whose every number is the median of that number over
// rs (the lower median of an even count), each figure on its own: the
// figures of one row may come from different runs. Texts are the first
// run's; the duration is the sum.
func Median(rs []Results) (Results, error) {
	if len(rs) == 0 {
		return Results{}, errors.New("bench: median of no results")
	}
	out := rs[0]
	ov := reflect.ValueOf(&out).Elem()
	for i := range ov.NumField() {
		f := ov.Field(i)
		switch f.Kind() {
		case reflect.Float64:
			vs := make([]float64, len(rs))
			for j, r := range rs {
				vs[j] = reflect.ValueOf(r).Field(i).Float()
			}
			slices.Sort(vs)
			f.SetFloat(vs[(len(vs)-1)/2])
		case reflect.Int:
			vs := make([]int64, len(rs))
			for j, r := range rs {
				vs[j] = reflect.ValueOf(r).Field(i).Int()
			}
			slices.Sort(vs)
			f.SetInt(vs[(len(vs)-1)/2])
		default:
		}
	}
	var total time.Duration
	for _, r := range rs {
		d, err := time.ParseDuration(r.Duration)
		if err != nil {
			return Results{}, fmt.Errorf("bench: median: duration %q: %w", r.Duration, err)
		}
		total += d
	}
	out.Duration = total.String() + fmt.Sprintf(" in %d runs, medians", len(rs))
	return out, nil
}

// ReadFile reads the results a run wrote to path.
func ReadFile(path string) (Results, error) {
	js, err := os.ReadFile(path) //nolint:gosec // G304: a results file the operator names
	if err != nil {
		return Results{}, fmt.Errorf("bench: results: %w", err)
	}
	var r Results
	if err := json.Unmarshal(js, &r); err != nil {
		return Results{}, fmt.Errorf("bench: results %s: %w", path, err)
	}
	return r, nil
}
