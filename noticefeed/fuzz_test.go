package noticefeed_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/feerecon/feerecon/noticefeed"
)

// FuzzDecode: Decode never panics, refuses only with ErrMalformed, and what
// it accepts survives Marshal and Decode again unchanged.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"action":"create","system":"dvc","notice_id":"A","notice":{"notice_id":"A","amount":{"amount":"150000","currency":"VND"}}}`,
		`{"action":"amend","system":"dvc","notice_id":"A","notice":{"payer_name":"x"}}`,
		`{"action":"cancel","system":"dvc","notice_id":"A","reason":"withdrawn"}`,
		`{"action":"cancel","system":"dvc","notice_id":"A","notice":null}`,
		`{"action":"delete"}`,
		`[]`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := noticefeed.Decode(b)
		if err != nil {
			if !errors.Is(err, noticefeed.ErrMalformed) {
				t.Fatalf("error not ErrMalformed: %v", err)
			}
			return
		}
		out, err := noticefeed.Marshal(e)
		if err != nil {
			t.Fatalf("Marshal of a decoded event: %v", err)
		}
		e2, err := noticefeed.Decode(out)
		if err != nil {
			t.Fatalf("Decode(Marshal(e)): %v\n%s", err, out)
		}
		if e2.Action != e.Action || e2.System != e.System || e2.NoticeID != e.NoticeID || e2.Reason != e.Reason {
			t.Fatalf("round trip changed the event: %+v -> %+v", e, e2)
		}
		var a, c bytes.Buffer
		if len(e.Notice) > 0 && (json.Compact(&a, e.Notice) != nil || json.Compact(&c, e2.Notice) != nil || !bytes.Equal(a.Bytes(), c.Bytes())) {
			t.Fatalf("round trip changed the notice: %s -> %s", e.Notice, e2.Notice)
		}
		if string(e.Key()) != e.System+"/"+e.NoticeID {
			t.Fatalf("Key = %q", e.Key())
		}
	})
}
