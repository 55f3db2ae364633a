package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feerecon/feerecon/gateways/gatewaysim"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/ingest/rawtopic"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/postgres"
)

// createNotices stores the notices of w in transactions of 1,000, two at
// a time, and returns the rate.
func createNotices(ctx context.Context, st store.Store, w *Workload) (float64, error) {
	const perTx, workers = 1000, 2
	start := time.Now()
	var next atomic.Int64
	errs := make(chan error, workers)
	for range workers {
		go func() {
			for {
				from := int(next.Add(perTx)) - perTx
				if from >= w.Notices() {
					errs <- nil
					return
				}
				err := st.InTx(ctx, func(tx store.Tx) error {
					for k := from; k < min(from+perTx, w.Notices()); k++ {
						n, err := w.Notice(k)
						if err != nil {
							return err
						}
						if err := tx.CreateNotice(ctx, n); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					errs <- fmt.Errorf("bench: create notices: %w", err)
					return
				}
			}
		}()
	}
	var err error
	for range workers {
		err = errors.Join(err, <-errs)
	}
	rate := float64(w.Notices()) / time.Since(start).Seconds()
	if err != nil {
		return rate, err
	}
	// A production database's notices have statistics (autovacuum
	// analyses a table once a tenth of it changed, within a minute); a
	// table loaded a second ago has none, and plans made without any
	// (scans of the whole table) are not what the service meets.
	if pg, ok := st.(*postgres.Store); ok {
		if _, err := pg.DB().ExecContext(ctx, `ANALYZE notices, notice_items`); err != nil {
			return rate, fmt.Errorf("bench: analyze notices: %w", err)
		}
	}
	return rate, nil
}

// consumers are the raw topics' batch consumers of one consumer group, as
// `feerecon serve` runs them: for each topic, instances consumers, each
// recording its batches with ingest.Processor.HandleBatch.
type consumers struct {
	group string
	first atomic.Int64 // unix nanoseconds of the first batch handled
	errs  chan error
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

// startConsumers starts the consumers of ts in group over st.
func (h *harness) startConsumers(ctx context.Context, st store.Store, ts topics, group string, instances int, wake func()) (*consumers, error) {
	decs, err := gatewaysim.Decoders(gatewaysim.DemoSecrets())
	if err != nil {
		return nil, err
	}
	eng, err := reconcile.NewEngine(reconcile.Config{})
	if err != nil {
		return nil, err
	}
	pr := ingest.New(st, eng, time.Now, h.parts)
	dlq, err := kafkabus.NewProducer(kafkabus.ProducerConfig{Brokers: []string{h.cfg.Kafka}, Logger: h.parts})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	cs := &consumers{group: group, errs: make(chan error, len(Mix)*instances), stop: cancel}
	var built []*kafkabus.Consumer
	for _, g := range Mix {
		dec, err := decs.Get(g)
		if err != nil {
			cancel()
			return nil, err
		}
		topic := ts.raw[g]
		for range instances {
			c, err := kafkabus.NewBatchConsumer(kafkabus.ConsumerConfig{
				Brokers: []string{h.cfg.Kafka}, GroupID: group, Topic: topic, DLQTopic: ts.dlq,
				Producer: dlq, Logger: h.parts, BatchSize: h.cfg.BatchSize, BatchWait: h.cfg.BatchWait,
			}, cs.timed(rawtopic.Handler(pr, dec, ingest.Position{Group: group, Topic: topic}, wake)))
			if err != nil {
				cancel()
				return nil, err
			}
			built = append(built, c)
		}
	}
	for _, c := range built {
		cs.wg.Add(1)
		go func() {
			defer cs.wg.Done()
			defer c.Close()
			if err := c.Run(ctx); err != nil {
				cs.errs <- err
			}
		}()
	}
	go func() {
		cs.wg.Wait()
		_ = dlq.Close()
	}()
	return cs, nil
}

// close stops the consumers and waits for them.
func (cs *consumers) close() {
	cs.stop()
	cs.wg.Wait()
}

// timed notes when the first batch began.
func (cs *consumers) timed(h kafkabus.BatchHandler) kafkabus.BatchHandler {
	return func(ctx context.Context, ms []kafkabus.Message, deadLetter func(context.Context, []kafkabus.Refused) error) error {
		cs.first.CompareAndSwap(0, time.Now().UnixNano())
		return h(ctx, ms, deadLetter)
	}
}

// waitConsumed polls the offsets st stored for cs's group (they are
// stored in the transaction of each batch: a message at or above them is
// recorded and matched) until every partition of ends is reached, and
// returns when that happened. A consumer's failure, or no progress for
// stallTimeout, ends it with an error.
func (h *harness) waitConsumed(ctx context.Context, st *postgres.Store, cs *consumers, ends map[string]map[int]int64) (time.Time, error) {
	var want, last int64
	for _, ps := range ends {
		for _, o := range ps {
			want += o
		}
	}
	progressed := time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case err := <-cs.errs:
			return time.Time{}, fmt.Errorf("bench: consumer: %w", err)
		case <-tick.C:
		}
		got, err := consumed(ctx, st, cs.group, ends)
		if err != nil {
			return time.Time{}, err
		}
		now := time.Now()
		if got >= want {
			return now, nil
		}
		if got > last {
			last, progressed = got, now
		} else if now.Sub(progressed) > stallTimeout {
			return time.Time{}, fmt.Errorf("%w for %s: %d of %d messages consumed", errStalled, stallTimeout, got, want)
		}
	}
}

// consumed is how many messages of ends group has recorded: the sum over
// the partitions of their stored next offsets, each capped at its end.
func consumed(ctx context.Context, st *postgres.Store, group string, ends map[string]map[int]int64) (int64, error) {
	rows, err := st.DB().QueryContext(ctx, `SELECT topic, partition, next_offset FROM consumer_offsets WHERE group_id = $1`, group)
	if err != nil {
		return 0, fmt.Errorf("bench: offsets: %w", err)
	}
	defer rows.Close()
	var got int64
	for rows.Next() {
		var topic string
		var p int
		var next int64
		if err := rows.Scan(&topic, &p, &next); err != nil {
			return 0, fmt.Errorf("bench: offsets: %w", err)
		}
		if end, ok := ends[topic][p]; ok {
			got += min(next, end)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("bench: offsets: %w", err)
	}
	return got, nil
}

// ingestResult is one ingest run.
type ingestResult struct {
	seconds, startup float64
	noticesPerS      float64
	cpu              cpuTimes // used while the consumers ran
}

// ingest records the events of w, already on ts, with instances consumers
// per topic in a fresh database whose notices are created first, and
// checks the outcome: every fresh event stored once and paying its notice,
// nothing of the poison.
func (h *harness) ingest(ctx context.Context, purpose string, w *Workload, ts topics, instances int) (ingestResult, error) {
	var res ingestResult
	db, err := h.database(ctx, purpose)
	if err != nil {
		return res, err
	}
	defer db.drop()
	if res.noticesPerS, err = createNotices(ctx, db.store, w); err != nil {
		return res, err
	}
	ends, err := h.ends(ctx, ts)
	if err != nil {
		return res, err
	}
	h.log.Info("ingest", "purpose", purpose, "events", w.Len(), "partitions", ts.partitions, "instances", instances)
	began := time.Now()
	cpu := readCPU(ctx, db.store)
	cs, err := h.startConsumers(ctx, db.store, ts, "bench-"+h.run+"-"+purpose, instances, nil)
	if err != nil {
		return res, err
	}
	done, err := h.waitConsumed(ctx, db.store, cs, ends)
	res.cpu = readCPU(ctx, db.store).sub(cpu)
	cs.close()
	if err != nil {
		return res, err
	}
	first := time.Unix(0, cs.first.Load())
	res.seconds = done.Sub(first).Seconds()
	res.startup = first.Sub(began).Seconds()
	return res, h.checkIngested(ctx, db.store, w)
}

// checkIngested: the store holds one payment and one allocation per fresh
// event, every notice is paid, and nothing else.
func (h *harness) checkIngested(ctx context.Context, st *postgres.Store, w *Workload) error {
	var payments, allocs, paid int
	if err := st.DB().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM payments), (SELECT count(*) FROM allocations),
		(SELECT count(*) FROM notices WHERE status = $1)`, string(payment.NoticePaid)).Scan(&payments, &allocs, &paid); err != nil {
		return fmt.Errorf("bench: check: %w", err)
	}
	if want := w.Notices(); payments != want || allocs != want || paid != want {
		return fmt.Errorf("bench: check: %d payments, %d allocations, %d notices paid; want %d of each", payments, allocs, paid, want)
	}
	return nil
}
