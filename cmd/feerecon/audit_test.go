package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/postgres"
	"github.com/feerecon/feerecon/testenv"
)

// auditRun fills a fresh database the way a day of the service does:
// notices created, amended and cancelled through the API, payments
// matched by the engine, a confirmation delivered, statements imported and
// a daily report stored. It returns the database URL.
func auditRun(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	db := testenv.Postgres(t)
	if out, err := runCLI(t, "migrate", "--db", db); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	// The procedure system's key, made as an operator makes it (its
	// creation is on the chain too).
	out, err := runCLI(t, "apikey", "create", "--system", "dvc", "--db", db)
	if err != nil {
		t.Fatalf("apikey create: %v\n%s", err, out)
	}
	key := strings.TrimSpace(out[strings.LastIndex(strings.TrimRight(out, "\n"), "\n")+1:])
	st, err := postgres.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	quiet := slog.New(slog.DiscardHandler)
	srv, err := api.New(api.Config{DefaultCollection: api.CollectionAccount{BankBIN: "970436", Account: "0071000123456"}}, st, quiet, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string, want int) []byte {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != want {
			t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
		return w.Body.Bytes()
	}
	notice := func(id string, dong string) string {
		return `{"notice_id":"` + id + `","dossier_code":"000.00.20.H40-261126-0001","agency_code":"H40.01","payer_name":"Nguyễn Thị Mai",
			"amount":{"amount":"` + dong + `","currency":"VND"},"issued_at":"2026-11-26T08:00:00+07:00","treasury_account":"3511.0.1055555"}`
	}
	var paid, other api.NoticeView
	must(t, json.Unmarshal(call(http.MethodPost, "/v1/notices", notice("A1", "250000"), http.StatusCreated), &paid))
	must(t, json.Unmarshal(call(http.MethodPost, "/v1/notices", notice("A2", "90000"), http.StatusCreated), &other))
	call(http.MethodPut, "/v1/notices/A2", notice("A2", "100000"), http.StatusOK)
	call(http.MethodPost, "/v1/notices/A2/cancel", `{"reason":"dossier withdrawn"}`, http.StatusOK)

	eng, err := reconcile.NewEngine(reconcile.Config{})
	if err != nil {
		t.Fatal(err)
	}
	pr := ingest.New(st, eng, time.Now, quiet)
	for i, p := range []payment.Payment{
		{Gateway: payment.GatewayVietQR, TxnID: "T1", Amount: payment.VNDOf(250_000), Description: string(paid.Code) + " LE PHI"},
		{Gateway: payment.GatewayMoMo, TxnID: "T2", Amount: payment.VNDOf(70_000), Description: "no reference"},
	} {
		p.ID = payment.PaymentID(p.Gateway, p.TxnID)
		p.PaidAt = time.Date(2026, 11, 26, 9, 15+i, 0, 0, payment.Location())
		if _, err := pr.Record(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer sink.Close()
	snd, err := outbox.NewWebhook(outbox.FromStore(st), outbox.WebhookConfig{Types: []outbox.Type{outbox.Confirmation},
		Endpoints: map[string]outbox.Endpoint{"dvc": {URL: sink.URL, Secret: "sink-secret-0123456789"}}})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := snd.Tick(ctx); err != nil || r.Delivered != 1 {
		t.Fatalf("confirmation delivery: %+v %v", r, err)
	}
	day := "../../testdata/daily"
	if out, err := runCLI(t, "statement", "import", filepath.Join(day, "statement.camt053.xml"), "--db", db); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if out, err := runCLI(t, "report", "--date", "2026-11-26", "--out", t.TempDir(), "--db", db); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	return db
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var intact = regexp.MustCompile(`^audit chain intact: (\d+) entries checked from seq 1; head seq (\d+) hash ([0-9a-f]{64})\n$`)

// Acceptance 2: audit verify passes on a realistic run's database; after
// one audit row is changed directly in PostgreSQL (the superuser, with the
// triggers off) it fails with exit status 1 naming that row's seq. A
// removed row, a rewritten hash and a chain cut short of a published head
// are named too.
func TestAuditVerify(t *testing.T) {
	db := auditRun(t)
	out, err := runCLI(t, "audit", "verify", "--db", db)
	m := intact.FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("audit verify on an intact chain: %v\n%s", err, out)
	}
	t.Logf("audit verify: %s", strings.TrimSpace(out))
	head := m[2] + ":" + m[3]
	conn, err := sql.Open("postgres", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Every kind of state change of the run is on the chain.
	var actions []string
	func() {
		rows, err := conn.Query(`SELECT DISTINCT action FROM audit_log ORDER BY action`)
		must(t, err)
		defer rows.Close()
		for rows.Next() {
			var a string
			must(t, rows.Scan(&a))
			actions = append(actions, a)
		}
		must(t, rows.Err())
	}()
	for _, a := range []store.AuditAction{store.AuditNoticeCreate, store.AuditNoticeAmend, store.AuditNoticeCancel, store.AuditNoticeStatus,
		store.AuditPaymentDecide, store.AuditOutboxDelivered, store.AuditStatementImported, store.AuditExceptionRaise, store.AuditReportVersion} {
		if !strings.Contains(" "+strings.Join(actions, " ")+" ", " "+string(a)+" ") {
			t.Errorf("no %s entry in the run's audit log (have %v)", a, actions)
		}
	}
	var n int
	must(t, conn.QueryRow(`SELECT count(*) FROM audit_log`).Scan(&n))
	if m[1] != m[2] || m[1] != strconv.Itoa(n) || n < 10 {
		t.Fatalf("verify checked %s entries, head %s; the table has %d", m[1], m[2], n)
	}

	// tamper runs q as the superuser with the triggers off (replica mode
	// fires no ordinary trigger) and expects verify to name seq.
	tamper := func(name, q string, seq int, args ...string) {
		t.Helper()
		c, err := conn.Conn(context.Background())
		must(t, err)
		defer c.Close()
		_, err = c.ExecContext(context.Background(), `SET session_replication_role = replica`)
		must(t, err)
		_, err = c.ExecContext(context.Background(), q)
		must(t, err)
		out, err := runCLI(t, append([]string{"audit", "verify", "--db", db}, args...)...)
		var broken *store.BrokenChainError
		if !errors.As(err, &broken) || broken.Seq != int64(seq) || errors.Is(err, config.ErrInvalid) {
			t.Fatalf("%s: audit verify returned %v (%s), want the chain broken at seq %d with exit status 1", name, err, out, seq)
		}
		if !strings.Contains(err.Error(), "seq "+strconv.Itoa(seq)+":") {
			t.Errorf("%s: error %q does not name seq %d", name, err, seq)
		}
		t.Logf("%s: %v", name, err)
	}
	// Acceptance 2: one row's content, changed the way a clerk with the
	// owner's password would.
	tamper("changed detail", `UPDATE audit_log SET detail = '{"amount":"1000"}' WHERE seq = 5`, 5)
	tamper("canonical bytes rewritten to match", `UPDATE audit_log SET canonical = convert_to(replace(convert_from(canonical, 'UTF8'),
		substring(convert_from(canonical, 'UTF8') from 'detail=.*$'), 'detail=17:{"amount":"1000"}' || E'\n'), 'UTF8') WHERE seq = 5`, 5)
	tamper("hash rewritten", `UPDATE audit_log SET hash = sha256(prev_hash || canonical) WHERE seq = 5`, 6)
	tamper("row removed", `DELETE FROM audit_log WHERE seq = 3`, 3)
	tamper("chain cut after a published head, checked against it",
		`DELETE FROM audit_log WHERE seq >= 3`, 3, "--head", head)
}

// BenchmarkAuditVerify: verify walking a chain of b.N entries on the real
// PostgreSQL, in keyset pages (go test -run '^$' -bench AuditVerify
// -benchtime 1000000x ./cmd/feerecon/).
func BenchmarkAuditVerify(b *testing.B) {
	ctx := context.Background()
	db := testenv.Postgres(b)
	if _, err := postgres.Migrate(db); err != nil {
		b.Fatal(err)
	}
	st, err := postgres.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	for done := 0; done < b.N; {
		n := min(b.N-done, 20_000)
		if err := st.InTx(ctx, func(tx store.Tx) error {
			for i := range n {
				if err := tx.AppendAudit(ctx, store.AuditEntry{At: at.Add(time.Duration(done+i) * time.Millisecond), Actor: store.ActorEngine,
					Action: store.AuditPaymentDecide, Entity: store.PaymentEntity("vietqr:" + strconv.Itoa(done+i)),
					Detail: []byte(`{"payment_id":"vietqr:` + strconv.Itoa(done+i) + `","amount":{"amount":"150000","currency":"VND"},"allocations":[],"exceptions":[]}`)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		done += n
	}
	b.ResetTimer()
	start := time.Now()
	if err := verifyAudit(ctx, st, 1, nil, io.Discard, slog.New(slog.DiscardHandler)); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "entries/s")
}
