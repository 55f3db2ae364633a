package api_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/payment/collection"
	"github.com/feerecon/feerecon/payment/vietqr"
	"github.com/feerecon/feerecon/store/memory"
)

// agencyAccounts: H40.01 collects into a bank account of its own (not the
// default) and a wallet; G01.899.108 into two bank accounts, the default
// the second; H29.75 through a wallet only.
const agencyAccounts = "agency_code,bin,account\n" +
	"H40.01,970415,113000006100\n" +
	"H40.01,vnpay,FEERECON01\n" +
	"G01.899.108,970436,5555000111\n" +
	"G01.899.108,970436," + collAcct + "\n" +
	"H29.75,momo,MOMOFEER2024\n"

func withAccounts(t *testing.T, file string) api.Config {
	t.Helper()
	a, err := collection.Parse(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	c := testConfig()
	c.CollectionAccounts = a
	return c
}

// TestNoticeQRUsesItsAgencysAccount: with collection accounts configured,
// a notice's QR carries a bank account of its own agency (the configured
// one when it is the agency's, else the agency's first), and an agency
// without a bank account has neither notices nor QR codes.
func TestNoticeQRUsesItsAgencysAccount(t *testing.T) {
	t.Parallel()
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			st := be.open(t)
			plain := setup(t, st) // the same store, no collection accounts
			b := plain
			srv, err := api.New(withAccounts(t, agencyAccounts), st, slog.New(slog.DiscardHandler), func() time.Time { return clock })
			if err != nil {
				t.Fatal(err)
			}
			b.srv = srv
			qr := func(id string) vietqr.Payload {
				t.Helper()
				var q api.QRView
				b.do("GET", "/v1/notices/"+id+"/qr", sys, "").want(t, http.StatusOK).decode(t, &q)
				d, err := vietqr.Parse(q.Payload)
				if err != nil || d.BankBIN != q.BankBIN || d.Account != q.Account {
					t.Fatalf("%s: %+v does not say %s: %v", id, d.Payload, q.Payload, err)
				}
				return d.Payload
			}
			agency := func(id, code, treasury string) string {
				body := strings.Replace(noticeBody(id, "50000"), `"H40.01"`, `"`+code+`"`, 1)
				return strings.Replace(body, treasuryAcct, treasury, 1)
			}
			tests := []struct {
				id, agency, treasury string
				bin, account         string
			}{
				// the default (970436 collAcct) is not H40.01's: its own account
				{"TB-A1", "H40.01", treasuryAcct, "970415", "113000006100"},
				// the treasury account's mapping (970418 otherAcct) is not H40.01's either
				{"TB-A2", "H40.01", "7111.0.2000000", "970415", "113000006100"},
				// the default is G01.899.108's (its second row): it stands
				{"TB-A3", "G01.899.108", treasuryAcct, "970436", collAcct},
				// the mapping is not G01.899.108's: its first row
				{"TB-A4", "G01.899.108", "7111.0.2000000", "970436", "5555000111"},
			}
			for _, tt := range tests {
				b.do("POST", "/v1/notices", sys, agency(tt.id, tt.agency, tt.treasury)).want(t, http.StatusCreated)
				if got := qr(tt.id); got.BankBIN != tt.bin || got.Account != tt.account {
					t.Errorf("%s (%s, %s): QR to %s %s, want %s %s", tt.id, tt.agency, tt.treasury, got.BankBIN, got.Account, tt.bin, tt.account)
				}
			}
			// A wallet-only agency, and one the file does not list: refused.
			for _, code := range []string{"H29.75", "H01.02"} {
				e := b.do("POST", "/v1/notices", sys, agency("TB-N-"+code, code, treasuryAcct)).want(t, http.StatusUnprocessableEntity).apiError(t)
				if !strings.Contains(strings.Join(e.Details, " "), `agency_code "`+code+`" has no bank collection account`) {
					t.Errorf("%s: refused with %+v", code, e)
				}
			}
			// A notice created before the file (or before its agency lost its
			// account) has no QR: 409, not a QR to a wrong account.
			plain.do("POST", "/v1/notices", sys, agency("TB-A5", "H29.75", treasuryAcct)).want(t, http.StatusCreated)
			if e := b.do("GET", "/v1/notices/TB-A5/qr", sys, "").want(t, http.StatusConflict).apiError(t); !strings.Contains(e.Message, "no collection account") {
				t.Errorf("TB-A5 QR refused with %+v", e)
			}
			b.do("GET", "/v1/notices/TB-A5/qr.png", sys, "").want(t, http.StatusConflict)
			// Without the file the default still serves it.
			var q api.QRView
			plain.do("GET", "/v1/notices/TB-A5/qr", sys, "").want(t, http.StatusOK).decode(t, &q)
			if q.Account != collAcct {
				t.Errorf("without collection accounts: QR to %s", q.Account)
			}
		})
	}
}

func TestConfigValidateCollectionAccounts(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	now := func() time.Time { return clock }
	// The file alone is enough when it lists a bank account.
	c := api.Config{CollectionAccounts: withAccounts(t, agencyAccounts).CollectionAccounts}.WithDefaults()
	if _, err := api.New(c, memory.New(), log, now); err != nil {
		t.Errorf("a file with bank accounts and no default: %v", err)
	}
	// Wallets alone cannot be printed on a QR.
	c.CollectionAccounts = withAccounts(t, "agency_code,bin,account\nH29.75,momo,MOMOFEER2024\n").CollectionAccounts
	if _, err := api.New(c, memory.New(), log, now); err == nil || !strings.Contains(err.Error(), "no collection account") {
		t.Errorf("wallets only, no default: %v", err)
	}
	// A bank row VietQR cannot carry (an account over 19 characters) is
	// reported, masked.
	long := "1234567890123456789012345"
	c.CollectionAccounts = withAccounts(t, "agency_code,bin,account\nH40.01,970415,"+long+"\n").CollectionAccounts
	_, err := api.New(c, memory.New(), log, now)
	if err == nil || !strings.Contains(err.Error(), "CollectionAccounts H40.01 970415:") || strings.Contains(err.Error(), long) {
		t.Errorf("an account VietQR cannot carry: %v", err)
	}
}
