package momo_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaytest"
	"github.com/feerecon/feerecon/gateways/momo"
	"github.com/feerecon/feerecon/payment"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// Test credentials; testdata/gateways/sign.sh signs the files with them.
const (
	dir         = "../../testdata/gateways/momo"
	testAccess  = "feerecon-test-access"
	testSecret  = "feerecon-test-momo-secret"
	testPartner = "MOMOFEER2024"
)

func newDecoder(t testing.TB) *momo.Decoder {
	t.Helper()
	d, err := momo.New(momo.Config{AccessKey: testAccess, SecretKey: testSecret, PartnerCode: testPartner})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func read(t testing.TB, name string) gateways.Raw {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return gateways.Raw{Body: b}
}

// resign recomputes the signature of a JSON object body with the test
// secret, written independently of momo.SignedData; anything else is
// returned unchanged.
func resign(body []byte) gateways.Raw {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil || m == nil {
		return gateways.Raw{Body: body}
	}
	var b strings.Builder
	b.WriteString("accessKey=" + testAccess)
	for _, k := range []string{"amount", "extraData", "message", "orderId", "orderInfo", "orderType",
		"partnerCode", "payType", "requestId", "responseTime", "resultCode", "transId"} {
		fmt.Fprintf(&b, "&%s=%v", k, m[k])
	}
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte(b.String()))
	m["signature"] = hex.EncodeToString(mac.Sum(nil))
	out, err := json.Marshal(m)
	if err != nil {
		return gateways.Raw{Body: body}
	}
	return gateways.Raw{Body: out}
}

func TestDecodeFiles(t *testing.T) {
	t.Parallel()
	dec := newDecoder(t)
	tests := []struct {
		file string
		want error // nil: decodes, compared with <file>.golden
	}{
		{"valid.json", nil},
		{"amount_as_string.json", nil},
		{"extra_fields_napas.json", nil},
		{"tampered_amount.json", gateways.ErrSignature},
		{"tampered_orderinfo.json", gateways.ErrSignature},
		{"empty_signature.json", gateways.ErrSignature},
		{"no_signature.json", gateways.ErrSignature},
		{"other_partner.json", gateways.ErrSignature},
		{"failed.json", gateways.ErrNotPayment},
		{"fractional.json", payment.ErrAmountFractional},
		{"zero.json", payment.ErrAmountZero},
		{"negative.json", payment.ErrAmountNegative},
		{"amount_exponent.json", payment.ErrAmountNotNumeric},
		{"missing_transid.json", gateways.ErrMalformed},
		{"missing_extradata.json", gateways.ErrMalformed},
		{"transid_not_digits.json", gateways.ErrMalformed},
		{"bad_response_time.json", gateways.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			ps, err := dec.Decode(read(t, tt.file))
			if cerr := gatewaytest.Check(payment.GatewayMoMo, ps, err); cerr != nil {
				t.Fatal(cerr)
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				gatewaytest.Golden(t, filepath.Join(dir, strings.TrimSuffix(tt.file, ".json")+".golden"), ps, *update)
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

// TestSignedData checks the signed string against the one sign.sh gave
// openssl for valid.json.
func TestSignedData(t *testing.T) {
	t.Parallel()
	var n momo.IPN
	if err := json.Unmarshal(read(t, "valid.json").Body, &n); err != nil {
		t.Fatal(err)
	}
	got, err := momo.SignedData(n, testAccess)
	if err != nil {
		t.Fatal(err)
	}
	want := read(t, "src/valid.signdata").Body
	if got != string(want) {
		t.Errorf("SignedData =\n%s\nwant\n%s", got, want)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ge := func(s error) error { return &gateways.Error{Gateway: payment.GatewayMoMo, Err: s} }
	const text = "text/plain; charset=utf-8"
	gatewaytest.RunDecoderTests(t, newDecoder(t), gatewaytest.Cases{
		Valid:    []gateways.Raw{read(t, "valid.json"), read(t, "amount_as_string.json"), read(t, "extra_fields_napas.json")},
		Tampered: []gateways.Raw{read(t, "tampered_amount.json"), read(t, "tampered_orderinfo.json"), read(t, "no_signature.json")},
		Resign:   resign,
		Success:  gatewaytest.Reply{Status: 204},
		Retry:    gatewaytest.Reply{Status: 500, ContentType: text, Body: "retry later\n"},
		Replies: []gatewaytest.Reply{
			{Err: ge(gateways.ErrSignature), Status: 400, ContentType: text, Body: "rejected\n"},
			{Err: ge(gateways.ErrMalformed), Status: 400, ContentType: text, Body: "rejected\n"},
			{Err: ge(gateways.ErrAmount), Status: 400, ContentType: text, Body: "rejected\n"},
			{Err: ge(gateways.ErrTooLarge), Status: 413, ContentType: text, Body: "message too large\n"},
			{Err: ge(gateways.ErrNotPayment), Status: 204},
		},
	})
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	_, err := momo.New(momo.Config{})
	if err == nil || !strings.Contains(err.Error(), "AccessKey") || !strings.Contains(err.Error(), "SecretKey") {
		t.Errorf("New(Config{}) = %v, want both missing keys reported", err)
	}
}

func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds in %s: %v", dir, err)
	}
	for _, file := range files {
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
			if cerr := gatewaytest.Check(payment.GatewayMoMo, ps, err); cerr != nil {
				t.Fatalf("%q: %v", raw.Body, cerr)
			}
		}
	})
}

func TestStorableText(t *testing.T) {
	t.Parallel()
	body := strings.Replace(string(read(t, "valid.json").Body), `"orderInfo":"`, `"orderInfo":"\u0000`, 1)
	ps, err := newDecoder(t).Decode(resign([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ps[0].Description, "Nộp lệ phí đăng ký hộ tịch, mã FR0000000123456789"; got != want {
		t.Errorf("Description = %q, want %q", got, want)
	}
}

func BenchmarkDecode(b *testing.B) {
	dec := newDecoder(b)
	raw := read(b, "valid.json")
	b.SetBytes(int64(len(raw.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}
