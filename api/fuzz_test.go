package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"unicode/utf8"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/store/memory"
)

// FuzzCreateNotice: whatever body a system posts, the API answers with a
// client status or creates a notice that reads back the same; it never
// panics and never answers 500. Corpus: testdata/fuzz/FuzzCreateNotice.
func FuzzCreateNotice(f *testing.F) {
	f.Add(noticeBody("F-1", "150000"))
	f.Add(noticeBody("F-1", "150000.5"))
	f.Add(noticeBody("F-1", "1e5"))
	f.Add(noticeBody("F-1", "150000", `"items":[{"fee_type":"x","amount":{"amount":"150000","currency":"VND"},"budget_chapter":"018","budget_subitem":"2752"}]`))
	f.Add(`{"notice_id":"F-2","amount":{"amount":150000,"currency":"VND"}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		b := setup(t, memory.New())
		r := b.do("POST", "/v1/notices", sys, body)
		switch r.code {
		case http.StatusCreated:
			v := r.view(t)
			g := b.do("GET", v.Links.Self, sys, "").want(t, http.StatusOK).view(t)
			if g.Code != v.Code || !g.Total.Equal(v.Total) || g.Version != 1 {
				t.Fatalf("read back %+v, created %+v", g, v)
			}
			if again := b.do("POST", "/v1/notices", sys, body); again.code != http.StatusOK {
				t.Fatalf("replay of an accepted body: %d %s", again.code, again.body)
			}
		case http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge:
			r.apiError(t)
		default:
			t.Fatalf("status %d for %q: %s", r.code, body, r.body)
		}
	})
}

// InvalidUTF8 never panics, names a field whenever it finds one, finds
// nothing in clean text without escapes, and never passes a JSON body
// that holds invalid UTF-8.
func FuzzInvalidUTF8(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, "{\"a\":\"\xff\"}", `{"a":"\udc00"}`, `{"a":["\ud800\udc00",{"b\u00e9":1}]}`, "{\"\xff\":1}", `[`, `"\\u"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		field, found := api.InvalidUTF8(body)
		if found && field == "" {
			t.Fatalf("found with no field name in %q", body)
		}
		if !found && json.Valid(body) && !utf8.Valid(body) {
			t.Fatalf("invalid UTF-8 passed: %q", body)
		}
		if found && utf8.Valid(body) && !bytes.Contains(body, []byte(`\u`)) {
			t.Fatalf("clean text refused (%s): %q", field, body)
		}
	})
}
