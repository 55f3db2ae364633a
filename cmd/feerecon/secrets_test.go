package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/apikey"
	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaysim"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/vietqr"
	"github.com/feerecon/feerecon/testenv"
)

var regexpPort = regexp.MustCompile(`127\.0\.0\.1:\d+`)

// syncBuffer collects log lines written from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func marker(prefix string) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return prefix + hex.EncodeToString(b)
}

// passwordDB gives a fresh database owned by a role of its own that has a
// password, and the DSN that carries it: the server may trust local
// connections, but the password is in the DSN as an operator's would be.
func passwordDB(t *testing.T) (dsn, password string) {
	t.Helper()
	base := os.Getenv(testenv.EnvPG)
	if base == "" {
		testenv.Postgres(t) // skips, or fails under CI
	}
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	role, password := "t_pw_"+marker(""), marker("Pw5ecret")
	// CREATEROLE: migrations may create the service's roles.
	if _, err := admin.Exec("CREATE ROLE " + role + " LOGIN CREATEROLE PASSWORD '" + password + "'"); err != nil {
		t.Fatalf("create role: %v", err)
	}
	// Registered before the database, so it runs after the database is dropped.
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP ROLE IF EXISTS " + role)
		admin.Close()
	})
	db := testenv.Postgres(t)
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("ALTER DATABASE " + strings.TrimPrefix(u.Path, "/") + " OWNER TO " + role); err != nil {
		t.Fatalf("alter database owner: %v", err)
	}
	u.User = url.UserPassword(role, password)
	return u.String(), password
}

// helpOfEveryCommand runs --help of the root and of every command under
// it, and returns all the output.
func helpOfEveryCommand(t *testing.T) (string, int) {
	t.Helper()
	var paths [][]string
	var visit func(c *cobra.Command, path []string)
	visit = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			visit(sub, append(append([]string(nil), path...), sub.Name()))
		}
	}
	visit(newRoot(), nil)
	var all strings.Builder
	for _, p := range paths {
		root := newRoot()
		var buf bytes.Buffer
		root.SetOut(&buf)
		root.SetErr(&buf)
		root.SetArgs(append(p, "--help"))
		err := root.ExecuteContext(context.Background())
		out := buf.String()
		if err != nil {
			t.Errorf("%v --help: %v", p, err)
		}
		if !strings.Contains(out, "Usage:") {
			t.Errorf("%v --help printed no usage: %q", p, out)
		}
		all.WriteString(out)
	}
	return all.String(), len(paths)
}

// Acceptance 6: no test secret, database password or full account number
// in any log line of a run of serve (debug level, every record), in the
// errors of a failed connection, or in the --help of any command, with
// every secret configured through the environment as an operator would.
func TestNoSecretInLogsErrorsOrHelp(t *testing.T) {
	dsn, dbPassword := passwordDB(t)
	broker := testenv.Kafka(t)
	sim := gatewaysim.DemoSecrets()
	sim.VietQR, sim.Camt054 = marker("vietqr-secret-"), marker("camt054-secret-")
	const (
		collection = "113000006100"     // the collection account: in QR codes, never in logs
		payerAcct  = "0071000123456789" // a payer's account, as camt.054 reports it
	)
	sim.CollectionAccount = collection
	sinkSecret, urlPassword := marker("sink-secret-"), marker("url-password-")
	momoSecret, zaloKey, vnpaySecret := marker("momo-secret-"), marker("zalo-key2-"), marker("vnpay-secret-")
	t.Setenv("FEERECON_DB", dsn)
	t.Setenv("FEERECON_KAFKA", broker)
	t.Setenv("FEERECON_COLLECTION_ACCOUNT", collection)
	t.Setenv("FEERECON_VIETQR_SECRET", sim.VietQR)
	t.Setenv("FEERECON_CAMT054_SECRET", sim.Camt054)
	t.Setenv("FEERECON_MOMO_SECRET_KEY", momoSecret)
	t.Setenv("FEERECON_MOMO_ACCESS_KEY", "momo-access")
	t.Setenv("FEERECON_MOMO_PARTNER_CODE", "MOMOTEST0000")
	t.Setenv("FEERECON_ZALOPAY_KEY2", zaloKey)
	t.Setenv("FEERECON_ZALOPAY_APP_ID", "9999")
	t.Setenv("FEERECON_VNPAY_HASH_SECRET", vnpaySecret)
	t.Setenv("FEERECON_VNPAY_TMN_CODE", "TESTTMN1")
	t.Setenv("FEERECON_TEST_SINK_SECRET", sinkSecret)
	forbidden := map[string]string{
		"database password": dbPassword, "database URL": dsn,
		"vietqr secret": sim.VietQR, "camt054 secret": sim.Camt054, "momo secret": momoSecret,
		"zalopay key2": zaloKey, "vnpay secret": vnpaySecret, "webhook secret": sinkSecret, "webhook URL password": urlPassword,
		"collection account": collection, "payer account": payerAcct,
	}
	check := func(what, text string) {
		t.Helper()
		for name, s := range forbidden {
			if strings.Contains(text, s) {
				i := strings.Index(text, s)
				t.Errorf("%s shows the %s: …%s…", what, name, text[max(0, i-120):min(len(text), i+len(s)+40)])
			}
		}
	}

	// --help of every command, with all of the above in the environment.
	help, commands := helpOfEveryCommand(t)
	if commands < 10 || !strings.Contains(help, "postgres://") {
		t.Fatalf("--help of %d commands, DSN shown: %v: the walk or the default is broken", commands, strings.Contains(help, "postgres://"))
	}
	check("--help", help)

	// migrate through the command line, its output kept.
	out, err := runCLI(t, "migrate")
	if err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	check("migrate's output", out)
	// The procedure system's API key: printed once by create (not checked
	// here, it must show it), never again, nowhere else.
	out, err = runCLI(t, "apikey", "create", "--system", "dvc-nghean")
	if err != nil {
		t.Fatalf("apikey create: %v\n%s", err, out)
	}
	apiKey := strings.TrimSpace(out[strings.LastIndex(strings.TrimRight(out, "\n"), "\n")+1:])
	_, keySecret, err := apikey.Parse(apiKey)
	if err != nil {
		t.Fatalf("apikey create printed %q last: %v", apiKey, err)
	}
	forbidden["API key secret"] = keySecret
	out, err = runCLI(t, "apikey", "create", "--system", "ops", "--role", "operator")
	if err != nil {
		t.Fatalf("apikey create: %v\n%s", err, out)
	}
	opKey := strings.TrimSpace(out[strings.LastIndex(strings.TrimRight(out, "\n"), "\n")+1:])
	_, opSecret, err := apikey.Parse(opKey)
	if err != nil {
		t.Fatalf("apikey create printed %q last: %v", opKey, err)
	}
	forbidden["operator key secret"] = opSecret
	list, err := runCLI(t, "apikey", "list")
	if err != nil {
		t.Fatal(err)
	}
	check("apikey list", list)

	// Connection failures, as an operator mistypes them.
	for _, bad := range []string{
		strings.Replace(dsn, "127.0.0.1", "127.0.0.1%", 1),      // unparsable
		strings.Replace(dsn, "@", " x@", 1),                     // invalid userinfo
		regexpPort.ReplaceAllString(dsn, "127.0.0.1:1"),         // nobody listens
		"host=127.0.0.1 port=1 password=" + dbPassword + " x='", // key=value, broken
	} {
		out, err := runCLI(t, "statement", "import", "no-such-file.xml", "--db", bad)
		if err == nil {
			t.Fatalf("import with DSN %d succeeded", len(bad))
		}
		check("a connection error", err.Error()+out)
		out, err = runCLI(t, "migrate", "--db", bad)
		if err == nil {
			t.Fatalf("migrate with a bad DSN succeeded")
		}
		check("a migrate error", err.Error()+out)
	}

	// serve, end to end, every log record captured at debug level.
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var mu sync.Mutex
	confirmations := 0
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := outbox.Verify(outbox.Secret(sinkSecret), r.Header.Get(outbox.HeaderTimestamp), body, r.Header.Get(outbox.HeaderSignature)); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		confirmations++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer sink.Close()
	hooks := filepath.Join(t.TempDir(), "webhooks.json")
	// The treasury's endpoint does not answer, and its URL carries a
	// password: every failed delivery is logged, never with it.
	treasuryURL := "http://feerecon:" + urlPassword + "@127.0.0.1:1/reports"
	if err := os.WriteFile(hooks, []byte(`{"dvc-nghean":{"url":"`+sink.URL+`","secret_env":"FEERECON_TEST_SINK_SECRET"},`+
		`"treasury":{"url":"`+treasuryURL+`","secret_env":"FEERECON_TEST_SINK_SECRET"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	prefix := ""
	for n := time.Now().UnixNano(); len(prefix) < 4; n /= 26 {
		prefix += string(rune('A' + n%26))
	}
	cfg := serveConfig{DB: dsn, Kafka: broker, HTTPAddr: addr, Group: testenv.Name("secrets"), CodePrefix: prefix, KafkaSessionTimeout: kafkabus.DefaultSessionTimeout,
		BankBIN: "970415", Account: collection, Webhooks: hooks, Secrets: secretsFromEnv(),
		MaxInFlightCallbacks: 16, ShutdownTimeout: 10 * time.Second, BatchSize: 50, BatchWait: 5 * time.Millisecond}
	cfg.DayRules.Cutoff, cfg.DayRules.CreditWindowDays = 24*time.Hour, 1
	// Yesterday reported, empty as it is: its report goes to the treasury
	// that does not answer, so a failed delivery is logged.
	cfg.ReportsFrom, cfg.ReportEmptyDays = payment.DateOf(time.Now()).AddDays(-1).String(), true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, log) }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve returned %v", err)
			}
		}
	}
	defer stop()
	base := "http://" + addr
	call := func(method, path, body string, want int) []byte {
		t.Helper()
		key := apiKey
		if strings.HasPrefix(path, "/v1/exceptions") || strings.HasPrefix(path, "/v1/outbox") {
			key = opKey
		}
		b := httpCall(t, method, base+path, key, []byte(body), want)
		check(method+" "+path+"'s answer", string(b))
		return b
	}
	waitReady(t, base, 15*time.Second)
	noticeID := testenv.Name("TB-SEC")
	notice := `{"notice_id":"` + noticeID + `","dossier_code":"000.00.20.H40-261127-0001","agency_code":"H40.01","payer_name":"Nguyễn Thị Mai",
		"amount":{"amount":"250000","currency":"VND"},"issued_at":"2026-11-27T08:00:00+07:00","treasury_account":"3511.0.1055555"}`
	var created api.NoticeView
	if err := json.Unmarshal(call(http.MethodPost, "/v1/notices", notice, http.StatusCreated), &created); err != nil {
		t.Fatal(err)
	}
	// Refused requests log too.
	call(http.MethodPost, "/v1/notices", `{"notice_id":"`+payerAcct+`","agency_code":"=1+1","treasury_account":"=cmd|' /C calc'!A0"}`, http.StatusUnprocessableEntity)
	call(http.MethodPost, "/v1/notices", "{\"notice_id\":\"\xff"+payerAcct+"\"}", http.StatusBadRequest)
	// The QR must carry the collection account: it is the one answer that
	// may, so it is read without check.
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/notices/"+noticeID+"/qr", nil)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var qr api.QRView
	err = json.NewDecoder(resp.Body).Decode(&qr)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	dec, err := vietqr.Parse(qr.Payload)
	if err != nil {
		t.Fatal(err)
	}
	post := func(gw string, raw gateways.Raw) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+"/gateways/"+gw+"/callback", bytes.NewReader(raw.Body))
		for k, v := range raw.Headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		check(gw+" callback's answer", string(b))
		return resp.StatusCode
	}
	txn := func() string { return fmt.Sprint(1_000_000 + time.Now().UnixNano()%1_000_000_000_000) }
	// A camt.054 credit of 100 000 (partial) from the payer's account, then
	// the VietQR transfer of the rest.
	partial := payment.Payment{Gateway: payment.GatewayCamt054, TxnID: txn(), Amount: payment.VNDOf(100_000),
		PaidAt: time.Date(2026, 11, 27, 9, 10, 0, 0, payment.Location()), Description: dec.Payload.Purpose,
		PayerName: "NGUYEN THI MAI", PayerAccount: payerAcct}
	partial.ID = payment.PaymentID(partial.Gateway, partial.TxnID)
	rawC, err := gatewaysim.Encode(partial, sim)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(rawC.Body, []byte(payerAcct)) {
		t.Fatal("the camt.054 callback does not carry the payer's account: the test proves nothing about it")
	}
	rest := payment.Payment{Gateway: payment.GatewayVietQR, TxnID: txn(), Amount: payment.VNDOf(150_000),
		PaidAt: time.Date(2026, 11, 27, 9, 15, 0, 0, payment.Location()), Description: dec.Payload.Purpose}
	rest.ID = payment.PaymentID(rest.Gateway, rest.TxnID)
	rawV, err := gatewaysim.Encode(rest, sim)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(rawV.Body, []byte(collection)) {
		t.Fatal("the VietQR callback does not carry the collection account: the test proves nothing about it")
	}
	// A forged callback (bad signature) with the accounts in its body.
	forged := rawC
	forged.Body = bytes.Replace(append([]byte(nil), rawC.Body...), []byte("100000"), []byte("900000"), 1)
	if got := post("camt054", forged); got < 400 {
		t.Errorf("forged callback answered %d", got)
	}
	if got := post("camt054", rawC); got != http.StatusOK {
		t.Fatalf("camt054 callback answered %d", got)
	}
	if got := post("vietqr", rawV); got != http.StatusOK {
		t.Fatalf("vietqr callback answered %d", got)
	}
	if got := post("vietqr", rawV); got != http.StatusOK { // a redelivery
		t.Fatalf("redelivered callback answered %d", got)
	}
	deadline := time.Now().Add(45 * time.Second)
	for {
		var view api.NoticeView
		if err := json.Unmarshal(call(http.MethodGet, "/v1/notices/"+noticeID, "", http.StatusOK), &view); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		n := confirmations
		mu.Unlock()
		if view.Status == payment.NoticePaid && n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("notice %s with %d confirmations 45 s after the callbacks", view.Status, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	call(http.MethodGet, "/v1/exceptions", "", http.StatusOK)
	call(http.MethodGet, "/v1/outbox", "", http.StatusOK)
	// The day's report reaches the outbox at start; its first (failed)
	// delivery to the treasury may still be due on a loaded machine.
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(logs.String(), "outbox attempt failed") &&
		time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	stop()

	text := logs.String()
	lines := strings.Count(text, "\n")
	if lines < 20 || !strings.Contains(text, `"level":"DEBUG"`) && !strings.Contains(text, "api request") {
		t.Fatalf("only %d log lines captured: the capture is broken\n%s", lines, text)
	}
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		if !json.Valid([]byte(l)) {
			t.Errorf("a log line is not one JSON record: %q", l)
		}
	}
	if !strings.Contains(text, "outbox attempt failed") || !strings.Contains(text, "dial tcp 127.0.0.1:1:") {
		t.Errorf("no failed delivery to the treasury was logged: the webhook URL's password went untested")
	}
	check("the logs", text)
	if os.Getenv("FEERECON_TEST_DUMP_LOGS") != "" {
		t.Log(text)
	}

	// serve itself, on a database it cannot reach.
	cfg.DB = strings.Replace(dsn, "127.0.0.1", "127.0.0.1%", 1)
	if err := serve(context.Background(), cfg, log); err == nil {
		t.Error("serve on an unparsable DSN succeeded")
	} else {
		check("serve's connection error", err.Error())
	}
	check("the logs of the failed serve", logs.String())
	t.Logf("%d log lines, --help of %d commands, 8 error paths: no secret, password or full account number", lines, commands)
}
