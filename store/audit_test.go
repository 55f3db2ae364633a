package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/feerecon/feerecon/store"
)

// chainOf builds a chain of n entries as a backend would.
func chainOf(n int) []store.AuditRecord {
	var head store.AuditRecord
	rs := make([]store.AuditRecord, n)
	at := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	for i := range rs {
		head = store.ChainNext(head, store.AuditEntry{At: at.Add(time.Duration(i) * time.Second), Actor: store.ActorEngine,
			Action: store.AuditPaymentDecide, Entity: store.PaymentEntity("momo:" + string(rune('a'+i))), Detail: []byte(`{"n":1}`)})
		rs[i] = head
	}
	return rs
}

// verify runs the verifier from seq from over rs and returns the first
// broken seq (0 when intact).
func verify(from int64, rs []store.AuditRecord) int64 {
	v := store.NewAuditVerifier(from)
	for _, r := range rs {
		if err := v.Next(r); err != nil {
			var b *store.BrokenChainError
			if !errors.As(err, &b) || !errors.Is(err, store.ErrAuditBroken) {
				panic(err)
			}
			return b.Seq
		}
	}
	return 0
}

// The verifier names the first broken seq for each way a chain can be
// tampered with, and accepts an intact one (also from a later seq).
func TestAuditVerifierNamesTheFirstBrokenSeq(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		from   int64
		tamper func(rs []store.AuditRecord) []store.AuditRecord
		want   int64
	}{
		{"intact", 1, func(rs []store.AuditRecord) []store.AuditRecord { return rs }, 0},
		{"intact from seq 3", 3, func(rs []store.AuditRecord) []store.AuditRecord { return rs[2:] }, 0},
		{"column changed", 1, func(rs []store.AuditRecord) []store.AuditRecord {
			rs[2].Detail = []byte(`{"n":2}`)
			return rs
		}, 3},
		{"actor changed", 1, func(rs []store.AuditRecord) []store.AuditRecord {
			rs[1].Actor = "mallory"
			return rs
		}, 2},
		{"bytes and hash rewritten", 1, func(rs []store.AuditRecord) []store.AuditRecord {
			rs[2].Detail = []byte(`{"n":2}`)
			rs[2].Canonical = store.AuditCanonical(rs[2].AuditEntry)
			rs[2].Hash = store.AuditHash(rs[2].PrevHash, rs[2].Canonical)
			return rs
		}, 4},
		{"hash changed", 1, func(rs []store.AuditRecord) []store.AuditRecord {
			rs[3].Hash = append([]byte(nil), rs[2].Hash...)
			return rs
		}, 4},
		{"entry missing", 1, func(rs []store.AuditRecord) []store.AuditRecord { return append(rs[:1], rs[2:]...) }, 2},
		{"first entry missing", 1, func(rs []store.AuditRecord) []store.AuditRecord { return rs[1:] }, 1},
		{"out of order", 1, func(rs []store.AuditRecord) []store.AuditRecord {
			rs[1], rs[2] = rs[2], rs[1]
			return rs
		}, 2},
		{"not from genesis", 1, func(rs []store.AuditRecord) []store.AuditRecord {
			rs[0].PrevHash = rs[1].Hash
			rs[0].Hash = store.AuditHash(rs[0].PrevHash, rs[0].Canonical)
			return rs
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := verify(tt.from, tt.tamper(chainOf(5))); got != tt.want {
				t.Errorf("first broken seq %d, want %d", got, tt.want)
			}
		})
	}
}

func TestAuditLinkRoundTrip(t *testing.T) {
	t.Parallel()
	l := chainOf(2)[1].Link()
	got, err := store.ParseAuditLink(l.String())
	if err != nil || got != l {
		t.Fatalf("ParseAuditLink(%q) = %v, %v", l, got, err)
	}
	for _, bad := range []string{"", "2", "0:" + l.Hash, "x:" + l.Hash, "2:abc", "2:" + l.Hash + "00"} {
		if _, err := store.ParseAuditLink(bad); err == nil {
			t.Errorf("ParseAuditLink(%q) accepted", bad)
		}
	}
}
