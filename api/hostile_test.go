package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/hostile"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/storetest"
)

// hostileBudget bounds each case: a case that has not answered by then
// hangs, which is a failure (not a timing assertion: a right answer takes
// milliseconds).
const hostileBudget = 20 * time.Second

// apiCase is one row of the API's hostile-input catalogue.
type apiCase struct {
	name                 hostile.Case
	label                string
	method, path, caller string
	body                 string
	// want is the status; wantErr a part of the error message.
	want    int
	wantErr string
	// stores: the input is accepted (its text verbatim); check reads it back.
	stores bool
	check  func(t *testing.T, b bundle, r resp)
	// audited: a refusal that is audited by design (a failed login), so
	// the audit log may grow; nothing else may change.
	audited bool
}

// withField is noticeBody for id with one field replaced by raw JSON.
func withField(id, field, raw string) string {
	body := noticeBody(id, "150000")
	i := strings.Index(body, `"`+field+`":`)
	if i < 0 {
		return body[:len(body)-1] + `,"` + field + `":` + raw + "}"
	}
	j := i + len(field) + 3
	end := j
	depth := 0
	for ; end < len(body); end++ {
		switch c := body[end]; {
		case c == '{':
			depth++
		case c == '}' && depth > 0:
			depth--
		case (c == ',' || c == '}') && depth == 0:
			return body[:j] + raw + body[end:]
		}
	}
	return body
}

func amount(s string) string { return `{"amount":` + s + `,"currency":"VND"}` }

func hostileAPICases() []apiCase {
	const path = "/v1/notices"
	stored := noticeBody("H-1", "150000")
	amend := "/v1/notices/H-1"
	sqlNotice := noticeBody(hostile.SQL, "150000", `"items":[{"fee_type":"`+hostile.SQL+`","amount":{"amount":"150000","currency":"VND"},"budget_chapter":"018","budget_subitem":"2752"}]`)
	sqlNotice = strings.Replace(sqlNotice, `"payer_name":"Nguyen Van A"`, `"payer_name":"`+hostile.SQL+`"`, 1)
	var cs []apiCase
	// Every refusal of a notice body is tried on POST and on PUT of the
	// stored notice H-1: neither may change it.
	for _, c := range []apiCase{
		{name: hostile.OversizedBody, body: withField("H-2", "payer_name", `"`+strings.Repeat("A", 70<<10)+`"`), want: 413, wantErr: "request body above 65536 bytes"},
		{name: hostile.InvalidUTF8, body: withField("H-1", "payer_name", `"`+hostile.BadUTF8+`"`), want: 400, wantErr: "invalid UTF-8"},
		{name: hostile.InvalidUTF8, label: "lone-surrogate", body: withField("H-1", "payer_name", `"\udc00"`), want: 400, wantErr: "invalid UTF-8"},
		{name: hostile.DeepJSON, label: "within-limit", body: withField("H-1", "items", hostile.DeepJSONValue(5000)), want: 400, wantErr: "malformed JSON"},
		{name: hostile.DeepJSON, label: "beyond-decoder-depth", body: withField("H-1", "items", hostile.DeepJSONValue(20000)), want: 400, wantErr: "malformed JSON"},
		{name: hostile.SQLInjection, label: "dossier_code", body: withField("H-1", "dossier_code", `"`+hostile.SQL+`"`), want: 422, wantErr: "invalid notice"},
		{name: hostile.SQLInjection, label: "agency_code", body: withField("H-1", "agency_code", `"`+hostile.SQL+`"`), want: 422, wantErr: "invalid notice"},
		{name: hostile.SQLInjection, label: "treasury_account", body: withField("H-1", "treasury_account", `"`+hostile.SQL+`"`), want: 422, wantErr: "invalid notice"},
		{name: hostile.SQLInjection, label: "amount", body: withField("H-1", "amount", amount(`"`+hostile.SQL+`"`)), want: 422, wantErr: "invalid amount"},
		{name: hostile.SQLInjection, label: "currency", body: withField("H-1", "amount", `{"amount":"150000","currency":"`+hostile.SQL+`"}`), want: 422, wantErr: "invalid amount"},
		{name: hostile.AmountHuge, body: withField("H-1", "amount", amount(`"`+hostile.HugeAmount+`"`)), want: 422, wantErr: "invalid notice"},
		{name: hostile.AmountNegative, body: withField("H-1", "amount", amount(`"-150000"`)), want: 422, wantErr: "invalid amount"},
		{name: hostile.AmountFractionalVND, body: withField("H-1", "amount", amount(`"150000.5"`)), want: 422, wantErr: "invalid amount"},
		{name: hostile.AmountExponent, body: withField("H-1", "amount", amount(`"1.5e5"`)), want: 422, wantErr: "invalid amount"},
		{name: hostile.AmountExponent, label: "json-number", body: withField("H-1", "amount", amount(`1.5e5`)), want: 400, wantErr: "malformed JSON"},
		{name: hostile.AmountThousands, label: "comma", body: withField("H-1", "amount", amount(`"150,000"`)), want: 422, wantErr: "invalid amount"},
		{name: hostile.AmountThousands, label: "dot", body: withField("H-1", "amount", amount(`"150.000"`)), want: 422, wantErr: "invalid amount"},
		{name: hostile.TimeFarPast, label: "year-1", body: withField("H-1", "issued_at", `"0001-01-01T00:00:00Z"`), want: 422, wantErr: "invalid notice"},
		{name: hostile.TimeFarPast, label: "year-1900", body: withField("H-1", "issued_at", `"1900-01-01T00:00:00Z"`), want: 422, wantErr: "invalid notice"},
		{name: hostile.TimeFarFuture, body: withField("H-1", "issued_at", `"9999-12-31T23:59:59Z"`), want: 422, wantErr: "invalid notice"},
		{name: hostile.TimeFarFuture, label: "due_at", body: withField("H-1", "due_at", `"9999-12-31T23:59:59Z"`), want: 422, wantErr: "invalid notice"},
		{name: hostile.TimeFarFuture, label: "year-10000", body: withField("H-1", "issued_at", `"10000-01-01T00:00:00Z"`), want: 400, wantErr: "malformed JSON"},
		{name: hostile.TimeLoose, body: withField("H-1", "issued_at", `"2026-01-01T0:00:00+07:00"`), want: 400, wantErr: "malformed JSON"},
		{name: hostile.TimeLoose, label: "due_at", body: withField("H-1", "due_at", `"2026-12-01T08:00:00.5+7:00"`), want: 400, wantErr: "malformed JSON"},
		{name: hostile.Empty, body: "", want: 400, wantErr: "empty request body"},
		{name: hostile.Empty, label: "object", body: "{}", want: 422, wantErr: "invalid notice"},
		{name: hostile.Truncated, body: stored[:len(stored)/2], want: 400, wantErr: "malformed JSON"},
	} {
		post := c
		post.body = strings.Replace(c.body, `"notice_id":"H-1"`, `"notice_id":"H-2"`, 1)
		post.method, post.path, post.caller, post.label = "POST", path, sys, strings.TrimPrefix(c.label+"/post", "/")
		put := c
		put.method, put.path, put.caller, put.label = "PUT", amend, sys, strings.TrimPrefix(c.label+"/put", "/")
		if c.name == hostile.OversizedBody {
			put.body = withField("H-1", "payer_name", `"`+strings.Repeat("A", 70<<10)+`"`)
		}
		cs = append(cs, post, put)
	}
	cs = append(cs,
		apiCase{name: hostile.DuplicateID, label: "post", method: "POST", path: path, caller: sys,
			body: noticeBody("H-1", "160000"), want: 409, wantErr: "exists with a different body"},
		apiCase{name: hostile.DuplicateID, label: "put-other-id", method: "PUT", path: amend, caller: sys,
			body: noticeBody("H-9", "160000"), want: 400, wantErr: "differs from the path"},
		apiCase{name: hostile.SQLInjection, label: "notice-path", method: "GET", path: "/v1/notices/" + url.PathEscape(hostile.SQL), caller: sys,
			want: 404, wantErr: "notice not found"},
		apiCase{name: hostile.SQLInjection, label: "exception-path", method: "POST", path: "/v1/exceptions/" + url.PathEscape(hostile.SQL) + "/resolve", caller: op,
			body: `{"resolution":"checked"}`, want: 404, wantErr: "exception not found"},
		apiCase{name: hostile.SQLInjection, label: "exceptions-query", method: "GET", path: "/v1/exceptions?status=" + url.QueryEscape(hostile.SQL), caller: op,
			want: 400},
		apiCase{name: hostile.InvalidUTF8, label: "resolution", method: "POST", path: exceptionPath(), caller: op,
			body: `{"resolution":"` + hostile.BadUTF8 + `"}`, want: 400, wantErr: "invalid UTF-8"},
		apiCase{name: hostile.OversizedBody, label: "resolution", method: "POST", path: exceptionPath(), caller: op,
			body: `{"resolution":"` + strings.Repeat("A", 3000) + `"}`, want: 422, wantErr: "invalid resolution"},
		apiCase{name: hostile.DeepJSON, label: "resolution", method: "POST", path: exceptionPath(), caller: op,
			body: `{"resolution":` + hostile.DeepJSONValue(20000) + `}`, want: 400, wantErr: "malformed JSON"},
		apiCase{name: hostile.Empty, label: "resolution", method: "POST", path: exceptionPath(), caller: op,
			want: 400, wantErr: "empty request body"},
		apiCase{name: hostile.Truncated, label: "resolution", method: "POST", path: exceptionPath(), caller: op,
			body: `{"resolution":"chec`, want: 400, wantErr: "malformed JSON"},
		apiCase{name: hostile.SQLInjection, label: "session-login", method: "POST", path: "/v1/session",
			body: `{"login":"` + hostile.SQL + `","password":"` + hostile.SQL + `"}`, want: 401, audited: true},
		apiCase{name: hostile.InvalidUTF8, label: "session-login", method: "POST", path: "/v1/session",
			body: `{"login":"` + hostile.BadUTF8 + `","password":"x"}`, want: 400, wantErr: "invalid UTF-8"},
		apiCase{name: hostile.OversizedBody, label: "session-login", method: "POST", path: "/v1/session",
			body: `{"login":"a","password":"` + strings.Repeat("p", 70<<10) + `"}`, want: 413},
		apiCase{name: hostile.DeepJSON, label: "session-login", method: "POST", path: "/v1/session",
			body: `{"login":` + hostile.DeepJSONValue(20000) + `}`, want: 400, wantErr: "malformed JSON"},
		apiCase{name: hostile.Truncated, label: "session-login", method: "POST", path: "/v1/session",
			body: `{"login":"ke.to`, want: 400, wantErr: "malformed JSON"},
		// Accepted, verbatim: SQL is text like any other, parameterised.
		apiCase{name: hostile.SQLInjection, label: "notice-text-fields", method: "POST", path: path, caller: sys,
			body: sqlNotice, want: 201, stores: true, check: func(t *testing.T, b bundle, r resp) {
				got := b.do("GET", r.view(t).Links.Self, sys, "").want(t, http.StatusOK).view(t)
				if got.ID != hostile.SQL || got.PayerName != hostile.SQL || len(got.Items) != 1 || got.Items[0].FeeType != hostile.SQL {
					t.Errorf("not stored verbatim: id %q payer %q items %+v", got.ID, got.PayerName, got.Items)
				}
			}},
		apiCase{name: hostile.SQLInjection, label: "resolution", method: "POST", path: exceptionPath(), caller: op,
			body: `{"resolution":"` + hostile.SQL + `"}`, want: 200, stores: true, check: func(t *testing.T, b bundle, _ resp) {
				var e reconcile.Exception
				if err := b.st.InTx(context.Background(), func(tx store.Tx) error {
					var err error
					e, err = tx.Exception(context.Background(), exceptionID())
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if e.Resolution != hostile.SQL {
					t.Errorf("resolution stored as %q", e.Resolution)
				}
			}},
	)
	return cs
}

func exceptionID() string {
	return reconcile.ExceptionID(reconcile.ExceptionMissingCredit, "stmt-h/1")
}

// exceptionPath is the resolve path of exceptionID.
func exceptionPath() string { return "/v1/exceptions/" + url.PathEscape(exceptionID()) + "/resolve" }

// TestHostileInput is the API's part of the hostile-input catalogue
// (RELIABILITY.md "Hostile input"): each case gets its 4xx and a typed
// error body, never a 5xx, a panic or a hang, and nothing stored changes
// unless the case is accepted by design (then its text is stored
// verbatim).
func TestHostileInput(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		ctx := context.Background()
		b.do("POST", "/v1/notices", sys, noticeBody("H-1", "150000")).want(t, http.StatusCreated)
		if err := b.st.InTx(ctx, func(tx store.Tx) error {
			return tx.UpsertException(ctx, reconcile.Exception{ID: exceptionID(), Kind: reconcile.ExceptionMissingCredit,
				StatementRef: "stmt-h/1", Amount: vnd(70000), CreatedAt: clock})
		}); err != nil {
			t.Fatal(err)
		}
		_ = b.key(op)
		for _, c := range hostileAPICases() {
			name := string(c.name)
			if c.label != "" {
				name += "/" + c.label
			}
			t.Run(name, func(t *testing.T) {
				before := storetest.Snapshot(t, b.st)
				done := make(chan resp, 1)
				go func() { done <- b.do(c.method, c.path, c.caller, c.body) }()
				var r resp
				select {
				case r = <-done:
				case <-time.After(hostileBudget):
					t.Fatalf("no answer within %s", hostileBudget)
				}
				if r.code != c.want {
					t.Fatalf("status %d, want %d: %.300s", r.code, c.want, r.body)
				}
				if r.code >= 400 {
					if e := r.apiError(t); !strings.Contains(e.Message+" "+strings.Join(e.Details, "; "), c.wantErr) {
						t.Errorf("error %q %q, want it to say %q", e.Message, e.Details, c.wantErr)
					}
				}
				after := storetest.Snapshot(t, b.st)
				if c.stores {
					c.check(t, b, r)
					return
				}
				changed := before.Changed(after)
				if c.audited && len(changed) == 1 && changed[0] == "audit" {
					return
				}
				if len(changed) > 0 {
					t.Errorf("refused input changed the store: %v", changed)
				}
			})
		}
	})
}
