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
	"path/filepath"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/config"
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
	return gatewaytest.ReadFile(t, dir, name)
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
	gatewaytest.RunFileCases(t, newDecoder(t), payment.GatewayMoMo, dir, []gatewaytest.FileCase{
		{File: "valid.json"},
		{File: "amount_as_string.json"},
		{File: "extra_fields_napas.json"},
		{File: "tampered_amount.json", Want: gateways.ErrSignature},
		{File: "tampered_orderinfo.json", Want: gateways.ErrSignature},
		{File: "empty_signature.json", Want: gateways.ErrSignature},
		{File: "no_signature.json", Want: gateways.ErrSignature},
		{File: "other_partner.json", Want: gateways.ErrSignature},
		{File: "failed.json", Want: gateways.ErrNotPayment},
		{File: "fractional.json", Want: payment.ErrAmountFractional},
		{File: "zero.json", Want: payment.ErrAmountZero},
		{File: "negative.json", Want: payment.ErrAmountNegative},
		{File: "amount_exponent.json", Want: payment.ErrAmountNotNumeric},
		{File: "missing_transid.json", Want: gateways.ErrMalformed},
		{File: "missing_extradata.json", Want: gateways.ErrMalformed},
		{File: "transid_not_digits.json", Want: gateways.ErrMalformed},
		{File: "bad_response_time.json", Want: gateways.ErrMalformed},
	}, read, *update)
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
	const text = "text/plain; charset=utf-8"
	rejected := gatewaytest.Reply{Status: 400, ContentType: text, Body: "rejected\n"}
	gatewaytest.RunDecoderTests(t, newDecoder(t), gatewaytest.Cases{
		Valid:    []gateways.Raw{read(t, "valid.json"), read(t, "amount_as_string.json"), read(t, "extra_fields_napas.json")},
		Tampered: []gateways.Raw{read(t, "tampered_amount.json"), read(t, "tampered_orderinfo.json"), read(t, "no_signature.json")},
		Resign:   resign,
		Success:  gatewaytest.Reply{Status: 204},
		Retry:    gatewaytest.Reply{Status: 500, ContentType: text, Body: "retry later\n"},
		Replies: gatewaytest.ErrorReplies{
			Signature:  gatewaytest.Reply{Status: 401, ContentType: text, Body: "signature does not verify\n"},
			Malformed:  rejected,
			Amount:     rejected,
			TooLarge:   gatewaytest.Reply{Status: 413, ContentType: text, Body: "message too large\n"},
			NotPayment: gatewaytest.Reply{Status: 204},
		}.For(payment.GatewayMoMo),
	})
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	_, err := momo.New(momo.Config{})
	if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "AccessKey") || !strings.Contains(err.Error(), "SecretKey") {
		t.Errorf("New(Config{}) = %v, want both missing keys reported", err)
	}
}

func FuzzDecode(f *testing.F) {
	gatewaytest.AddSeeds(f, filepath.Join(dir, "*.json"))
	dec := newDecoder(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		gatewaytest.CheckDecode(t, dec, payment.GatewayMoMo, gateways.Raw{Body: body}, resign(body))
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
	gatewaytest.BenchmarkDecode(b, newDecoder(b), read(b, "valid.json"))
}
