package camt054_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/config"
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
	return gatewaytest.ReadSigned(t, dir, name, camt054.HeaderSignature)
}

var resign = gatewaytest.HMACHeader(camt054.HeaderSignature, testSecret)

func TestDecodeFiles(t *testing.T) {
	t.Parallel()
	gatewaytest.RunFileCases(t, newDecoder(t), payment.GatewayCamt054, dir, []gatewaytest.FileCase{
		{File: "vnd_credits_v08.xml", Payments: 2},
		{File: "vnd_fallbacks_v02.xml", Payments: 2},
		{File: "usd_credit.xml", Payments: 1},
		{File: "tampered_amount.xml", Want: gateways.ErrSignature},
		{File: "debit_only.xml", Want: gateways.ErrNotPayment},
		{File: "pending_only.xml", Want: gateways.ErrNotPayment},
		{File: "reversal_only.xml", Want: gateways.ErrNotPayment},
		{File: "fractional_vnd.xml", Want: payment.ErrAmountFractional},
		{File: "negative.xml", Want: payment.ErrAmountNegative},
		{File: "zero.xml", Want: payment.ErrAmountZero},
		{File: "unknown_currency.xml", Want: payment.ErrUnknownCurrency},
		{File: "usd_three_decimals.xml", Want: payment.ErrAmountFractional},
		{File: "bad_credit_among_good.xml", Want: payment.ErrAmountFractional},
		{File: "missing_booking_date.xml", Want: gateways.ErrMalformed},
		{File: "bad_indicator.xml", Want: gateways.ErrMalformed},
		{File: "duplicate_ref.xml", Want: gateways.ErrMalformed},
		{File: "no_id_at_all.xml", Want: gateways.ErrMalformed},
		{File: "not_camt054.xml", Want: gateways.ErrMalformed},
		{File: "no_notification.xml", Want: gateways.ErrMalformed},
		{File: "two_roots.xml", Want: gateways.ErrMalformed},
	}, read, *update)
}

// realSamples returns the directory of the shared real samples. It skips
// only outside CI when they are absent; under CI=true it fails.
func realSamples(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(realDir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("real camt samples missing under CI=true: %v (clone the shared repository beside this one)", err)
		}
		t.Skipf("real camt samples not found at %s (a skip only outside CI): %v", realDir, err)
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
	if _, err := camt054.New(camt054.Config{Secret: "short"}); !errors.Is(err, config.ErrInvalid) {
		t.Errorf("New with a 5-byte secret: err = %v, want config.ErrInvalid", err)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	const ct = "text/plain; charset=utf-8"
	gatewaytest.RunDecoderTests(t, newDecoder(t), gatewaytest.Cases{
		Valid:    []gateways.Raw{read(t, "vnd_credits_v08.xml"), read(t, "vnd_fallbacks_v02.xml"), read(t, "usd_credit.xml")},
		Tampered: []gateways.Raw{read(t, "tampered_amount.xml")},
		Resign:   resign,
		Success:  gatewaytest.Reply{Status: 200, ContentType: ct, Body: "OK\n"},
		Retry:    gatewaytest.Reply{Status: 503, ContentType: ct, Body: "retry later\n"},
		Replies: gatewaytest.ErrorReplies{
			Signature:  gatewaytest.Reply{Status: 401, ContentType: ct, Body: "signature does not verify\n"},
			Malformed:  gatewaytest.Reply{Status: 400, ContentType: ct, Body: "rejected\n"},
			Amount:     gatewaytest.Reply{Status: 400, ContentType: ct, Body: "rejected\n"},
			TooLarge:   gatewaytest.Reply{Status: 413, ContentType: ct, Body: "message too large\n"},
			NotPayment: gatewaytest.Reply{Status: 200, ContentType: ct, Body: "OK\n"},
		}.For(payment.GatewayCamt054),
	})
}

func FuzzDecode(f *testing.F) {
	gatewaytest.AddSeeds(f, filepath.Join(dir, "*.xml"))
	// The shared real samples seed too where they are checked out.
	if _, err := os.Stat(realDir); err == nil {
		gatewaytest.AddSeeds(f, filepath.Join(realDir, "camt054*.xml"))
	}
	dec := newDecoder(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		gatewaytest.CheckDecode(t, dec, payment.GatewayCamt054, gateways.Raw{Body: body}, resign(body))
	})
}

func BenchmarkDecode(b *testing.B) {
	gatewaytest.BenchmarkDecode(b, newDecoder(b), read(b, "vnd_credits_v08.xml"))
}
