package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/apikey"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/vietqr"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
	"github.com/feerecon/feerecon/store/postgres/pgtest"
)

const (
	sys = "dvc-hanoi"
	// op is the operator whose key tests call the operator routes with.
	op           = "ke.toan"
	collAcct     = "0071000123456"
	treasuryAcct = "3511.0.1055555"
	otherAcct    = "119000999888"
)

var clock = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

// backends are the stores every scenario runs against.
var backends = []struct {
	name string
	open func(t *testing.T) store.Store
}{
	{"memory", func(*testing.T) store.Store { return memory.New() }},
	{"postgres", func(t *testing.T) store.Store { return pgtest.Store(t) }}, // skips outside CI without a server
}

type bundle struct {
	t    *testing.T
	st   store.Store
	srv  *api.Server
	logs *bytes.Buffer
	mu   *sync.Mutex
	// keys holds the key made for each caller name (role operator for op,
	// system otherwise), made on first use.
	keys map[string]apikey.Key
}

type lockedBuffer struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (l lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func testConfig() api.Config {
	return api.Config{
		DefaultCollection: api.CollectionAccount{BankBIN: "970436", Account: collAcct},
		Collections:       map[string]api.CollectionAccount{"7111.0.2000000": {BankBIN: "970418", Account: otherAcct}},
		PurposeSuffix:     "LE PHI",
	}
}

func setup(t *testing.T, st store.Store) bundle {
	t.Helper()
	b := bundle{t: t, st: st, logs: &bytes.Buffer{}, mu: &sync.Mutex{}, keys: map[string]apikey.Key{}}
	log := slog.New(slog.NewJSONHandler(lockedBuffer{b.mu, b.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := api.New(testConfig(), st, log, func() time.Time { return clock })
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	b.srv = srv
	return b
}

// each runs scenario against every backend.
func each(t *testing.T, scenario func(t *testing.T, b bundle)) {
	t.Helper()
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			scenario(t, setup(t, be.open(t)))
		})
	}
}

type resp struct {
	code int
	hdr  http.Header
	body []byte
}

// newKey stores a new key for name with role and returns it.
func (b bundle) newKey(name string, role store.KeyRole) apikey.Key {
	b.t.Helper()
	k, err := apikey.New()
	if err != nil {
		b.t.Fatal(err)
	}
	if err := b.st.InTx(context.Background(), func(tx store.Tx) error {
		return tx.CreateAPIKey(context.Background(), store.APIKey{ID: k.ID, System: name, Role: role, SecretHash: k.Hash, CreatedAt: clock})
	}); err != nil {
		b.t.Fatalf("create key: %v", err)
	}
	return k
}

// key is caller's key (role operator for op, system otherwise), made on
// first use.
func (b bundle) key(caller string) apikey.Key {
	b.t.Helper()
	b.mu.Lock()
	k, ok := b.keys[caller]
	b.mu.Unlock()
	if ok {
		return k
	}
	role := store.RoleSystem
	if caller == op {
		role = store.RoleOperator
	}
	k = b.newKey(caller, role)
	b.mu.Lock()
	defer b.mu.Unlock()
	if old, ok := b.keys[caller]; ok { // a concurrent first use won
		return old
	}
	b.keys[caller] = k
	return k
}

// do calls the API as caller (with its key; "" for none).
func (b bundle) do(method, path, caller, body string) resp {
	b.t.Helper()
	hdr := http.Header{}
	if caller != "" {
		hdr.Set("Authorization", "Bearer "+b.key(caller).Text)
	}
	return b.raw(method, path, hdr, body)
}

// raw calls the API with exactly these headers.
func (b bundle) raw(method, path string, hdr http.Header, body string) resp {
	b.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	b.srv.ServeHTTP(rec, req)
	validate(b.t, req, body, rec)
	return resp{rec.Code, rec.Header(), rec.Body.Bytes()}
}

func (r resp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r resp) want(t *testing.T, code int) resp {
	t.Helper()
	if r.code != code {
		t.Fatalf("status %d, want %d: %s", r.code, code, r.body)
	}
	return r
}

func (r resp) view(t *testing.T) api.NoticeView {
	t.Helper()
	var v api.NoticeView
	r.decode(t, &v)
	return v
}

func (r resp) apiError(t *testing.T) api.Error {
	t.Helper()
	var e api.Error
	r.decode(t, &e)
	if e.Message == "" || e.Details == nil {
		t.Fatalf("error body %s lacks error or details", r.body)
	}
	return e
}

func noticeBody(id, amount string, extra ...string) string {
	fields := []string{
		`"notice_id":"` + id + `"`,
		`"dossier_code":"000.00.20.H40-240916-0012"`,
		`"agency_code":"H40.01"`,
		`"payer_name":"Nguyen Van A"`,
		`"amount":{"amount":"` + amount + `","currency":"VND"}`,
		`"issued_at":"2026-11-27T09:00:00+07:00"`,
		`"treasury_account":"` + treasuryAcct + `"`,
	}
	return "{" + strings.Join(append(fields, extra...), ",") + "}"
}

func vnd(n int64) payment.Money { return payment.VNDOf(n) }

func (b bundle) auditActions(entity string) []string {
	b.t.Helper()
	var out []string
	err := b.st.InTx(context.Background(), func(tx store.Tx) error {
		es, err := tx.AuditTrail(context.Background(), entity)
		for _, e := range es {
			// The actor is "<name>/<key id>"; TestCallerIsTheAuditActor
			// checks the key id.
			name, _, _ := strings.Cut(string(e.Actor), "/")
			out = append(out, name+" "+string(e.Action))
		}
		return err
	})
	if err != nil {
		b.t.Fatalf("audit trail: %v", err)
	}
	return out
}

// pay stores a payment and allocates amount of it to the notice, setting
// the status the engine would set.
func (b bundle) pay(id string, txn string, amount int64, status payment.NoticeStatus) {
	b.t.Helper()
	ctx := context.Background()
	err := b.st.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.Notice(ctx, sys, id)
		if err != nil {
			return err
		}
		p := payment.Payment{
			ID: payment.PaymentID(payment.GatewayVietQR, txn), Gateway: payment.GatewayVietQR, TxnID: txn,
			Amount: vnd(amount), PaidAt: clock, Description: string(n.Code),
		}
		if err := tx.InsertPayment(ctx, p); err != nil {
			return err
		}
		if err := tx.InsertAllocation(ctx, reconcile.Allocation{
			PaymentID: p.ID, NoticeSystem: sys, NoticeID: id, Code: n.Code, Amount: vnd(amount), Rule: reconcile.RulePaymentCode,
		}); err != nil {
			return err
		}
		n.Status = status
		return tx.UpdateNotice(ctx, n)
	})
	if err != nil {
		b.t.Fatalf("pay: %v", err)
	}
}

func TestCreateNoticeIdempotent(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		body := noticeBody("TB-1", "150000")
		first := b.do("POST", "/v1/notices", sys, body).want(t, http.StatusCreated)
		v := first.view(t)
		if _, err := payment.ParsePaymentCode(string(v.Code)); err != nil || v.Code.Prefix() != payment.DefaultCodePrefix {
			t.Errorf("payment code %q: %v", v.Code, err)
		}
		if v.Status != payment.NoticeIssued || v.Version != 1 || !v.Total.Equal(vnd(150000)) || v.System != sys ||
			!v.OutstandingAmount.Equal(vnd(150000)) || !v.PaidAmount.Equal(vnd(0)) || len(v.Allocations) != 0 {
			t.Errorf("created view = %+v", v)
		}
		if v.Dossier != "000.00.20.H40-240916-0012" {
			t.Errorf("dossier = %q", v.Dossier)
		}
		if loc := first.hdr.Get("Location"); loc != "/v1/notices/TB-1" || v.Links.QRPNG != "/v1/notices/TB-1/qr.png" {
			t.Errorf("Location %q, links %+v", loc, v.Links)
		}
		// Amounts are strings in the JSON, never numbers.
		if !bytes.Contains(first.body, []byte(`"amount": "150000"`)) {
			t.Errorf("amount is not a decimal string: %s", first.body)
		}

		// The same body again, also with the system in the body: a replay.
		for _, again := range []resp{
			b.do("POST", "/v1/notices", sys, body),
			b.do("POST", "/v1/notices", sys, noticeBody("TB-1", "150000", `"system":"`+sys+`"`)),
			b.do("POST", "/v1/notices", sys, noticeBody("TB-1", "150000.00")),
		} {
			again.want(t, http.StatusOK)
			if w := again.view(t); w.Code != v.Code || w.Version != 1 {
				t.Errorf("replay gave code %s version %d, want %s v1", w.Code, w.Version, v.Code)
			}
		}
		// The same notice id under another system is another notice.
		other := b.do("POST", "/v1/notices", "dvc-hue", body).want(t, http.StatusCreated).view(t)
		if other.Code == v.Code {
			t.Errorf("two notices share code %s", v.Code)
		}
		if got := b.auditActions("notice:" + sys + "/TB-1"); len(got) != 1 || got[0] != sys+" notice.create" {
			t.Errorf("audit = %q, want one notice.create by %s", got, sys)
		}
	})
}

func TestCreateNoticeConcurrentReplays(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		const n = 8
		codes := make([]int, n)
		got := make([]payment.PaymentCode, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				req := httptest.NewRequest("POST", "/v1/notices", strings.NewReader(noticeBody("TB-C", "20000")))
				req.Header.Set("Authorization", "Bearer "+b.key(sys).Text)
				rec := httptest.NewRecorder()
				b.srv.ServeHTTP(rec, req)
				validate(t, req, noticeBody("TB-C", "20000"), rec)
				codes[i] = rec.Code
				var v api.NoticeView
				_ = json.Unmarshal(rec.Body.Bytes(), &v)
				got[i] = v.Code
			})
		}
		wg.Wait()
		created := 0
		for i := range n {
			switch codes[i] {
			case http.StatusCreated:
				created++
			case http.StatusOK:
			default:
				t.Errorf("request %d: status %d", i, codes[i])
			}
			if got[i] != got[0] || got[i] == "" {
				t.Errorf("request %d: code %q, first %q", i, got[i], got[0])
			}
		}
		if created != 1 {
			t.Errorf("%d requests created the notice, want 1", created)
		}
	})
}

func TestCreateNoticeConflict(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		v := b.do("POST", "/v1/notices", sys, noticeBody("TB-2", "150000")).want(t, http.StatusCreated).view(t)
		r := b.do("POST", "/v1/notices", sys, noticeBody("TB-2", "160000")).want(t, http.StatusConflict)
		if e := r.apiError(t); !strings.Contains(e.Message, "PUT /v1/notices/TB-2") {
			t.Errorf("conflict message %q does not point to PUT", e.Message)
		}
		g := b.do("GET", "/v1/notices/TB-2", sys, "").want(t, http.StatusOK).view(t)
		if !g.Total.Equal(vnd(150000)) || g.Code != v.Code || g.Version != 1 {
			t.Errorf("stored notice changed: %+v", g)
		}
	})
}

func TestCreateNoticeRejects(t *testing.T) {
	t.Parallel()
	b := setup(t, memory.New())
	for _, tc := range []struct {
		name, system, body string
		code               int
		details            int // minimum number of details, 0 to skip
	}{
		{"many problems", sys, `{"notice_id":"","dossier_code":"nope","agency_code":"","amount":{"amount":"0","currency":"USD"},"treasury_account":"x"}`, 422, 6},
		{"items do not sum", sys, noticeBody("TB-3", "150000", `"items":[{"fee_type":"le phi","amount":{"amount":"100000","currency":"VND"},"budget_chapter":"018","budget_subitem":"2752"}]`), 422, 1},
		{"due before issue", sys, noticeBody("TB-3", "150000", `"due_at":"2026-11-01T00:00:00Z"`), 422, 1},
		{"above ceiling", sys, noticeBody("TB-3", "100000000001"), 422, 1},
		{"bad item kind", sys, noticeBody("TB-3", "150000", `"items":[{"fee_type":"x","kind":"tax","amount":{"amount":"150000","currency":"VND"},"budget_chapter":"018","budget_subitem":"2752"}]`), 422, 1},
		{"long notice id", sys, noticeBody(strings.Repeat("N", 201), "150000"), 422, 1},
		{"control character in id", sys, noticeBody(`TB\u00003`, "150000"), 422, 1},
		{"fractional VND", sys, noticeBody("TB-3", "150000.5"), 422, 1},
		{"exponent", sys, noticeBody("TB-3", "15e4"), 422, 1},
		{"amount as a JSON number", sys, strings.Replace(noticeBody("TB-3", "0"), `{"amount":"0","currency":"VND"}`, `150000`, 1), 400, 0},
		{"inner amount as a JSON number", sys, strings.Replace(noticeBody("TB-3", "0"), `"amount":"0"`, `"amount":150000`, 1), 400, 0},
		{"unknown field", sys, noticeBody("TB-3", "150000", `"colour":"red"`), 400, 0},
		{"payment_code is ours", sys, noticeBody("TB-3", "150000", `"payment_code":"NP000000000151"`), 400, 0},
		{"status is ours", sys, noticeBody("TB-3", "150000", `"status":"paid"`), 400, 0},
		{"two objects", sys, noticeBody("TB-3", "150000") + "{}", 400, 0},
		{"not JSON", sys, "notice_id=TB-3", 400, 0},
		{"empty", sys, "", 400, 0},
		{"no key", "", noticeBody("TB-3", "150000"), 401, 0},
		{"systems disagree", sys, noticeBody("TB-3", "150000", `"system":"dvc-hue"`), 403, 0},
		{"too large", sys, noticeBody("TB-3", "150000", `"payer_name":"`+strings.Repeat("A", api.DefaultMaxBodyBytes)+`"`), 413, 0},
	} {
		r := b.do("POST", "/v1/notices", tc.system, tc.body)
		if r.code != tc.code {
			t.Errorf("%s: status %d, want %d: %s", tc.name, r.code, tc.code, r.body)
			continue
		}
		if e := r.apiError(t); len(e.Details) < tc.details {
			t.Errorf("%s: %d details, want at least %d: %q", tc.name, len(e.Details), tc.details, e.Details)
		}
	}
	req := httptest.NewRequest("POST", "/v1/notices", strings.NewReader(noticeBody("TB-3", "150000")))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Authorization", "Bearer "+b.key(sys).Text)
	rec := httptest.NewRecorder()
	b.srv.ServeHTTP(rec, req)
	validate(t, req, noticeBody("TB-3", "150000"), rec)
	if rec.Code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: status %d", rec.Code)
	}
	// Rejected requests burn no serial: the first accepted notice gets serial 1.
	v := b.do("POST", "/v1/notices", sys, noticeBody("TB-3", "150000")).want(t, http.StatusCreated).view(t)
	if v.Code.Serial() != 1 {
		t.Errorf("first code %s has serial %d, want 1", v.Code, v.Code.Serial())
	}
	if got := b.auditActions("notice:" + sys + "/TB-3"); len(got) != 1 {
		t.Errorf("audit = %q", got)
	}
}

func TestAmendNotice(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		v := b.do("POST", "/v1/notices", sys, noticeBody("TB-4", "150000")).want(t, http.StatusCreated).view(t)
		a := b.do("PUT", "/v1/notices/TB-4", sys, noticeBody("TB-4", "200000")).want(t, http.StatusOK).view(t)
		if a.Version != 2 || a.Code != v.Code || !a.Total.Equal(vnd(200000)) || a.Status != payment.NoticeIssued {
			t.Errorf("amended = %+v", a)
		}
		// notice_id may be left out of a PUT body; an identical body is a replay.
		body := strings.Replace(noticeBody("TB-4", "200000"), `"notice_id":"TB-4",`, "", 1)
		if r := b.do("PUT", "/v1/notices/TB-4", sys, body).want(t, http.StatusOK).view(t); r.Version != 2 {
			t.Errorf("replayed PUT made version %d", r.Version)
		}
		b.do("PUT", "/v1/notices/TB-4", sys, noticeBody("TB-5", "200000")).want(t, http.StatusBadRequest)
		b.do("PUT", "/v1/notices/TB-404", sys, noticeBody("TB-404", "200000")).want(t, http.StatusNotFound)
		b.do("PUT", "/v1/notices/TB-4", "", noticeBody("TB-4", "200000", `"system":"`+sys+`"`)).want(t, http.StatusUnauthorized)
		b.do("PUT", "/v1/notices/TB-4", "dvc-hue", noticeBody("TB-4", "200000", `"system":"`+sys+`"`)).want(t, http.StatusForbidden)
		b.do("PUT", "/v1/notices/TB-4", sys, noticeBody("TB-4", "-5")).want(t, http.StatusUnprocessableEntity)
		want := []string{sys + " notice.create", sys + " notice.amend"}
		if got := b.auditActions("notice:" + sys + "/TB-4"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("audit = %q, want %q", got, want)
		}
	})
}

func TestAmendPaidNotice(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		b.do("POST", "/v1/notices", sys, noticeBody("TB-6", "150000")).want(t, http.StatusCreated)
		b.pay("TB-6", "FT1", 100000, payment.NoticePartiallyPaid)

		r := b.do("PUT", "/v1/notices/TB-6", sys, noticeBody("TB-6", "90000")).want(t, http.StatusConflict)
		if e := r.apiError(t); !strings.Contains(e.Message, "below") {
			t.Errorf("message %q", e.Message)
		}
		// Lowered to exactly what is paid: the notice is paid.
		a := b.do("PUT", "/v1/notices/TB-6", sys, noticeBody("TB-6", "100000")).want(t, http.StatusOK).view(t)
		if a.Status != payment.NoticePaid || a.Version != 2 || !a.OutstandingAmount.Equal(vnd(0)) {
			t.Errorf("amended = %+v", a)
		}
		// A settled notice keeps its amount...
		b.do("PUT", "/v1/notices/TB-6", sys, noticeBody("TB-6", "120000")).want(t, http.StatusConflict)
		// ...but other fields may still be corrected.
		c := b.do("PUT", "/v1/notices/TB-6", sys, noticeBody("TB-6", "100000", `"due_at":"2026-12-31T00:00:00Z"`)).want(t, http.StatusOK).view(t)
		if c.Version != 3 || c.Status != payment.NoticePaid {
			t.Errorf("corrected = %+v", c)
		}
	})
}

func TestCancelNotice(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		b.do("POST", "/v1/notices", sys, noticeBody("TB-7", "150000")).want(t, http.StatusCreated)
		c := b.do("POST", "/v1/notices/TB-7/cancel", sys, `{"reason":"dossier withdrawn"}`).want(t, http.StatusOK).view(t)
		if c.Status != payment.NoticeCancelled || c.Version != 1 {
			t.Errorf("cancelled = %+v", c)
		}
		b.do("POST", "/v1/notices/TB-7/cancel", sys, "").want(t, http.StatusOK)
		b.do("PUT", "/v1/notices/TB-7", sys, noticeBody("TB-7", "100000")).want(t, http.StatusConflict)
		b.do("GET", "/v1/notices/TB-7/qr", sys, "").want(t, http.StatusConflict)
		b.do("POST", "/v1/notices/TB-7/cancel", sys, `{"why":"x"}`).want(t, http.StatusBadRequest)
		b.do("POST", "/v1/notices/TB-404/cancel", sys, "").want(t, http.StatusNotFound)
		want := []string{sys + " notice.create", sys + " notice.cancel"}
		if got := b.auditActions("notice:" + sys + "/TB-7"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("audit = %q, want %q", got, want)
		}

		b.do("POST", "/v1/notices", sys, noticeBody("TB-8", "150000")).want(t, http.StatusCreated)
		b.pay("TB-8", "FT2", 50000, payment.NoticePartiallyPaid)
		b.do("POST", "/v1/notices/TB-8/cancel", sys, "").want(t, http.StatusConflict)
		if g := b.do("GET", "/v1/notices/TB-8", sys, "").view(t); g.Status != payment.NoticePartiallyPaid {
			t.Errorf("refused cancel changed status to %s", g.Status)
		}
	})
}

func TestGetNoticeWithAllocations(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		v := b.do("POST", "/v1/notices", sys, noticeBody("TB-9", "150000")).want(t, http.StatusCreated).view(t)
		b.pay("TB-9", "FT3", 40000, payment.NoticePartiallyPaid)
		b.pay("TB-9", "FT4", 60000, payment.NoticePartiallyPaid)
		g := b.do("GET", "/v1/notices/TB-9", sys, "").want(t, http.StatusOK).view(t)
		if g.Code != v.Code || g.Status != payment.NoticePartiallyPaid || !g.PaidAmount.Equal(vnd(100000)) ||
			!g.OutstandingAmount.Equal(vnd(50000)) || len(g.Allocations) != 2 {
			t.Fatalf("view = %+v", g)
		}
		ids := map[string]bool{}
		for _, a := range g.Allocations {
			ids[a.PaymentID] = true
			if a.Rule != reconcile.RulePaymentCode || a.Code != v.Code {
				t.Errorf("allocation %+v", a)
			}
		}
		if !ids["vietqr:FT3"] || !ids["vietqr:FT4"] {
			t.Errorf("allocations %v", ids)
		}
		b.do("GET", "/v1/notices/TB-9", "dvc-hue", "").want(t, http.StatusNotFound)
		b.do("GET", "/v1/notices/TB-9", "", "").want(t, http.StatusUnauthorized)
	})
}

func TestNoticeQR(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		v := b.do("POST", "/v1/notices", sys, noticeBody("TB-10", "150000")).want(t, http.StatusCreated).view(t)
		var q api.QRView
		r := b.do("GET", "/v1/notices/TB-10/qr", sys, "").want(t, http.StatusOK)
		r.decode(t, &q)
		d, err := vietqr.Parse(q.Payload) // checks the CRC and every length
		if err != nil {
			t.Fatalf("Parse(%s): %v", q.Payload, err)
		}
		if d.BankBIN != "970436" || d.Account != collAcct || d.Service != vietqr.ServiceToAccount || !d.Dynamic ||
			!d.Amount.Equal(vnd(150000)) || d.Purpose != string(v.Code)+" LE PHI" || q.PaymentCode != v.Code ||
			!q.Amount.Equal(vnd(150000)) || q.Account != collAcct || q.BankBIN != "970436" || q.Purpose != d.Purpose {
			t.Errorf("qr = %+v, decoded %+v", q, d.Payload)
		}
		if !strings.Contains(q.Payload, "5406150000") {
			t.Errorf("payload %s lacks the exact amount field 54", q.Payload)
		}
		// After a part payment the QR asks for the rest, exactly.
		b.pay("TB-10", "FT5", 49999, payment.NoticePartiallyPaid)
		b.do("GET", "/v1/notices/TB-10/qr", sys, "").want(t, http.StatusOK).decode(t, &q)
		if d, err := vietqr.Parse(q.Payload); err != nil || !d.Amount.Equal(vnd(100001)) {
			t.Errorf("outstanding QR amount = %v, %v", d.Amount, err)
		}
		// A treasury account with its own collection account.
		body := strings.Replace(noticeBody("TB-11", "30000"), treasuryAcct, "7111.0.2000000", 1)
		b.do("POST", "/v1/notices", sys, body).want(t, http.StatusCreated)
		b.do("GET", "/v1/notices/TB-11/qr", sys, "").want(t, http.StatusOK).decode(t, &q)
		if d, err := vietqr.Parse(q.Payload); err != nil || d.BankBIN != "970418" || d.Account != otherAcct {
			t.Errorf("mapped collection: %+v, %v", d.Payload, err)
		}
		// Paid in full: no QR.
		b.pay("TB-11", "FT6", 30000, payment.NoticePaid)
		b.do("GET", "/v1/notices/TB-11/qr", sys, "").want(t, http.StatusConflict)
		b.do("GET", "/v1/notices/TB-404/qr", sys, "").want(t, http.StatusNotFound)

		b.mu.Lock()
		logs := b.logs.String()
		b.mu.Unlock()
		if strings.Contains(logs, collAcct) || strings.Contains(logs, otherAcct) || !strings.Contains(logs, payment.MaskAccount(collAcct)) {
			t.Errorf("logs leak or lack the masked account:\n%s", logs)
		}
	})
}

func TestNoticeQRPNG(t *testing.T) {
	t.Parallel()
	b := setup(t, memory.New())
	b.do("POST", "/v1/notices", sys, noticeBody("TB-12", "150000")).want(t, http.StatusCreated)
	for path, size := range map[string]int{"/v1/notices/TB-12/qr.png": api.DefaultQRSize, "/v1/notices/TB-12/qr.png?size=512": 512} {
		r := b.do("GET", path, sys, "").want(t, http.StatusOK)
		if ct := r.hdr.Get("Content-Type"); ct != "image/png" {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		img, err := png.Decode(bytes.NewReader(r.body))
		if err != nil {
			t.Fatalf("%s: decode: %v", path, err)
		}
		if bd := img.Bounds(); bd.Dx() != size || bd.Dy() != size {
			t.Errorf("%s: %dx%d, want %d", path, bd.Dx(), bd.Dy(), size)
		}
	}
	for _, q := range []string{"size=10", "size=99999", "size=abc"} {
		b.do("GET", "/v1/notices/TB-12/qr.png?"+q, sys, "").want(t, http.StatusBadRequest)
	}
}

func TestExceptions(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		ctx := context.Background()
		if err := b.st.InTx(ctx, func(tx store.Tx) error {
			for _, e := range []reconcile.Exception{
				{ID: reconcile.ExceptionID(reconcile.ExceptionMissingCredit, "stmt-1/3"), Kind: reconcile.ExceptionMissingCredit, StatementRef: "stmt-1/3", Amount: vnd(70000), CreatedAt: clock},
				{ID: reconcile.ExceptionID(reconcile.ExceptionLateEvent, "stmt-1/4"), Kind: reconcile.ExceptionLateEvent, StatementRef: "stmt-1/4", Amount: vnd(5000), CreatedAt: clock},
			} {
				if err := tx.UpsertException(ctx, e); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		list := func(query string) api.ExceptionList {
			var l api.ExceptionList
			b.do("GET", "/v1/exceptions"+query, op, "").want(t, http.StatusOK).decode(t, &l)
			return l
		}
		if l := list("?status=open"); len(l.Exceptions) != 2 {
			t.Fatalf("open = %+v", l)
		}
		l := list("?kind=missing_credit")
		if len(l.Exceptions) != 1 || l.Exceptions[0].Kind != reconcile.ExceptionMissingCredit || !l.Exceptions[0].Amount.Equal(vnd(70000)) {
			t.Fatalf("missing_credit = %+v", l)
		}
		// Pages: one at a time, in id order, the cursor in next.
		p1 := list("?limit=1")
		if len(p1.Exceptions) != 1 || p1.Next != p1.Exceptions[0].ID || p1.Exceptions[0].Kind != reconcile.ExceptionLateEvent {
			t.Fatalf("page 1 = %+v", p1)
		}
		p2 := list("?limit=1&after=" + url.QueryEscape(p1.Next))
		if len(p2.Exceptions) != 1 || p2.Exceptions[0].Kind != reconcile.ExceptionMissingCredit {
			t.Fatalf("page 2 = %+v", p2)
		}
		if p3 := list("?limit=1&after=" + url.QueryEscape(p2.Next)); len(p3.Exceptions) != 0 || p3.Next != "" {
			t.Fatalf("page 3 = %+v", p3)
		}
		b.do("GET", "/v1/exceptions?limit=0", op, "").want(t, http.StatusBadRequest).apiError(t)
		b.do("GET", "/v1/exceptions?limit=99999", op, "").want(t, http.StatusBadRequest).apiError(t)
		b.do("GET", "/v1/exceptions?kind=bogus", op, "").want(t, http.StatusBadRequest).apiError(t)
		b.do("GET", "/v1/exceptions?status=closed", op, "").want(t, http.StatusBadRequest)

		id := l.Exceptions[0].ID // "missing_credit|stmt-1/3": escaped in the path
		path := "/v1/exceptions/" + url.PathEscape(id) + "/resolve"
		b.do("POST", path, op, `{"resolution":""}`).want(t, http.StatusUnprocessableEntity)
		if l := list("?status=resolved"); len(l.Exceptions) != 0 {
			t.Errorf("resolved before resolving = %+v", l)
		}
		var e reconcile.Exception
		// by, when sent, must be the key's operator: the key says who resolves.
		b.do("POST", path, op, `{"resolution":"credit booked on 28/11","by":"someone.else"}`).want(t, http.StatusForbidden)
		b.do("POST", path, op, `{"resolution":"credit booked on 28/11","by":"`+op+`"}`).want(t, http.StatusOK).decode(t, &e)
		if e.ID != id || e.Status != reconcile.ExceptionResolved || e.ResolvedBy != op+"/"+b.key(op).ID || e.ResolvedAt == nil || !e.ResolvedAt.Equal(clock) {
			t.Errorf("resolved = %+v", e)
		}
		b.do("POST", path, op, `{"resolution":"again"}`).want(t, http.StatusConflict)
		b.do("POST", "/v1/exceptions/nope/resolve", op, `{"resolution":"r"}`).want(t, http.StatusNotFound)
		if got := b.auditActions("exception:" + id); len(got) != 1 || got[0] != op+" exception.resolve" {
			t.Errorf("audit = %q", got)
		}
		if l := list("?status=open"); len(l.Exceptions) != 1 || l.Exceptions[0].Kind != reconcile.ExceptionLateEvent {
			t.Errorf("open after resolve = %+v", l)
		}
	})
}

// Every kind the engine and the daily reconciliation can raise is a valid
// ?kind= filter, and filters to exactly that kind.
func TestExceptionsFilterByEveryKind(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		ctx := context.Background()
		kinds := reconcile.ExceptionKinds()
		if err := b.st.InTx(ctx, func(tx store.Tx) error {
			for i, k := range kinds {
				ref := fmt.Sprintf("stmt-9/%d", i)
				e := reconcile.Exception{ID: reconcile.ExceptionID(k, ref), Kind: k, StatementRef: ref, Amount: vnd(1000), CreatedAt: clock}
				if err := tx.UpsertException(ctx, e); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, k := range kinds {
			var l api.ExceptionList
			b.do("GET", "/v1/exceptions?kind="+url.QueryEscape(string(k)), op, "").want(t, http.StatusOK).decode(t, &l)
			if len(l.Exceptions) != 1 || l.Exceptions[0].Kind != k {
				t.Errorf("?kind=%s: %+v", k, l.Exceptions)
			}
		}
	})
}

func TestOutbox(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		ctx := context.Background()
		if err := b.st.InTx(ctx, func(tx store.Tx) error {
			for _, m := range []store.OutboxMessage{
				{ID: "conf-1", Kind: store.OutboxConfirmation, Destination: sys, Payload: []byte(`{"notice_id":"TB-1"}`), NextAttempt: clock, CreatedAt: clock},
				{ID: "conf-2", Kind: store.OutboxConfirmation, Destination: sys, Payload: []byte(`{"notice_id":"TB-2"}`), NextAttempt: clock, CreatedAt: clock},
				{ID: "rep-1", Kind: store.OutboxReport, Destination: "kbnn", Payload: []byte("PK\x03\x04"), NextAttempt: clock, CreatedAt: clock},
			} {
				if err := tx.Enqueue(ctx, m); err != nil {
					return err
				}
			}
			return tx.MarkFailed(ctx, "conf-2", "HTTP 500 from dvc-hanoi", clock, true)
		}); err != nil {
			t.Fatal(err)
		}
		list := func(query string) api.OutboxList {
			var l api.OutboxList
			b.do("GET", "/v1/outbox"+query, op, "").want(t, http.StatusOK).decode(t, &l)
			return l
		}
		compact := func(raw []byte) string {
			var buf bytes.Buffer
			if err := json.Compact(&buf, raw); err != nil {
				t.Fatalf("payload %s: %v", raw, err)
			}
			return buf.String()
		}
		if l := list("?state=dead"); len(l.Messages) != 1 || l.Messages[0].ID != "conf-2" || l.Messages[0].State != store.OutboxDead ||
			l.Messages[0].LastError != "HTTP 500 from dvc-hanoi" || compact(l.Messages[0].Payload) != `{"notice_id":"TB-2"}` {
			t.Errorf("dead = %+v", l)
		}
		if l := list("?kind=report"); len(l.Messages) != 1 || string(l.Messages[0].PayloadBase64) != "PK\x03\x04" || l.Messages[0].Payload != nil {
			t.Errorf("reports = %+v", l)
		}
		if l := list("?kind=confirmation&state=pending"); len(l.Messages) != 1 || l.Messages[0].ID != "conf-1" {
			t.Errorf("pending confirmations = %+v", l)
		}
		if l := list(""); len(l.Messages) != 3 || l.Next != "" {
			t.Errorf("all = %d messages, next %q", len(l.Messages), l.Next)
		}
		// Pages in id order, the cursor in next, as /v1/exceptions.
		p1 := list("?limit=2")
		if len(p1.Messages) != 2 || p1.Messages[0].ID != "conf-1" || p1.Messages[1].ID != "conf-2" || p1.Next != "conf-2" {
			t.Errorf("page 1 = %+v", p1)
		}
		p2 := list("?limit=2&after=" + url.QueryEscape(p1.Next))
		if len(p2.Messages) != 1 || p2.Messages[0].ID != "rep-1" || p2.Next != "" {
			t.Errorf("page 2 = %+v", p2)
		}
		if l := list("?kind=confirmation&limit=1&after=conf-1"); len(l.Messages) != 1 || l.Messages[0].ID != "conf-2" {
			t.Errorf("filtered page = %+v", l)
		}
		b.do("GET", "/v1/outbox?limit=0", op, "").want(t, http.StatusBadRequest).apiError(t)
		b.do("GET", "/v1/outbox?limit="+fmt.Sprint(api.MaxPage+1), op, "").want(t, http.StatusBadRequest).apiError(t)
		// Payloads are for operators: a system's key sees none.
		if r := b.do("GET", "/v1/outbox", sys, "").want(t, http.StatusForbidden); bytes.Contains(r.body, []byte("TB-1")) {
			t.Errorf("a system key saw a payload: %s", r.body)
		}
		b.do("GET", "/v1/outbox?state=lost", op, "").want(t, http.StatusBadRequest)
		// Every kind is a filter, the Kafka copies' included.
		for _, k := range store.OutboxKinds() {
			list("?kind=" + string(k))
		}
		b.do("GET", "/v1/outbox?kind=fax", op, "").want(t, http.StatusBadRequest)
	})
}

func TestUnknownRoute(t *testing.T) {
	t.Parallel()
	b := setup(t, memory.New())
	b.do("GET", "/v2/notices", sys, "").want(t, http.StatusNotFound).apiError(t)
	b.do("DELETE", "/v1/notices/TB-1", sys, "").want(t, http.StatusNotFound)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	now := func() time.Time { return clock }
	bad := api.Config{
		CodePrefix:        "np1",
		DefaultCollection: api.CollectionAccount{BankBIN: "97043", Account: "00710001234567890123"},
		Collections:       map[string]api.CollectionAccount{"x": {BankBIN: "970418", Account: "1", Service: "QRPUSH"}},
		PurposeSuffix:     "lệ phí",
		QRSize:            50,
		MaxBodyBytes:      10,
	}
	_, err := api.New(bad, memory.New(), log, now)
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{"prefix", "DefaultCollection", `Collections["x"]`, "PurposeSuffix", "QRSize", "MaxBodyBytes"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if _, err := api.New(api.Config{}, memory.New(), log, now); err == nil || !strings.Contains(err.Error(), "no collection account") {
		t.Errorf("empty config: %v", err)
	}
	if _, err := api.New(testConfig(), memory.New(), nil, now); err == nil {
		t.Error("nil logger accepted")
	}
	c := api.Config{}.WithDefaults()
	if c.CodePrefix != payment.DefaultCodePrefix || c.QRSize != api.DefaultQRSize || c.MaxPurposeLen != vietqr.DefaultMaxPurposeLen ||
		!c.Amounts.Ceiling.Equal(decimal.New(100_000_000_000, 0)) {
		t.Errorf("defaults = %+v", c)
	}
}

// TestOverTheWire runs one notice's life over a real HTTP connection.
func TestOverTheWire(t *testing.T) {
	t.Parallel()
	b := setup(t, memory.New())
	ts := httptest.NewServer(validating(t, b.srv))
	defer ts.Close()
	call := func(method, path, body string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+b.key(sys).Text)
		req.Header.Set("Content-Type", "application/json")
		res, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	res := call("POST", "/v1/notices", noticeBody("TB-W", "150000"))
	if res.StatusCode != http.StatusCreated || res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("POST: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	res = call("GET", "/v1/notices/TB-W/qr.png?size=256", "")
	img, err := png.Decode(res.Body)
	if err != nil || res.StatusCode != http.StatusOK || img.Bounds().Dx() != 256 {
		t.Fatalf("qr.png: %d, %v", res.StatusCode, err)
	}
	res = call("POST", "/v1/notices", noticeBody("TB-W", "150000", `"payer_name":"`+strings.Repeat("A", 2*api.DefaultMaxBodyBytes)+`"`))
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", res.StatusCode)
	}
}
