package camt054_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/camt054"
	"github.com/feerecon/feerecon/gateways/gatewaytest"
	"github.com/feerecon/feerecon/payment"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const (
	dir = "../../testdata/gateways/camt054"
	// realDir holds genkgo/camt's real camt.054 samples (shared, not copied).
	realDir = "../../../shared/testdata/camt"
	// testSecret signs the files (testdata/gateways/sign.sh, openssl).
	testSecret = "feerecon-test-camt054-secret-001"
)

func newDecoder(t testing.TB) *camt054.Decoder {
	t.Helper()
	d, err := camt054.New(camt054.Config{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// read returns a file with the openssl signature from <file>.sig.
func read(t testing.TB, name string) gateways.Raw {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := os.ReadFile(filepath.Join(dir, name+".sig"))
	if err != nil {
		t.Fatal(err)
	}
	return gateways.Raw{Body: b, Headers: map[string]string{camt054.HeaderSignature: strings.TrimSpace(string(sig))}}
}

func resign(body []byte) gateways.Raw {
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write(body)
	return gateways.Raw{Body: body, Headers: map[string]string{camt054.HeaderSignature: hex.EncodeToString(mac.Sum(nil))}}
}

func TestDecodeFiles(t *testing.T) {
	t.Parallel()
	dec := newDecoder(t)
	tests := []struct {
		file  string
		want  error // nil: decodes, compared with <file>.golden
		count int   // payments expected when want is nil
	}{
		{"vnd_credits_v08.xml", nil, 2},
		{"vnd_fallbacks_v02.xml", nil, 2},
		{"usd_credit.xml", nil, 1},
		{"tampered_amount.xml", gateways.ErrSignature, 0},
		{"debit_only.xml", gateways.ErrNotPayment, 0},
		{"pending_only.xml", gateways.ErrNotPayment, 0},
		{"reversal_only.xml", gateways.ErrNotPayment, 0},
		{"fractional_vnd.xml", payment.ErrAmountFractional, 0},
		{"negative.xml", payment.ErrAmountNegative, 0},
		{"zero.xml", payment.ErrAmountZero, 0},
		{"unknown_currency.xml", payment.ErrUnknownCurrency, 0},
		{"usd_three_decimals.xml", payment.ErrAmountFractional, 0},
		{"bad_credit_among_good.xml", payment.ErrAmountFractional, 0},
		{"missing_booking_date.xml", gateways.ErrMalformed, 0},
		{"bad_indicator.xml", gateways.ErrMalformed, 0},
		{"duplicate_ref.xml", gateways.ErrMalformed, 0},
		{"no_id_at_all.xml", gateways.ErrMalformed, 0},
		{"not_camt054.xml", gateways.ErrMalformed, 0},
		{"no_notification.xml", gateways.ErrMalformed, 0},
		{"two_roots.xml", gateways.ErrMalformed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			ps, err := dec.Decode(read(t, tt.file))
			if cerr := gatewaytest.Check(payment.GatewayCamt054, ps, err); cerr != nil {
				t.Fatal(cerr)
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if len(ps) != tt.count {
					t.Errorf("%d payments, want %d", len(ps), tt.count)
				}
				gatewaytest.Golden(t, filepath.Join(dir, strings.TrimSuffix(tt.file, ".xml")+".golden"), ps, *update)
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var ae *payment.AmountError
			if errors.As(err, &ae) != errors.Is(err, gateways.ErrAmount) {
				t.Errorf("ErrAmount and *payment.AmountError must come together: %v", err)
			}
		})
	}
}

// realSamples returns the directory of the shared real samples. It skips
// only outside CI when they are absent; under CI=true it fails.
func realSamples(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(realDir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("real camt samples missing under CI=true: %v (clone the shared repository beside this one)", err)
		}
		t.Skipf("real camt samples not found at %s: %v", realDir, err)
	}
	return realDir
}

// TestRealSamples parses genkgo/camt's real camt.054 files (versions .02,
// .04, .08). Each holds one booked SEK debit entry: no payment. The same
// entries read as EUR credits check the mapping of the real structure.
func TestRealSamples(t *testing.T) {
	t.Parallel()
	root := realSamples(t)
	dec := newDecoder(t)
	tests := []struct {
		file     string
		ref      string // Ntry/AcctSvcrRef
		txs      int    // TxDtls
		payer    string // first debtor name
		asCredit error  // result as an EUR credit; nil: golden
	}{
		{"camt054.v2.xml", "AAAASESS-FP-ACCR001", 3, "", nil},
		{"camt054.v2.with-account-name.xml", "", 1, "MUELLER", gateways.ErrMalformed},
		{"camt054.v4.xml", "ACSR160617103200001", 3, "", nil},
		{"camt054.v8.xml", "ACSR160617103200001", 3, "UNIFITS GmbH", nil},
		{"camt054.v8-with-UETR.xml", "", 1, "", gateways.ErrMalformed},
		{"camt054.v8-with-financial-institution.xml", "ACSR160617103200001", 1, "", gateways.ErrMalformed},
	}
	files, err := filepath.Glob(filepath.Join(root, "camt054*.xml"))
	if err != nil || len(files) != len(tests) {
		t.Fatalf("found %d camt054 samples, the table has %d: %v", len(files), len(tests), err)
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(root, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := camt054.ParseNotification(body)
			if err != nil {
				t.Fatalf("ParseNotification: %v", err)
			}
			ns := doc.Notif.Notifications
			if len(ns) != 1 || ns[0].ID != "AAAASESS-FP-ACCR001" || len(ns[0].Entries) != 1 {
				t.Fatalf("got %d notifications, want 1 with id AAAASESS-FP-ACCR001 and 1 entry", len(ns))
			}
			e := ns[0].Entries[0]
			var txs, payers int
			var payer string
			for _, d := range e.Details {
				txs += len(d.Transactions)
				for _, tx := range d.Transactions {
					if n := tx.RltdPties.Dbtr.Nm + tx.RltdPties.Dbtr.PtyNm; n != "" {
						payers++
						if payer == "" {
							payer = n
						}
					}
				}
			}
			if e.Amt.Value != "200000" || e.Amt.Ccy != "SEK" || e.CdtDbtInd != camt054.Debit ||
				e.Status.Code() != camt054.StatusBook || e.AcctSvcrRef != tt.ref || txs != tt.txs {
				t.Errorf("entry = %s %s %s %q ref %q, %d TxDtls; want 200000 SEK DBIT BOOK ref %q, %d TxDtls",
					e.Amt.Value, e.Amt.Ccy, e.CdtDbtInd, e.Status.Code(), e.AcctSvcrRef, txs, tt.ref, tt.txs)
			}
			if tt.payer != "" && payer != tt.payer {
				t.Errorf("first debtor %q, want %q", payer, tt.payer)
			}
			if _, err := dec.Payments(doc); !errors.Is(err, gateways.ErrNotPayment) {
				t.Errorf("Payments of a debit-only notification: err = %v, want ErrNotPayment", err)
			}
			// SEK is not a currency feerecon recognises.
			ns[0].Entries[0].CdtDbtInd = camt054.Credit
			if _, err := dec.Payments(doc); !errors.Is(err, payment.ErrUnknownCurrency) {
				t.Errorf("as a SEK credit: err = %v, want ErrUnknownCurrency", err)
			}
			ns[0].Entries[0].Amt.Ccy = "EUR"
			ps, err := dec.Payments(doc)
			if cerr := gatewaytest.Check(payment.GatewayCamt054, ps, err); cerr != nil {
				t.Fatal(cerr)
			}
			if tt.asCredit != nil {
				if !errors.Is(err, tt.asCredit) {
					t.Errorf("as an EUR credit: err = %v, want %v", err, tt.asCredit)
				}
				return
			}
			if err != nil {
				t.Fatalf("as an EUR credit: %v", err)
			}
			gatewaytest.Golden(t, filepath.Join(dir, "real_"+strings.TrimSuffix(tt.file, ".xml")+".golden"), ps, *update)
		})
	}
}

func TestRealStatementIsNotANotification(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile(filepath.Join(realSamples(t), "camt053.v2.minimal.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := camt054.ParseNotification(body); !errors.Is(err, gateways.ErrMalformed) {
		t.Errorf("camt.053 statement: err = %v, want ErrMalformed", err)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if _, err := camt054.New(camt054.Config{Secret: "short"}); err == nil {
		t.Error("New accepted a 5-byte secret")
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ge := func(s error) error { return &gateways.Error{Gateway: payment.GatewayCamt054, Err: s} }
	const ct = "text/plain; charset=utf-8"
	gatewaytest.RunDecoderTests(t, newDecoder(t), gatewaytest.Cases{
		Valid:    []gateways.Raw{read(t, "vnd_credits_v08.xml"), read(t, "vnd_fallbacks_v02.xml"), read(t, "usd_credit.xml")},
		Tampered: []gateways.Raw{read(t, "tampered_amount.xml")},
		Resign:   resign,
		Success:  gatewaytest.Reply{Status: 200, ContentType: ct, Body: "OK\n"},
		Retry:    gatewaytest.Reply{Status: 503, ContentType: ct, Body: "retry later\n"},
		Replies: []gatewaytest.Reply{
			{Err: ge(gateways.ErrSignature), Status: 401, ContentType: ct, Body: "signature does not verify\n"},
			{Err: ge(gateways.ErrMalformed), Status: 400, ContentType: ct, Body: "rejected\n"},
			{Err: ge(gateways.ErrAmount), Status: 400, ContentType: ct, Body: "rejected\n"},
			{Err: ge(gateways.ErrTooLarge), Status: 413, ContentType: ct, Body: "message too large\n"},
			{Err: ge(gateways.ErrNotPayment), Status: 200, ContentType: ct, Body: "OK\n"},
		},
	})
}

func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds in %s: %v", dir, err)
	}
	real, _ := filepath.Glob(filepath.Join(realDir, "camt054*.xml"))
	for _, file := range append(files, real...) {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	dec := newDecoder(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, raw := range []gateways.Raw{{Body: body}, resign(body)} {
			ps, err := dec.Decode(raw)
			if cerr := gatewaytest.Check(payment.GatewayCamt054, ps, err); cerr != nil {
				t.Fatalf("%q: %v", raw.Body, cerr)
			}
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	dec := newDecoder(b)
	raw := read(b, "vnd_credits_v08.xml")
	b.SetBytes(int64(len(raw.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}
