package daily_test

import (
	"bytes"
	"testing"

	"github.com/feerecon/feerecon/reconcile/daily"
)

// Every report carries the audit head it was given, covered by its
// SHA-256; without one (the batch command) the field is absent; and a
// head alone never makes a new version: a re-run with nothing new but a
// later head says nothing new.
func TestReportCarriesTheAuditHead(t *testing.T) {
	t.Parallel()
	m := engineMatcher(t)
	d := loadDay(t)
	in := d.input(m, d.events, nowV1, nil)
	v1 := reconcileOK(t, in)
	for _, r := range v1.Reports {
		if r.AuditHead == nil || *r.AuditHead != *in.AuditHead {
			t.Fatalf("%s audit head %v, want %v", r.ID, r.AuditHead, in.AuditHead)
		}
		tampered := r
		tampered.AuditHead = &daily.AuditHead{Seq: r.AuditHead.Seq - 1, Hash: r.AuditHead.Hash}
		if err := tampered.Verify(); err == nil {
			t.Errorf("%s: a changed audit head still verifies: the SHA-256 does not cover it", r.ID)
		}
	}
	batch := in
	batch.AuditHead = nil
	for _, r := range reconcileOK(t, batch).Reports {
		b, err := r.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if r.AuditHead != nil || bytes.Contains(b, []byte(`"audit_head"`)) {
			t.Errorf("%s without an audit log carries an audit head", r.ID)
		}
	}
	again := d.input(m, d.events, nowV2, v1.Reports)
	again.AuditHead = &daily.AuditHead{Seq: in.AuditHead.Seq + 10, Hash: "0000000000000000000000000000000000000000000000000000000000000001"}
	for _, r := range reconcileOK(t, again).Reports {
		if r.Diff == nil || !r.Diff.Empty() {
			t.Errorf("%s: a later audit head alone made a version with diff %+v", r.ID, r.Diff)
		}
	}
}
