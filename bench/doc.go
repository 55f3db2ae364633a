// Package bench is the `make bench` harness of issue 13 §4: one run
// (Run) measures, on the real servers and in this order, the machine's
// own limits (a raw kafka-go consumer group committing every 1,000
// messages, raw PostgreSQL COPY and unnest inserts of 1,000 payment rows
// per transaction), ingest end to end (a Workload of signed events of
// mixed gateways, 1 % duplicates and 0.1 % poison, published to the raw
// topics and recorded by in-process batch consumers as `feerecon serve`
// runs them, until every message is stored and matched), the latency from
// publish to the confirmation's arrival at a procedure system's sink at a
// steady rate, the daily three-way run (in a child process, for its peak
// RSS), the engine alone, and scale-out over partitions and instances. It
// returns Results, which print as one table and are kept as
// bench/results.json; cmd/feerecon-bench is its command line and
// scripts/bench.sh runs it.
//
// Each figure is one measurement; medians come from running the command
// several times. Nothing here asserts a speed: the test (bench_test.go)
// runs the harness small and checks that every figure is there.
//
// It starts no server: it is given the PostgreSQL server's URL and the
// Kafka broker, and creates a database of its own per row, and topics and
// consumer groups named with the run's random suffix, so that it can run
// on servers shared with tests. The baselines' SQL (COPY, unnest) and the
// polls of consumer offsets and counts are here rather than in the store:
// they are what the store is measured against, and how the harness sees
// that a row is done. Nothing in a production path imports this package.
package bench
