package vietqr_test

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
	"github.com/feerecon/feerecon/gateways/gatewaytest"
	"github.com/feerecon/feerecon/gateways/vietqr"
	"github.com/feerecon/feerecon/payment"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const (
	dir = "../../testdata/gateways/vietqr"
	// testSecret signs the files (testdata/gateways/sign.sh, openssl).
	testSecret = "feerecon-test-vietqr-secret-0001"
)

func newDecoder(t testing.TB) *vietqr.Decoder {
	t.Helper()
	d, err := vietqr.New(vietqr.Config{Secret: testSecret})
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
	return gateways.Raw{Body: b, Headers: map[string]string{vietqr.HeaderSignature: strings.TrimSpace(string(sig))}}
}

func resign(body []byte) gateways.Raw {
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write(body)
	return gateways.Raw{Body: body, Headers: map[string]string{vietqr.HeaderSignature: hex.EncodeToString(mac.Sum(nil))}}
}

func TestDecodeFiles(t *testing.T) {
	t.Parallel()
	dec := newDecoder(t)
	tests := []struct {
		file string
		want error // nil: decodes, compared with <file>.golden
	}{
		{"valid.json", nil},
		{"unicode_mbvcb.json", nil},
		{"empty_content_no_ref.json", nil},
		{"amount_string.json", nil},
		{"tampered_amount.json", gateways.ErrSignature},
		{"transfer_out.json", gateways.ErrNotPayment},
		{"transfer_type_unknown.json", gateways.ErrMalformed},
		{"fractional.json", payment.ErrAmountFractional},
		{"zero.json", payment.ErrAmountZero},
		{"negative.json", payment.ErrAmountNegative},
		{"missing_id.json", gateways.ErrMalformed},
		{"missing_content.json", gateways.ErrMalformed},
		{"null_amount.json", gateways.ErrMalformed},
		{"bad_date.json", gateways.ErrMalformed},
		{"id_not_digits.json", gateways.ErrMalformed},
		{"trailing_garbage.json", gateways.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			ps, err := dec.Decode(read(t, tt.file))
			if cerr := gatewaytest.Check(payment.GatewayVietQR, ps, err); cerr != nil {
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

func TestSignatureHeader(t *testing.T) {
	t.Parallel()
	dec := newDecoder(t)
	raw := read(t, "valid.json")
	sig := raw.Headers[vietqr.HeaderSignature]
	for name, h := range map[string]map[string]string{
		"upper-case hex":  {vietqr.HeaderSignature: strings.ToUpper(sig)},
		"lower-case name": {strings.ToLower(vietqr.HeaderSignature): sig},
	} {
		if _, err := dec.Decode(gateways.Raw{Body: raw.Body, Headers: h}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, h := range map[string]map[string]string{
		"other secret": resignWith("another-secret-of-16b", raw.Body),
		"not hex":      {vietqr.HeaderSignature: "sha256=" + sig},
		"short":        {vietqr.HeaderSignature: sig[:32]},
		"empty":        {vietqr.HeaderSignature: ""},
	} {
		if _, err := dec.Decode(gateways.Raw{Body: raw.Body, Headers: h}); !errors.Is(err, gateways.ErrSignature) {
			t.Errorf("%s: err = %v, want ErrSignature", name, err)
		}
	}
}

func resignWith(secret string, body []byte) map[string]string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return map[string]string{vietqr.HeaderSignature: hex.EncodeToString(mac.Sum(nil))}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if _, err := vietqr.New(vietqr.Config{Secret: "short"}); err == nil {
		t.Error("New accepted a 5-byte secret")
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ge := func(s error) error { return &gateways.Error{Gateway: payment.GatewayVietQR, Err: s} }
	const ct = "application/json"
	ok := gatewaytest.Reply{Status: 200, ContentType: ct, Body: `{"success":true}`}
	bad := gatewaytest.Reply{Status: 400, ContentType: ct, Body: `{"success":false}`}
	with := func(r gatewaytest.Reply, err error) gatewaytest.Reply { r.Err = err; return r }
	gatewaytest.RunDecoderTests(t, newDecoder(t), gatewaytest.Cases{
		Valid:    []gateways.Raw{read(t, "valid.json"), read(t, "unicode_mbvcb.json"), read(t, "empty_content_no_ref.json")},
		Tampered: []gateways.Raw{read(t, "tampered_amount.json")},
		Resign:   resign,
		Success:  ok,
		Retry:    gatewaytest.Reply{Status: 500, ContentType: ct, Body: `{"success":false}`},
		Replies: []gatewaytest.Reply{
			with(bad, ge(gateways.ErrSignature)),
			with(bad, ge(gateways.ErrMalformed)),
			with(bad, ge(gateways.ErrAmount)),
			{Err: ge(gateways.ErrTooLarge), Status: 413, ContentType: ct, Body: `{"success":false}`},
			with(ok, ge(gateways.ErrNotPayment)),
		},
	})
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
			if cerr := gatewaytest.Check(payment.GatewayVietQR, ps, err); cerr != nil {
				t.Fatalf("%q: %v", raw.Body, cerr)
			}
		}
	})
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
