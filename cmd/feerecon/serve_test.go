package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/console"
	"github.com/feerecon/feerecon/gateways/gatewaysim"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/collection"
	"github.com/feerecon/feerecon/payment/vietqr"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store/memory"
	"github.com/feerecon/feerecon/store/postgres"
	"github.com/feerecon/feerecon/testenv"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// The citizen's path through `feerecon serve` on the real servers: a
// procedure system posts a notice, the citizen's QR carries its code and
// amount, the bank's signed callback is acknowledged only once Kafka has
// it, the consumer matches it, the notice reads paid, and the procedure
// system receives one signed confirmation.
func TestServeEndToEnd(t *testing.T) {
	db := testenv.Postgres(t)
	broker := testenv.Kafka(t)
	sim := gatewaysim.DemoSecrets()
	t.Setenv("FEERECON_VIETQR_SECRET", sim.VietQR)
	t.Setenv("FEERECON_CAMT054_SECRET", sim.Camt054)
	t.Setenv("FEERECON_TEST_SINK_SECRET", "sink-secret-for-this-test")

	var mu sync.Mutex
	var confirmations, reversals []map[string]any
	keys := map[string]int{}
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := outbox.Verify("sink-secret-for-this-test", r.Header.Get(outbox.HeaderTimestamp), body, r.Header.Get(outbox.HeaderSignature)); err != nil {
			t.Errorf("confirmation signature: %v", err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var c map[string]any
		_ = json.Unmarshal(body, &c)
		mu.Lock()
		keys[r.Header.Get(outbox.HeaderIdempotencyKey)]++
		if r.Header.Get(outbox.HeaderKind) == string(outbox.Reversed) {
			reversals = append(reversals, c)
		} else {
			confirmations = append(confirmations, c)
		}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer sink.Close()
	hooks := filepath.Join(t.TempDir(), "webhooks.json")
	if err := os.WriteFile(hooks, []byte(`{"dvc-nghean":{"url":"`+sink.URL+`","secret_env":"FEERECON_TEST_SINK_SECRET"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	// The raw topics are shared with earlier runs on this broker, and a
	// fresh database issues serial 1 again: a payment code prefix of its
	// own keeps an old event from paying this run's notice.
	prefix := ""
	for n := time.Now().UnixNano(); len(prefix) < 4; n /= 26 {
		prefix += string(rune('A' + n%26))
	}
	// H40.01's collection accounts: the QR's, and the one the simulated
	// bank webhooks credit (sim.CollectionAccount).
	accounts := filepath.Join(t.TempDir(), "collection_accounts.csv")
	if err := os.WriteFile(accounts, []byte("agency_code,bin,account\nH40.01,970415,113000006100\nH40.01,970415,"+sim.CollectionAccount+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := serveConfig{DB: db, Kafka: broker, HTTPAddr: addr, Group: testenv.Name("serve"), CodePrefix: prefix, KafkaSessionTimeout: kafkabus.DefaultSessionTimeout,
		BankBIN: "970415", Account: "113000006100", Webhooks: hooks, Secrets: secretsFromEnv(), CollectionAccounts: accounts,
		MaxInFlightCallbacks: 16, ShutdownTimeout: 10 * time.Second, BatchSize: 50, BatchWait: 5 * time.Millisecond}
	quiet := slog.New(slog.DiscardHandler)
	if _, err := cfg.settle(quiet); err != nil {
		t.Fatal(err)
	}
	// serve never migrates: on a fresh database it stops at once and names
	// the command that does.
	if err := serve(context.Background(), cfg, quiet); !errors.Is(err, postgres.ErrSchema) || !strings.Contains(err.Error(), "feerecon migrate") {
		t.Fatalf("serve on an unmigrated database: %v", err)
	}
	if _, err := postgres.Migrate(db); err != nil {
		t.Fatal(err)
	}
	// The procedure system's key, made as an operator makes it; dvc-pull
	// has a key and no webhook: serve warns of it at start.
	out, err := runCLI(t, "apikey", "create", "--system", "dvc-nghean", "--db", db)
	if err != nil {
		t.Fatalf("apikey create: %v\n%s", err, out)
	}
	key := strings.TrimSpace(out[strings.LastIndex(strings.TrimRight(out, "\n"), "\n")+1:])
	if out, err := runCLI(t, "apikey", "create", "--system", "dvc-pull", "--db", db); err != nil {
		t.Fatalf("apikey create: %v\n%s", err, out)
	}
	var logMu sync.Mutex
	var logBuf bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.MultiWriter(os.Stderr, lockedWriter{&logMu, &logBuf}), &slog.HandlerOptions{Level: slog.LevelWarn})))
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v", err)
		}
	}()
	base := "http://" + addr
	call := func(method, path string, body []byte, want int) []byte {
		t.Helper()
		return httpCall(t, method, base+path, key, body, want)
	}
	waitReady(t, base, 15*time.Second)

	logMu.Lock()
	logs := logBuf.String()
	logMu.Unlock()
	if !strings.Contains(logs, "no webhook") || !strings.Contains(logs, "system=dvc-pull") || strings.Contains(logs, "system=dvc-nghean") {
		t.Errorf("start-up warnings: want one for dvc-pull (a key, no webhook) and none for dvc-nghean:\n%s", logs)
	}
	// Without a key, or claiming another system, the API refuses.
	for _, h := range []http.Header{{}, {"Authorization": {"Bearer " + key}, api.SystemHeader: {"dvc-pull"}}} {
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/notices/x", nil)
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[bool]int{true: 401, false: 403}[len(h) == 0]; resp.StatusCode != want {
			t.Errorf("GET /v1/notices/x with %v: %d, want %d", h, resp.StatusCode, want)
		}
	}

	// The console is mounted: its login page, and Today only with a session.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]int{"/console/login": http.StatusOK, "/console/": http.StatusSeeOther, "/console/static/console.css": http.StatusOK} {
		resp, err := noRedirect.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want || resp.Header.Get("Content-Security-Policy") != console.ContentSecurityPolicy {
			t.Errorf("GET %s: %d (want %d), CSP %q", path, resp.StatusCode, want, resp.Header.Get("Content-Security-Policy"))
		}
	}

	noticeID := testenv.Name("TB-E2E")
	notice := `{"notice_id":"` + noticeID + `","dossier_code":"000.00.20.H40-261127-0001","agency_code":"H40.01","payer_name":"Nguyễn Thị Mai",
		"amount":{"amount":"250000","currency":"VND"},"issued_at":"2026-11-27T08:00:00+07:00","treasury_account":"3511.0.1055555"}`
	var created api.NoticeView
	if err := json.Unmarshal(call(http.MethodPost, "/v1/notices", []byte(notice), http.StatusCreated), &created); err != nil {
		t.Fatal(err)
	}
	code := created.Code
	var qr api.QRView
	if err := json.Unmarshal(call(http.MethodGet, "/v1/notices/"+noticeID+"/qr", nil, http.StatusOK), &qr); err != nil {
		t.Fatal(err)
	}
	dec, err := vietqr.Parse(qr.Payload)
	if err != nil {
		t.Fatalf("QR payload %q: %v", qr.Payload, err)
	}
	if !dec.Payload.Amount.Equal(payment.VNDOf(250_000)) || !strings.HasPrefix(dec.Payload.Purpose, string(code)) {
		t.Fatalf("QR carries %s / %q, want 250000 VND and %s", dec.Payload.Amount, dec.Payload.Purpose, code)
	}

	// The bank's callback for the citizen's transfer.
	// A transaction id of its own: the raw topic is shared with earlier
	// runs, and a redelivered id is (rightly) nothing new.
	p := payment.Payment{Gateway: payment.GatewayVietQR, TxnID: fmt.Sprint(1_000_000 + time.Now().UnixNano()%1_000_000_000_000), Amount: payment.VNDOf(250_000),
		PaidAt: time.Date(2026, 11, 27, 9, 15, 0, 0, payment.Location()), Description: dec.Payload.Purpose}
	p.ID = payment.PaymentID(p.Gateway, p.TxnID)
	raw, err := gatewaysim.Encode(p, sim)
	if err != nil {
		t.Fatal(err)
	}
	paidAt := time.Now()
	post := func() int {
		req, _ := http.NewRequest(http.MethodPost, base+"/gateways/vietqr/callback", bytes.NewReader(raw.Body))
		for k, v := range raw.Headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(); got != http.StatusOK {
		t.Fatalf("callback answered %d", got)
	}
	var view api.NoticeView
	for {
		if err := json.Unmarshal(call(http.MethodGet, "/v1/notices/"+noticeID+"", nil, http.StatusOK), &view); err != nil {
			t.Fatal(err)
		}
		if view.Status == payment.NoticePaid {
			break
		}
		if time.Since(paidAt) > 30*time.Second {
			t.Fatalf("notice still %s 30s after the callback", view.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("notice paid %v after the bank's callback", time.Since(paidAt).Round(time.Millisecond))
	if len(view.Allocations) != 1 || view.Allocations[0].PaymentID != p.ID {
		t.Fatalf("allocations %+v", view.Allocations)
	}
	// The bank retries the callback: acknowledged again, nothing new.
	if got := post(); got != http.StatusOK {
		t.Fatalf("retried callback answered %d", got)
	}

	// A payment before its notice (issue 11 §3), through the real Kafka
	// and PostgreSQL: a transfer naming a dossier no notice has yet waits
	// as unmatched; the notice created for that dossier takes it, paid
	// at once, and its confirmation names that payment.
	opOut, err := runCLI(t, "apikey", "create", "--system", "ops.e2e", "--role", "operator", "--db", db)
	if err != nil {
		t.Fatalf("apikey create operator: %v\n%s", err, opOut)
	}
	opKey := strings.TrimSpace(opOut[strings.LastIndex(strings.TrimRight(opOut, "\n"), "\n")+1:])
	// The dossier is this run's own (the raw topic keeps earlier runs'
	// transfers, which would name it too).
	dossier := prefix[:3] + ".E2E-261127-0002"
	early := payment.Payment{Gateway: payment.GatewayVietQR, TxnID: fmt.Sprint(2_000_000 + time.Now().UnixNano()%1_000_000_000_000),
		Amount: payment.VNDOf(180_000), PaidAt: time.Date(2026, 11, 27, 9, 20, 0, 0, payment.Location()),
		Description: "NOP LE PHI HS " + dossier}
	early.ID = payment.PaymentID(early.Gateway, early.TxnID)
	earlyRaw, err := gatewaysim.Encode(early, sim)
	if err != nil {
		t.Fatal(err)
	}
	earlyReq, _ := http.NewRequest(http.MethodPost, base+"/gateways/vietqr/callback", bytes.NewReader(earlyRaw.Body))
	for k, v := range earlyRaw.Headers {
		earlyReq.Header.Set(k, v)
	}
	earlyResp, err := http.DefaultClient.Do(earlyReq)
	if err != nil {
		t.Fatal(err)
	}
	earlyResp.Body.Close()
	if earlyResp.StatusCode != http.StatusOK {
		t.Fatalf("early callback answered %d", earlyResp.StatusCode)
	}
	unmatched := reconcile.ExceptionID(reconcile.ExceptionUnmatched, early.ID)
	for start := time.Now(); ; {
		var l api.ExceptionList
		if err := json.Unmarshal(httpCall(t, http.MethodGet, base+"/v1/exceptions?kind=unmatched", opKey, nil, http.StatusOK), &l); err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(l.Exceptions, func(e reconcile.Exception) bool { return e.ID == unmatched }) {
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("the early payment is not recorded 30 s after its callback")
		}
		time.Sleep(20 * time.Millisecond)
	}
	lateID := testenv.Name("TB-E2E-LATE")
	late := `{"notice_id":"` + lateID + `","dossier_code":"` + dossier + `","agency_code":"H40.01","payer_name":"Trần Văn Nam",
		"amount":{"amount":"180000","currency":"VND"},"issued_at":"2026-11-27T10:00:00+07:00","treasury_account":"3511.0.1055555"}`
	var lateView api.NoticeView
	if err := json.Unmarshal(call(http.MethodPost, "/v1/notices", []byte(late), http.StatusCreated), &lateView); err != nil {
		t.Fatal(err)
	}
	if lateView.Status != payment.NoticePaid || len(lateView.Allocations) != 1 || lateView.Allocations[0].PaymentID != early.ID {
		t.Fatalf("the notice created after its payment: %s, allocations %+v", lateView.Status, lateView.Allocations)
	}
	var after api.ExceptionList
	if err := json.Unmarshal(httpCall(t, http.MethodGet, base+"/v1/exceptions?kind=unmatched", opKey, nil, http.StatusOK), &after); err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(after.Exceptions, func(e reconcile.Exception) bool { return e.ID == unmatched }) {
		t.Errorf("the early payment is still unmatched once its notice exists")
	}
	// A correctly signed callback for a credit to an account that is not
	// H40.01's (issue 11 §1): a wrong_account exception, never allocated,
	// never confirmed; the notice stays issued.
	wrongID := testenv.Name("TB-E2E-WRONG")
	wrongNotice := `{"notice_id":"` + wrongID + `","dossier_code":"000.00.20.H40-261127-0003","agency_code":"H40.01","payer_name":"Lê Văn Hùng",
		"amount":{"amount":"120000","currency":"VND"},"issued_at":"2026-11-27T08:00:00+07:00","treasury_account":"3511.0.1055555"}`
	var wrongView api.NoticeView
	if err := json.Unmarshal(call(http.MethodPost, "/v1/notices", []byte(wrongNotice), http.StatusCreated), &wrongView); err != nil {
		t.Fatal(err)
	}
	otherBank := sim
	otherBank.CollectionAccount = "999999999999"
	wp := payment.Payment{Gateway: payment.GatewayVietQR, TxnID: fmt.Sprint(3_000_000 + time.Now().UnixNano()%1_000_000_000_000),
		Amount: payment.VNDOf(120_000), PaidAt: time.Date(2026, 11, 27, 9, 30, 0, 0, payment.Location()), Description: string(wrongView.Code)}
	wp.ID = payment.PaymentID(wp.Gateway, wp.TxnID)
	wrongRaw, err := gatewaysim.Encode(wp, otherBank)
	if err != nil {
		t.Fatal(err)
	}
	wreq, _ := http.NewRequest(http.MethodPost, base+"/gateways/vietqr/callback", bytes.NewReader(wrongRaw.Body))
	for k, v := range wrongRaw.Headers {
		wreq.Header.Set(k, v)
	}
	wresp, err := http.DefaultClient.Do(wreq)
	if err != nil {
		t.Fatal(err)
	}
	wresp.Body.Close()
	if wresp.StatusCode != http.StatusOK {
		t.Fatalf("wrong-account callback answered %d", wresp.StatusCode)
	}
	wrongExc := reconcile.ExceptionID(reconcile.ExceptionWrongAccount, wp.ID)
	for start := time.Now(); ; {
		var l api.ExceptionList
		if err := json.Unmarshal(httpCall(t, http.MethodGet, base+"/v1/exceptions?kind=wrong_account", opKey, nil, http.StatusOK), &l); err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(l.Exceptions, func(e reconcile.Exception) bool { return e.ID == wrongExc }) {
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("no %s 30 s after the callback", wrongExc)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := json.Unmarshal(call(http.MethodGet, "/v1/notices/"+wrongID, nil, http.StatusOK), &wrongView); err != nil {
		t.Fatal(err)
	}
	if wrongView.Status != payment.NoticeIssued || len(wrongView.Allocations) != 0 {
		t.Errorf("the notice paid to another account: %s, allocations %+v", wrongView.Status, wrongView.Allocations)
	}

	// The edges of serve's server: a forged callback is refused, a body
	// sent to /healthz or /openapi.yaml too.
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{http.MethodPost, "/gateways/vietqr/callback", strings.Replace(string(raw.Body), "250000", "250001", 1), http.StatusUnauthorized},
		{http.MethodGet, "/healthz", "x", http.StatusRequestEntityTooLarge},
		// The API's contract is served to anyone, without a body.
		{http.MethodGet, api.OpenAPIPath, "", http.StatusOK},
		{http.MethodGet, api.OpenAPIPath, "x", http.StatusRequestEntityTooLarge},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		for k, v := range raw.Headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s with a body: %d, want %d", c.method, c.path, resp.StatusCode, c.want)
		}
	}
	for {
		mu.Lock()
		n := len(confirmations)
		mu.Unlock()
		if n > 1 {
			break
		}
		if time.Since(paidAt) > 30*time.Second {
			t.Fatalf("%d of the two confirmations reached the procedure system", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // a second sender tick and the redelivered callback
	mu.Lock()
	// One each: the notice paid by its QR, and the notice created after
	// the transfer that named its dossier — naming that transfer.
	byNotice := map[string]map[string]any{}
	for _, c := range confirmations {
		byNotice[fmt.Sprint(c["notice_id"])] = c
	}
	if _, ok := byNotice[wrongID]; ok {
		t.Errorf("the notice paid to another account was confirmed: %v", byNotice[wrongID])
	}
	lateAllocs, _ := byNotice[lateID]["allocations"].([]any)
	lateFirst, _ := func() (map[string]any, bool) {
		if len(lateAllocs) != 1 {
			return nil, false
		}
		m, ok := lateAllocs[0].(map[string]any)
		return m, ok
	}()
	if len(keys) != 2 || len(confirmations) != 2 || byNotice[noticeID]["status"] != "paid" || byNotice[lateID]["status"] != "paid" ||
		lateFirst["payment_id"] != early.ID {
		mu.Unlock()
		t.Fatalf("confirmations %v (keys %v)", confirmations, keys)
	}
	mu.Unlock()
	_ = json.Unmarshal(call(http.MethodGet, "/v1/notices/"+noticeID+"", nil, http.StatusOK), &view)
	if len(view.Allocations) != 1 {
		t.Fatalf("after the retried callback: %+v", view.Allocations)
	}
	// Operators see it in the metrics.
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{`feerecon_payments_total{gateway="vietqr",outcome="recorded"}`, `feerecon_payments_total{gateway="vietqr",outcome="redelivered"}`,
		"feerecon_notices_confirmed_total", `feerecon_ingress_callbacks_total{gateway="vietqr"`, "feerecon_kafka_consumed_total",
		`feerecon_outbox_attempts_total{kind="confirmation",outcome="delivered"}`, `feerecon_confirmfeed_attempts_total{outcome="published"}`,
		`feerecon_reportfeed_attempts_total{outcome="published"}`} {
		if !bytes.Contains(metrics, []byte(m)) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	// Systems that pull read the same confirmation on payments.confirmed.
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, Topic: kafkabus.TopicConfirmed, Partition: partitionOf(t, broker, "dvc-nghean/"+noticeID), MaxWait: 200 * time.Millisecond})
	defer r.Close()
	rctx, rcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer rcancel()
	for {
		m, err := r.ReadMessage(rctx)
		if err != nil {
			t.Fatalf("no confirmation for %s on %s: %v", noticeID, kafkabus.TopicConfirmed, err)
		}
		if string(m.Key) == "dvc-nghean/"+noticeID {
			if !bytes.Contains(m.Value, []byte(`"status":"paid"`)) {
				t.Fatalf("confirmation on Kafka: %s", m.Value)
			}
			break
		}
	}

	// The bank takes the early transfer back (issue 11 §2): a signed
	// camt.054 reversal naming it, sent twice. The notice it paid is
	// issued again and its procedure system is told once in effect: one
	// payment.reversed with its idempotency key on the webhook, and the
	// same on payments.confirmed after the notice's confirmation.
	rev := payment.Reversal{Gateway: payment.GatewayCamt054, TxnID: "FTR" + early.TxnID, OriginalRefs: []string{early.TxnID},
		Amount: early.Amount, ReversedAt: time.Date(2026, 11, 27, 15, 0, 0, 0, payment.Location()), Description: "HOAN TRA GD " + early.TxnID}
	rev.ID = payment.ReversalID(rev.Gateway, rev.TxnID)
	revRaw, err := gatewaysim.EncodeReversal(rev, sim)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, base+"/gateways/camt054/callback", bytes.NewReader(revRaw.Body))
		for k, v := range revRaw.Headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("reversal callback answered %d", resp.StatusCode)
		}
	}
	for start := time.Now(); ; {
		mu.Lock()
		n := len(reversals)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Since(start) > 30*time.Second {
			mu.Lock()
			t.Fatalf("no payment.reversed reached the procedure system 30 s after the bank's reversal; keys %v", keys)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // the second callback and a second sender tick
	wantKey := outbox.Reversed.ID("dvc-nghean", lateID, rev.ID)
	mu.Lock()
	if len(reversals) != 1 || keys[wantKey] != 1 || reversals[0]["status"] != "issued" || reversals[0]["payment_id"] != early.ID ||
		reversals[0]["reversal_id"] != rev.ID || len(confirmations) != 2 {
		t.Errorf("after the reversal: payment.reversed %v, key %s seen %d times, %d confirmations", reversals, wantKey, keys[wantKey], len(confirmations))
	}
	mu.Unlock()
	if err := json.Unmarshal(call(http.MethodGet, "/v1/notices/"+lateID, nil, http.StatusOK), &lateView); err != nil {
		t.Fatal(err)
	}
	if lateView.Status != payment.NoticeIssued || len(lateView.Allocations) != 0 {
		t.Errorf("the notice after its payment's reversal: %s, allocations %+v", lateView.Status, lateView.Allocations)
	}
	rr := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, Topic: kafkabus.TopicConfirmed, Partition: partitionOf(t, broker, "dvc-nghean/"+lateID), MaxWait: 200 * time.Millisecond})
	defer rr.Close()
	var kinds []string
	for len(kinds) < 2 {
		m, err := rr.ReadMessage(rctx)
		if err != nil {
			t.Fatalf("on %s for %s: %v after %v", kafkabus.TopicConfirmed, lateID, err, kinds)
		}
		if string(m.Key) != "dvc-nghean/"+lateID {
			continue
		}
		for _, h := range m.Headers {
			if h.Key == outbox.HeaderKind {
				kinds = append(kinds, string(h.Value))
			}
		}
	}
	if !slices.Equal(kinds, []string{string(outbox.Confirmation), string(outbox.Reversed)}) {
		t.Errorf("on %s for %s: %v, want the confirmation then payment.reversed", kafkabus.TopicConfirmed, lateID, kinds)
	}

	// A first start on an empty database without --reports-from (issue 11
	// §4): no past day was reported, so nothing went to the treasury.
	var reports api.OutboxList
	if err := json.Unmarshal(httpCall(t, http.MethodGet, base+"/v1/outbox?kind=report", opKey, nil, http.StatusOK), &reports); err != nil {
		t.Fatal(err)
	}
	if len(reports.Messages) != 0 {
		t.Errorf("a first start without --reports-from sent %d reports, the first %s", len(reports.Messages), reports.Messages[0].ID)
	}

	// The run's audit chain is intact (acceptance 2; tampering: TestAuditVerify).
	if out, err := runCLI(t, "audit", "verify", "--db", db); err != nil || !intact.MatchString(out) {
		t.Errorf("audit verify on the run's database: %v\n%s", err, out)
	}
}

type lockedWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// The outbox senders serve wires count every channel's attempts in its
// registry, the report feed's included (it was once left unregistered).
func TestOutboxSendersMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	if _, err := outboxSenders(outbox.FromStore(memory.New()), nil, &kafkabus.Producer{}, reg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	want := []string{"feerecon_confirmfeed_attempts_total", "feerecon_outbox_attempts_total", "feerecon_reportfeed_attempts_total",
		"feerecon_reversalfeed_attempts_total"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("registered %v, want %v", names, want)
	}
}

// partitionOf is the partition the producer's hash balancer picks for key
// on the topic's partitions.
func partitionOf(t *testing.T, broker, key string) int {
	t.Helper()
	conn, err := kafka.Dial("tcp", broker)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions(kafkabus.TopicConfirmed)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int, len(parts))
	for i, p := range parts {
		ids[i] = p.ID
	}
	return (&kafka.Hash{}).Balance(kafka.Message{Key: []byte(key)}, ids...)
}

// serve reports every configuration problem in one pass: flags, gateway
// secrets, the webhooks file and the API's settings together, before it
// connects to anything.
func TestServeReportsEveryConfigurationProblemAtOnce(t *testing.T) {
	hooks := filepath.Join(t.TempDir(), "webhooks.json")
	if err := os.WriteFile(hooks, []byte(`{"dvc-nghean":{"url":"ftp://dvc.example","secret_env":"FEERECON_TEST_UNSET_SECRET"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FEERECON_TEST_UNSET_SECRET", "")
	cfg := serveConfig{Group: "g", CodePrefix: "NP", BankBIN: "12", Account: "113000006100", Webhooks: hooks,
		ReportGrace: -time.Minute, ReportsFrom: "2026-13-01", ApprovalThreshold: "1.5", MaxInFlightCallbacks: -1,
		Secrets: gatewaySecrets{MoMoSecret: "a-momo-secret-key-of-some-length"}} // no access key
	cfg.DayRules.CreditWindowDays = -1
	cfg.Issuer.Name = "Sở Tư pháp\ntỉnh Nghệ An"
	err := serve(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("serve = %v, want a configuration error", err)
	}
	for _, want := range []string{"--db", "--kafka", "--report-grace", "--reports-from", "credit window", "issuer name", "momo", "AccessKey", "secret_env", "DefaultCollection", "--approval-threshold",
		"--max-in-flight-callbacks", "--shutdown-timeout", "--kafka-session-timeout", "--batch-size"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not mention %s:\n%s", want, err)
		}
	}
	if lines := strings.Count(err.Error(), "\n") + 1; lines < 8 {
		t.Errorf("%d problem lines, want one a problem:\n%s", lines, err)
	}
}

// httpCall sends a JSON request with a bearer key to a running serve and
// returns the answer's body, failing t unless the status is want.
func httpCall(t *testing.T, method, url, key string, body []byte, want int) []byte {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	return b
}

// --collection-accounts is read and checked in serve's one configuration
// pass: a bad line is one problem among the others, and a VietQR account
// that is no agency's is refused; a good file reaches the engine.
func TestServeSettlesCollectionAccounts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.csv", "agency_code,bin,account\nH40.01,970415,113000006100\nH29.75,momo,MOMOFEER2024\n")
	bad := write("bad.csv", "agency_code,bin,account\nH40.01,970415,113000006100\nH40.01,bank,1\n")
	quiet := slog.New(slog.DiscardHandler)
	base := serveConfig{DB: "postgres://x", Kafka: "k:9092", Group: "g", CodePrefix: "NP", BankBIN: "970415", Account: "113000006100",
		MaxInFlightCallbacks: 1, KafkaSessionTimeout: kafkabus.DefaultSessionTimeout, ShutdownTimeout: time.Second, BatchSize: 1, Secrets: gatewaySecrets{VietQR: "a-vietqr-secret-of-some-length-32"}}

	cfg := base
	cfg.CollectionAccounts = good
	s, err := cfg.settle(quiet)
	if err != nil {
		t.Fatal(err)
	}
	if a := s.engine.CollectionAccounts; len(a.Rows()) != 2 || len(s.job.Engine.CollectionAccounts.Rows()) != 2 {
		t.Errorf("the engine's and the daily job's collection accounts: %+v, %+v", a.Rows(), s.job.Engine.CollectionAccounts.Rows())
	}

	cfg.CollectionAccounts = bad
	cfg.Group = ""
	_, err = cfg.settle(quiet)
	if !errors.Is(err, config.ErrInvalid) || !errors.Is(err, collection.ErrBIN) {
		t.Fatalf("bad file: %v", err)
	}
	for _, want := range []string{"--group", "--collection-accounts", "bad.csv line 3 bin \"bank\""} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not mention %s:\n%s", want, err)
		}
	}

	cfg = base
	cfg.CollectionAccounts, cfg.Account = good, "999999999999"
	if _, err = cfg.settle(quiet); !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "no agency's account") ||
		strings.Contains(err.Error(), "999999999999") {
		t.Errorf("a VietQR account that is no agency's: %v", err)
	}

	// The API prints each agency's bank account from the file on its
	// notices' VietQR codes: the file makes --collection-account optional,
	// unless it lists only wallets.
	cfg = base
	cfg.CollectionAccounts, cfg.BankBIN, cfg.Account = good, "", ""
	if s, err = cfg.settle(quiet); err != nil || len(s.api.CollectionAccounts.BankOf("H40.01")) != 1 {
		t.Errorf("a file without --collection-account: %v; the API's accounts %+v", err, s.api.CollectionAccounts.Rows())
	}
	cfg.CollectionAccounts = write("wallets.csv", "agency_code,bin,account\nH29.75,momo,MOMOFEER2024\n")
	if _, err = cfg.settle(quiet); !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "no collection account") {
		t.Errorf("wallets only, no --collection-account: %v", err)
	}
}
