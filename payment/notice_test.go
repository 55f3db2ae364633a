package payment

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseDossierCode(t *testing.T) {
	t.Parallel()
	good := []string{"000.00.20.H40-240916-0012", "G01.899.108.000-231110-0096", "H29.75-231113-0001", " h29.75-231113-0001 "}
	for _, s := range good {
		if _, err := ParseDossierCode(s); err != nil {
			t.Errorf("ParseDossierCode(%q): %v", s, err)
		}
	}
	bad := []string{"", "H29-231113-0001", "H29.75-2311130-001", "H29.75-231113-001", "H29.75_231113_0001", "NP000000000151"}
	for _, s := range bad {
		if _, err := ParseDossierCode(s); !errors.Is(err, ErrDossierCode) {
			t.Errorf("ParseDossierCode(%q) = %v, want ErrDossierCode", s, err)
		}
	}
	d, _ := ParseDossierCode("000.00.20.H40-240916-0012")
	if d.Compact() != "0000020H402409160012" {
		t.Errorf("Compact = %s", d.Compact())
	}
}

func validNotice() Notice {
	issued := time.Date(2026, 11, 24, 9, 0, 0, 0, Location())
	return Notice{
		ID: "N-1", System: "dvc-nghean", Dossier: "000.00.20.H40-241124-0001", Code: "NP000000000151",
		Agency: "H40.01", PayerName: "Nguyễn Văn An",
		Items: []NoticeItem{
			{FeeType: "lệ phí hộ tịch", Kind: FeeKindLePhi, Amount: VNDOf(50_000), BudgetChapter: "599", BudgetSubitem: "2771"},
			{FeeType: "phí chứng thực", Kind: FeeKindPhi, Amount: VNDOf(20_000), BudgetChapter: "599", BudgetSubitem: "2716"},
		},
		Total: VNDOf(70_000), IssuedAt: issued, DueAt: issued.Add(72 * time.Hour),
		TreasuryAccount: "7111", Status: NoticeIssued, Version: 1,
	}
}

func TestNoticeValidate(t *testing.T) {
	t.Parallel()
	if err := validNotice().Validate(); err != nil {
		t.Fatalf("valid notice: %v", err)
	}
	n := validNotice()
	n.ID, n.Total, n.Code, n.Status, n.Version = "", VNDOf(60_000), "NP000000000150", "paid_twice", 0
	err := n.Validate()
	if !errors.Is(err, ErrInvalidNotice) {
		t.Fatalf("err = %v", err)
	}
	// All problems are reported at once.
	for _, want := range []string{"notice_id is empty", "items sum to 70000", "check digits", "paid_twice", "version"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestPaymentValidate(t *testing.T) {
	t.Parallel()
	p := Payment{ID: "vnpay:1", Gateway: GatewayVNPay, TxnID: "1", Amount: VNDOf(10_000), PaidAt: time.Now()}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	p.ID = "vnpay:2"
	p.Amount.Amount = p.Amount.Amount.Neg()
	if err := p.Validate(); !errors.Is(err, ErrInvalidPayment) || !strings.Contains(err.Error(), "negative") || !strings.Contains(err.Error(), "payment_id") {
		t.Fatalf("err = %v", err)
	}
}

func TestBusinessDate(t *testing.T) {
	t.Parallel()
	// 17:30 UTC is 00:30 the next day in Hanoi time.
	d := DateOf(time.Date(2026, 11, 24, 17, 30, 0, 0, time.UTC))
	if d.String() != "2026-11-25" {
		t.Fatalf("DateOf = %s", d)
	}
	if _, err := ParseDate("2026-13-01"); err == nil {
		t.Fatal("accepted month 13")
	}
	if got := d.AddDays(7).String(); got != "2026-12-02" {
		t.Fatalf("AddDays = %s", got)
	}
}

func TestMaskAccount(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"0071000123456": "*********3456", "123": "***", "": ""} {
		if got := MaskAccount(in); got != want {
			t.Errorf("MaskAccount(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskAccountsIn(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                                     "",
		"CT tu 0011004455667 toi 113000006100": "CT tu *********5667 toi ********6100",
		"amount=150000 code NP000000015186":    "amount=150000 code NP********5186",
		"12345678 not an account":              "12345678 not an account",
		"123456789":                            "*****6789",
		"đ 9876543210x":                        "đ ******3210x",
	} {
		if got := MaskAccountsIn(in); got != want {
			t.Errorf("MaskAccountsIn(%q) = %q, want %q", in, got, want)
		}
	}
}
