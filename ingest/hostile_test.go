package ingest_test

import (
	"crypto/sha256"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/vietqr"
	"github.com/feerecon/feerecon/hostile"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
	"github.com/feerecon/feerecon/store/storetest"
)

const hostileSecret = "feerecon-hostile-vietqr-secret-01"

// hostileBudget bounds each message: one not handled by then hangs.
const hostileBudget = 20 * time.Second

// vietqrMessage is a SePay webhook for txn with the given JSON fields
// replaced (raw JSON values), signed with hostileSecret.
func vietqrMessage(txn string, fields map[string]string) gateways.Raw {
	f := map[string]string{
		"id": txn, "gateway": `"Vietcombank"`, "transactionDate": `"2026-11-20 09:30:00"`,
		"accountNumber": `"0071000123456"`, "content": `"NP000000000151 le phi"`, "transferType": `"in"`,
		"transferAmount": "150000", "accumulated": "0", "referenceCode": `"FT1"`, "description": `"x"`,
	}
	for k, v := range fields {
		f[k] = v
	}
	var parts []string
	for _, k := range []string{"id", "gateway", "transactionDate", "accountNumber", "content", "transferType", "transferAmount", "accumulated", "referenceCode", "description"} {
		parts = append(parts, `"`+k+`":`+f[k])
	}
	return signed([]byte("{" + strings.Join(parts, ",") + "}"))
}

func signed(body []byte) gateways.Raw {
	return gateways.Raw{Body: body, Headers: map[string]string{
		vietqr.HeaderSignature: gateways.SignHMAC(sha256.New, []byte(hostileSecret), body)}}
}

// rawCase is one row of the raw topics' catalogue: a message as it sits on
// payments.raw.vietqr (the callback edge already refuses most of these;
// the consumer must refuse them again, since anything may be produced to
// a topic).
type rawCase struct {
	name  hostile.Case
	label string
	raw   gateways.Raw
	// stored: recorded by design; check reads it back.
	stored bool
	check  func(t *testing.T, tx store.Tx)
}

func rawCases() []rawCase {
	valid := vietqrMessage("92704", nil).Body
	return []rawCase{
		{name: hostile.OversizedBody, raw: vietqrMessage("92801", map[string]string{"description": `"` + strings.Repeat("A", gateways.MaxMessageBytes) + `"`})},
		{name: hostile.DeepJSON, raw: vietqrMessage("92802", map[string]string{"description": hostile.DeepJSONValue(20000)})},
		{name: hostile.AmountHuge, raw: vietqrMessage("92803", map[string]string{"transferAmount": hostile.HugeAmount})},
		{name: hostile.AmountNegative, raw: vietqrMessage("92804", map[string]string{"transferAmount": "-150000"})},
		{name: hostile.AmountFractionalVND, raw: vietqrMessage("92805", map[string]string{"transferAmount": "150000.5"})},
		{name: hostile.AmountExponent, raw: vietqrMessage("92806", map[string]string{"transferAmount": "1.5e5"})},
		{name: hostile.AmountThousands, label: "dot", raw: vietqrMessage("92807", map[string]string{"transferAmount": `"150.000"`})},
		{name: hostile.AmountThousands, label: "comma", raw: vietqrMessage("92808", map[string]string{"transferAmount": `"150,000"`})},
		{name: hostile.TimeFarPast, raw: vietqrMessage("92809", map[string]string{"transactionDate": `"1900-01-01 00:00:00"`})},
		{name: hostile.TimeFarFuture, raw: vietqrMessage("92810", map[string]string{"transactionDate": `"9999-12-31 23:59:59"`})},
		{name: hostile.Empty, raw: signed(nil)},
		{name: hostile.Empty, label: "unsigned", raw: gateways.Raw{}},
		{name: hostile.Truncated, raw: signed(valid[:len(valid)/2])},
		{name: hostile.Truncated, label: "unsigned", raw: gateways.Raw{Body: valid[:len(valid)/2], Headers: vietqrMessage("92704", nil).Headers}},
		{name: hostile.DuplicateID, label: "other-amount", raw: vietqrMessage("92704", map[string]string{"transferAmount": "1500000"})},
		{name: hostile.DuplicateID, label: "other-time", raw: vietqrMessage("92704", map[string]string{"transactionDate": `"2026-11-21 09:30:00"`})},
		{name: hostile.SQLInjection, raw: vietqrMessage("92811", map[string]string{"content": `"NP000000000151 ` + hostile.SQL + `"`, "referenceCode": `"` + hostile.SQL + `"`}),
			stored: true, check: func(t *testing.T, tx store.Tx) {
				p, err := tx.Payment(ctx, payment.PaymentID(payment.GatewayVietQR, "92811"))
				if err != nil {
					t.Fatal(err)
				}
				if p.Description != "NP000000000151 "+hostile.SQL || p.BankRef != hostile.SQL {
					t.Errorf("not stored verbatim: description %q bank ref %q", p.Description, p.BankRef)
				}
			}},
		{name: hostile.InvalidUTF8, raw: vietqrMessage("92812", map[string]string{"content": `"NP000000000151 ` + hostile.BadUTF8 + `"`}),
			stored: true, check: func(t *testing.T, tx store.Tx) {
				p, err := tx.Payment(ctx, payment.PaymentID(payment.GatewayVietQR, "92812"))
				if err != nil {
					t.Fatal(err)
				}
				// Money arrived: refused, the gateway would redeliver it
				// forever. The raw message keeps the bytes; the stored
				// text has U+FFFD where they were invalid.
				if want := "NP000000000151 " + strings.ToValidUTF8(hostile.BadUTF8, "\uFFFD"); p.Description != want {
					t.Errorf("description %q, want %q", p.Description, want)
				}
			}},
	}
}

// TestHostileRawMessages is the raw topics' part of the hostile-input
// catalogue (RELIABILITY.md "Hostile input"): every hostile message on a
// raw topic is an error the consumer dead-letters (kafkabus.Classify:
// permanent, with its reason), never a panic or a hang, and nothing stored
// changes; a message accepted by design (odd text) is stored verbatim. On
// memory and on PostgreSQL.
func TestHostileRawMessages(t *testing.T) {
	t.Parallel()
	dec, err := vietqr.New(vietqr.Config{Secret: hostileSecret})
	if err != nil {
		t.Fatal(err)
	}
	for _, be := range []struct {
		name string
		open func(t *testing.T) store.Store
	}{{"memory", func(*testing.T) store.Store { return memory.New() }}, {"postgres", pgStore}} {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			s := be.open(t)
			n := payment.Notice{ID: "TB-1", System: "dvc", Code: "NP000000000151", Dossier: "000.00.20.H40-240916-0012",
				Agency: "H40.01", PayerName: "A", Total: payment.VNDOf(150000), IssuedAt: base, TreasuryAccount: "3511.0.1055555",
				Status: payment.NoticeIssued, Version: 1}
			seed(t, s, n)
			pr := ingest.New(s, engine(t), clock, slog.New(slog.DiscardHandler))
			if st, err := pr.HandleRaw(ctx, dec, vietqrMessage("92704", nil), "raw/0/1"); err != nil || st.Recorded != 1 {
				t.Fatalf("valid message: %+v, %v", st, err)
			}
			for _, c := range rawCases() {
				name := string(c.name)
				if c.label != "" {
					name += "/" + c.label
				}
				t.Run(name, func(t *testing.T) {
					before := storetest.Snapshot(t, s)
					type result struct {
						st  ingest.RawStats
						err error
					}
					done := make(chan result, 1)
					go func() {
						st, err := pr.HandleRaw(ctx, dec, c.raw, "raw/0/2")
						done <- result{st, err}
					}()
					var r result
					select {
					case r = <-done:
					case <-time.After(hostileBudget):
						t.Fatalf("not handled within %s", hostileBudget)
					}
					if c.stored {
						if r.err != nil || r.st.Recorded != 1 {
							t.Fatalf("want recorded: %+v, %v", r.st, r.err)
						}
						if err := s.InTx(ctx, func(tx store.Tx) error { c.check(t, tx); return nil }); err != nil {
							t.Fatal(err)
						}
						return
					}
					permanent, kind, reason := kafkabus.Classify(r.err)
					t.Logf("%s: dead-lettered as %s/%s: %v", name, kind, reason, r.err)
					if !permanent || reason == "" {
						t.Fatalf("want a dead letter with its reason, got %+v, %v", r.st, r.err)
					}
					var ge *gateways.Error
					if !errors.As(r.err, &ge) {
						t.Errorf("error %v is not a *gateways.Error", r.err)
					}
					if changed := before.Changed(storetest.Snapshot(t, s)); len(changed) > 0 {
						t.Errorf("refused message changed the store: %v", changed)
					}
				})
			}
		})
	}
}
