package memory

import (
	"context"
	"fmt"
	"slices"

	"github.com/feerecon/feerecon/store"
)

// ---- consumer offsets (store.ConsumerOffsets) and savepoints

type offsetKey struct {
	group, topic string
	partition    int
}

// LockConsumerOffsets needs no lock of its own: a transaction holds the
// whole store.
func (t *tx) LockConsumerOffsets(_ context.Context, group, topic string, partitions []int) (map[int]int64, error) {
	out := make(map[int]int64, len(partitions))
	for _, p := range partitions {
		out[p] = t.s.offsets[offsetKey{group, topic, p}]
	}
	return out, nil
}

func (t *tx) StoreConsumerOffsets(_ context.Context, group, topic string, next map[int]int64) error {
	if group == "" || topic == "" {
		return fmt.Errorf("consumer offsets of group %q topic %q: %w", group, topic, store.ErrConflict)
	}
	parts := make([]int, 0, len(next))
	for p := range next {
		parts = append(parts, p)
	}
	slices.Sort(parts)
	for _, p := range parts {
		k, off := offsetKey{group, topic, p}, next[p]
		if p < 0 || off < 0 {
			return fmt.Errorf("consumer offset %s/%d at %d: %w", topic, p, off, store.ErrConflict)
		}
		if old, ok := t.s.offsets[k]; ok && off < old {
			return fmt.Errorf("consumer offset %s/%d back from %d to %d: %w", topic, p, old, off, store.ErrConflict)
		}
		setMap(t, t.s.offsets, k, off)
	}
	return nil
}

// Nested undoes, when fn fails, the changes fn made: those journalled
// after the mark.
func (t *tx) Nested(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	mark := len(t.undo)
	if err := fn(); err != nil {
		for i := len(t.undo) - 1; i >= mark; i-- {
			t.undo[i]()
		}
		t.undo = t.undo[:mark]
		return err
	}
	return nil
}
