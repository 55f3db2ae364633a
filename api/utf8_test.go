package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/api"
)

func TestInvalidUTF8(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		field      string // "" when the body is clean
	}{
		{"clean", `{"notice_id":"TB-1","payer_name":"Nguyễn Văn An"}`, ""},
		{"clean escapes", `{"a":"\u00e9\n\"\\","b":"\ud83d\ude00"}`, ""},
		{"literal U+FFFD is text", "{\"a\":\"\uFFFD\",\"b\":\"\\ufffd\\uFFFD\"}", ""},
		{"escaped backslash then u", `{"a":"\\udc00"}`, ""},
		{"not JSON", "{\"a\":\xff", ""},
		{"top-level field", "{\"notice_id\":\"TB-\xff1\"}", "notice_id"},
		{"second field", "{\"notice_id\":\"TB-1\",\"payer_name\":\"Nguy\xc3n\"}", "payer_name"},
		{"truncated sequence", "{\"agency_code\":\"H29\xe1\x80\"}", "agency_code"},
		{"overlong encoding", "{\"treasury_account\":\"\xc0\xaf\"}", "treasury_account"},
		{"encoded surrogate", "{\"notice_id\":\"\xed\xa0\x80\"}", "notice_id"},
		{"item field", "{\"items\":[{\"fee_type\":\"ok\"},{\"amount\":{\"amount\":\"1\"},\"fee_type\":\"l\xe9 ph\xed\"}]}", "items[1].fee_type"},
		{"nested object", "{\"amount\":{\"currency\":\"VN\xffD\"}}", "amount.currency"},
		{"after nested", "{\"amount\":{\"currency\":\"VND\"},\"payer_name\":\"\xff\"}", "payer_name"},
		{"array of strings", "{\"c\":[\"a\",\"b\",\"\xff\"]}", "c[2]"},
		{"field name", "{\"notice\xff_id\":\"TB-1\"}", "(a field name)"},
		{"nested field name", "{\"items\":[{\"fee\xff\":\"x\"}]}", "items[0] (a field name)"},
		{"lone high surrogate", `{"notice_id":"TB-\ud800"}`, "notice_id"},
		{"lone low surrogate", `{"resolution":"x\udc00y"}`, "resolution"},
		{"high then not low", `{"by":"\ud800\u0041"}`, "by"},
		{"bare string", "\"\xff\"", "(the body)"},
		{"resolution", "{\"resolution\":\"ho\xe0n ti\xe1\xbb\",\"by\":\"an\"}", "resolution"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			field, found := api.InvalidUTF8([]byte(tc.body))
			if found != (tc.field != "") || field != tc.field {
				t.Errorf("InvalidUTF8(%q) = %q, %v; want %q", tc.body, field, found, tc.field)
			}
		})
	}
}

// Invalid UTF-8 anywhere is a 400 naming the field, on both backends; two
// different invalid ids are both refused, so they cannot collide.
func TestInvalidUTF8IsRefused(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		good := b.do(http.MethodPost, "/v1/notices", sys, noticeBody("TB-U1", "10000")).want(t, http.StatusCreated).view(t)
		for _, tc := range []struct {
			name, method, path, body, field string
		}{
			{"notice id", http.MethodPost, "/v1/notices", noticeBody("TB-\xff", "10000"), "notice_id"},
			{"another notice id", http.MethodPost, "/v1/notices", noticeBody("TB-\xfe", "10000"), "notice_id"},
			{"lone surrogate id", http.MethodPost, "/v1/notices", noticeBody(`TB-\udc00`, "10000"), "notice_id"},
			{"payer", http.MethodPost, "/v1/notices", strings.Replace(noticeBody("TB-U2", "10000"), "Nguyen", "Nguy\xe1n", 1), "payer_name"},
			{"agency", http.MethodPost, "/v1/notices", strings.Replace(noticeBody("TB-U3", "10000"), "H40.01", "H40\xff", 1), "agency_code"},
			{"item", http.MethodPost, "/v1/notices", noticeBody("TB-U4", "10000",
				"\"items\":[{\"fee_type\":\"l\xe9 ph\xed\",\"amount\":{\"amount\":\"10000\",\"currency\":\"VND\"}}]"), "items[0].fee_type"},
			{"amend", http.MethodPut, "/v1/notices/TB-U1", strings.Replace(noticeBody("TB-U1", "10000"), "Nguyen", "\xc3", 1), "payer_name"},
			{"cancel reason", http.MethodPost, "/v1/notices/TB-U1/cancel", "{\"reason\":\"h\xe1y\"}", "reason"},
			{"path id", http.MethodGet, "/v1/notices/TB-%FF", "", "id in path"},
			{"path id of qr", http.MethodGet, "/v1/notices/%C3/qr", "", "id in path"},
			{"exception id", http.MethodPost, "/v1/exceptions/%FF/resolve", `{"resolution":"x"}`, "id in path"},
			{"resolution", http.MethodPost, "/v1/exceptions/x/resolve", "{\"resolution\":\"\xff\",\"by\":\"an\"}", "resolution"},
			{"resolver", http.MethodPost, "/v1/exceptions/x/resolve", "{\"resolution\":\"ok\",\"by\":\"\xff\"}", "by"},
			{"query value", http.MethodGet, "/v1/exceptions?after=%FF", "", "query parameter after"},
			{"query name", http.MethodGet, "/v1/outbox?%FF=1", "", "a query parameter name"},
		} {
			caller := sys // operator routes take an operator's key
			if strings.HasPrefix(tc.path, "/v1/exceptions") || strings.HasPrefix(tc.path, "/v1/outbox") {
				caller = op
			}
			r := b.do(tc.method, tc.path, caller, tc.body)
			if r.code != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400: %s", tc.name, r.code, r.body)
				continue
			}
			e := r.apiError(t)
			if e.Message != "invalid UTF-8" || len(e.Details) != 1 || !strings.HasPrefix(e.Details[0], tc.field+": ") {
				t.Errorf("%s: error %q %q, want the field %q named", tc.name, e.Message, e.Details, tc.field)
			}
		}
		// Nothing was stored or changed: the good notice is as it was and
		// no replacement-character id exists.
		if got := b.do(http.MethodGet, "/v1/notices/TB-U1", sys, "").want(t, http.StatusOK).view(t); got.Version != good.Version || got.Status != good.Status {
			t.Errorf("the notice changed: %+v", got)
		}
		b.do(http.MethodGet, "/v1/notices/TB-%EF%BF%BD", sys, "").want(t, http.StatusNotFound)
	})
}
