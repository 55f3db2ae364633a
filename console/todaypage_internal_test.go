package console

import (
	"testing"

	"github.com/feerecon/feerecon/store"
)

// What an outbox message is about, from its payload; a payload of another
// shape is about nothing known, so only who sees every agency counts it.
func TestAbout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind                    store.OutboxKind
		payload                 string
		subject, notice, agency string
	}{
		{store.OutboxConfirmation, `{"system":"dvc","notice_id":"TB/1"}`, "dvc/TB/1", "dvc TB/1", ""},
		{store.OutboxConfirmationKafka, `{"system":"dvc","notice_id":"TB-2"}`, "dvc/TB-2", "dvc TB-2", ""},
		{store.OutboxConfirmation, `{"system":"dvc"}`, "", "", ""},
		{store.OutboxReport, `{"business_date":"2026-11-26","agency":"H40.01","sha256":"ab"}`, "2026-11-26/H40.01", "", "H40.01"},
		{store.OutboxReportKafka, `{"business_date":"2026-11-26","agency":"ALL","sha256":"ab"}`, "2026-11-26/ALL", "", "ALL"},
		{store.OutboxReport, `not json`, "", "", ""},
		{store.OutboxReport, `{"system":"dvc","notice_id":"TB-2"}`, "", "", ""},
	} {
		subject, notice, agency := about(store.OutboxMessage{Kind: tc.kind, Payload: []byte(tc.payload)})
		n := ""
		if notice != nil {
			n = notice.System + " " + notice.ID
		}
		if subject != tc.subject || n != tc.notice || agency != tc.agency {
			t.Errorf("%s %s: %q, notice %q, agency %q", tc.kind, tc.payload, subject, n, agency)
		}
	}
}
