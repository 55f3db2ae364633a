package conformance

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// testConsumerOffsets: positions start at 0, move forward only, are kept
// per (group, topic, partition), and roll back with their transaction.
func testConsumerOffsets(t *testing.T, s store.Store) {
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.LockConsumerOffsets(ctx, "g", "payments.raw.vietqr", []int{2, 0, 2})
		if err != nil || fmt.Sprint(got) != "map[0:0 2:0]" {
			t.Errorf("fresh positions: %v %v", got, err)
		}
		must(t, tx.StoreConsumerOffsets(ctx, "g", "payments.raw.vietqr", map[int]int64{0: 10, 2: 7}))
		return nil
	})
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.LockConsumerOffsets(ctx, "g", "payments.raw.vietqr", []int{0, 1, 2})
		if err != nil || fmt.Sprint(got) != "map[0:10 1:0 2:7]" {
			t.Errorf("stored positions: %v %v", got, err)
		}
		// Another group and another topic have their own.
		other, err := tx.LockConsumerOffsets(ctx, "h", "payments.raw.vietqr", []int{0})
		if err != nil || fmt.Sprint(other) != "map[0:0]" {
			t.Errorf("another group: %v %v", other, err)
		}
		other, err = tx.LockConsumerOffsets(ctx, "g", "payments.raw.momo", []int{0})
		if err != nil || fmt.Sprint(other) != "map[0:0]" {
			t.Errorf("another topic: %v %v", other, err)
		}
		// The same position again is fine; back is refused.
		must(t, tx.StoreConsumerOffsets(ctx, "g", "payments.raw.vietqr", map[int]int64{0: 10}))
		return nil
	})
	for _, bad := range []struct {
		group string
		next  map[int]int64
	}{
		{"g", map[int]int64{0: 9}},
		{"g", map[int]int64{0: 11, 2: 6}},
		{"g", map[int]int64{-1: 1}},
		{"g", map[int]int64{1: -1}},
		{"", map[int]int64{0: 1}},
	} {
		err := s.InTx(ctx, func(tx store.Tx) error {
			return tx.StoreConsumerOffsets(ctx, bad.group, "payments.raw.vietqr", bad.next)
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("store %q %v: %v, want ErrConflict", bad.group, bad.next, err)
		}
	}
	boom := errors.New("boom")
	if err := s.InTx(ctx, func(tx store.Tx) error {
		must(t, tx.StoreConsumerOffsets(ctx, "g", "payments.raw.vietqr", map[int]int64{0: 50}))
		return boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.LockConsumerOffsets(ctx, "g", "payments.raw.vietqr", []int{0, 2})
		if err != nil || fmt.Sprint(got) != "map[0:10 2:7]" {
			t.Errorf("after a rollback (and refused moves): %v %v", got, err)
		}
		return nil
	})
}

// testNested: a failing Nested undoes what it did, payments and audit
// entries alike (also entries written by a read of the chain inside it),
// and the transaction goes on; a succeeding one keeps its changes.
func testNested(t *testing.T, s store.Store) {
	kept := Payment(payment.GatewayVietQR, "KEPT", 10_000, base)
	undone := Payment(payment.GatewayVietQR, "UNDONE", 20_000, base)
	after := Payment(payment.GatewayVietQR, "AFTER", 30_000, base)
	audit := func(tx store.Tx, entity string) error {
		return tx.AppendAudit(ctx, store.AuditEntry{At: base, Actor: "t", Action: "x", Entity: entity})
	}
	boom := errors.New("boom")
	inTx(t, s, func(tx store.Tx) error {
		must(t, audit(tx, "before"))
		must(t, tx.Nested(ctx, func() error {
			must(t, tx.InsertPayment(ctx, kept))
			return audit(tx, "kept")
		}))
		err := tx.Nested(ctx, func() error {
			must(t, tx.InsertPayment(ctx, undone))
			must(t, audit(tx, "undone"))
			// A read of the chain writes the queued entries, "before"
			// and "kept" among them; the rollback must not lose those.
			if _, err := tx.AuditTrail(ctx, "undone"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Errorf("Nested = %v, want boom", err)
		}
		// A failed statement inside it leaves the transaction usable too.
		err = tx.Nested(ctx, func() error { return tx.InsertPayment(ctx, kept) })
		if !errors.Is(err, store.ErrAlreadyExists) {
			t.Errorf("Nested insert again = %v, want ErrAlreadyExists", err)
		}
		must(t, tx.InsertPayment(ctx, after))
		return audit(tx, "after")
	})
	inTx(t, s, func(tx store.Tx) error {
		for _, c := range []struct {
			p    payment.Payment
			want bool
		}{{kept, true}, {undone, false}, {after, true}} {
			_, err := tx.Payment(ctx, c.p.ID)
			if got := err == nil; got != c.want {
				t.Errorf("payment %s stored %v, want %v (%v)", c.p.ID, got, c.want, err)
			}
		}
		return nil
	})
	var entities []string
	for _, r := range chain(t, s) {
		entities = append(entities, r.Entity)
	}
	if fmt.Sprint(entities) != "[before kept after]" {
		t.Errorf("audit chain %v, want [before kept after]", entities)
	}
}

// testConsumerOffsetsSerialise: a second transaction locking a partition
// another holds waits for it and reads the position it stored, so two
// instances given the same messages (a zombie after a rebalance) cannot
// both record them.
func testConsumerOffsetsSerialise(t *testing.T, s store.Store) {
	locked, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.InTx(ctx, func(tx store.Tx) error {
			if _, err := tx.LockConsumerOffsets(ctx, "g", "t", []int{3}); err != nil {
				return err
			}
			close(locked)
			<-release
			return tx.StoreConsumerOffsets(ctx, "g", "t", map[int]int64{3: 100})
		})
	}()
	select {
	case <-locked:
	case err := <-done:
		t.Fatalf("first transaction: %v", err)
	}
	second := make(chan map[int]int64, 1)
	go func() {
		var got map[int]int64
		err := s.InTx(ctx, func(tx store.Tx) error {
			var err error
			got, err = tx.LockConsumerOffsets(ctx, "g", "t", []int{3})
			return err
		})
		if err != nil {
			t.Error(err)
		}
		second <- got
	}()
	// Let the second reach its lock before the first stores and commits
	// (were the lock missing, it would read 0 meanwhile).
	time.Sleep(100 * time.Millisecond)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := <-second; got[3] != 100 {
		t.Errorf("the second transaction read %v, want the first's 100", got)
	}
}
