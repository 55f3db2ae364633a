package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/lib/pq"

	"github.com/feerecon/feerecon/store"
)

// ---- consumer offsets (store.ConsumerOffsets, migration 0014) and savepoints

func (t *tx) LockConsumerOffsets(ctx context.Context, group, topic string, partitions []int) (map[int]int64, error) {
	parts := slices.Sorted(slices.Values(partitions))
	parts = slices.Compact(parts)
	ps := make([]int64, len(parts))
	for i, p := range parts {
		ps[i] = int64(p)
	}
	// A partition without a row gets one at 0 (nothing handled), so that
	// there is a row to lock; rows are created and locked in partition
	// order.
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO consumer_offsets (group_id, topic, partition, next_offset)
		SELECT $1, $2, p, 0 FROM unnest($3::int[]) AS p ORDER BY p ON CONFLICT DO NOTHING`, group, topic, pq.Array(ps)); err != nil {
		return nil, fmt.Errorf("consumer offsets %s %s: %w", group, topic, mapErr(err))
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT partition, next_offset FROM consumer_offsets
		WHERE group_id=$1 AND topic=$2 AND partition = ANY($3::int[]) ORDER BY partition FOR UPDATE`, group, topic, pq.Array(ps))
	if err != nil {
		return nil, fmt.Errorf("lock consumer offsets %s %s: %w", group, topic, mapErr(err))
	}
	defer rows.Close()
	out := make(map[int]int64, len(parts))
	for rows.Next() {
		var p int
		var next int64
		if err := rows.Scan(&p, &next); err != nil {
			return nil, fmt.Errorf("lock consumer offsets %s %s: %w", group, topic, err)
		}
		out[p] = next
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lock consumer offsets %s %s: %w", group, topic, mapErr(err))
	}
	return out, nil
}

func (t *tx) StoreConsumerOffsets(ctx context.Context, group, topic string, next map[int]int64) error {
	if group == "" || topic == "" {
		return fmt.Errorf("consumer offsets of group %q topic %q: %w", group, topic, store.ErrConflict)
	}
	parts := slices.Sorted(func(yield func(int) bool) {
		for p := range next {
			if !yield(p) {
				return
			}
		}
	})
	ps, offs := make([]int64, len(parts)), make([]int64, len(parts))
	for i, p := range parts {
		if p < 0 || next[p] < 0 {
			return fmt.Errorf("consumer offset %s/%d at %d: %w", topic, p, next[p], store.ErrConflict)
		}
		ps[i], offs[i] = int64(p), next[p]
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO consumer_offsets (group_id, topic, partition, next_offset)
		SELECT $1, $2, p, o FROM unnest($3::int[], $4::bigint[]) AS v(p, o) ORDER BY p
		ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = excluded.next_offset, updated_at = now()
		WHERE consumer_offsets.next_offset <= excluded.next_offset`, group, topic, pq.Array(ps), pq.Array(offs))
	if err != nil {
		return fmt.Errorf("store consumer offsets %s %s: %w", group, topic, mapErr(err))
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(len(parts)) {
		return fmt.Errorf("consumer offsets %s %s: a position would move back: %w", group, topic, store.ErrConflict)
	}
	return nil
}

// Nested is a SAVEPOINT: fn's statements are rolled back to it when fn
// fails, and the audit entries fn queued are dropped with them.
func (t *tx) Nested(ctx context.Context, fn func() error) error {
	t.savepoints++
	name := fmt.Sprintf("feerecon_sp%d", t.savepoints)
	if _, err := t.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("savepoint: %w", mapErr(err))
	}
	// The queue as it was: a flush inside the savepoint (a read of the
	// chain) wrote entries queued before it, and the rollback undoes those
	// writes too.
	audit, locked := slices.Clone(t.audit), t.auditLocked
	if err := fn(); err != nil {
		if _, rerr := t.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return fmt.Errorf("%w (and the rollback to its savepoint failed: %w)", err, mapErr(rerr))
		}
		// A lock taken inside the savepoint may be gone with it: take it
		// again at the next flush if need be.
		t.audit, t.auditLocked = audit, locked
		return err
	}
	if _, err := t.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return fmt.Errorf("release savepoint: %w", mapErr(err))
	}
	return nil
}
