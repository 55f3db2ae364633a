package vietqr_test

import (
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/config"
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
	return gatewaytest.ReadSigned(t, dir, name, vietqr.HeaderSignature)
}

var resign = gatewaytest.HMACHeader(vietqr.HeaderSignature, testSecret)

func TestDecodeFiles(t *testing.T) {
	t.Parallel()
	gatewaytest.RunFileCases(t, newDecoder(t), payment.GatewayVietQR, dir, []gatewaytest.FileCase{
		{File: "valid.json"},
		{File: "unicode_mbvcb.json"},
		{File: "empty_content_no_ref.json"},
		{File: "amount_string.json"},
		{File: "tampered_amount.json", Want: gateways.ErrSignature},
		{File: "transfer_out.json", Want: gateways.ErrNotPayment},
		{File: "transfer_type_unknown.json", Want: gateways.ErrMalformed},
		{File: "fractional.json", Want: payment.ErrAmountFractional},
		{File: "zero.json", Want: payment.ErrAmountZero},
		{File: "negative.json", Want: payment.ErrAmountNegative},
		{File: "missing_id.json", Want: gateways.ErrMalformed},
		{File: "missing_content.json", Want: gateways.ErrMalformed},
		{File: "null_amount.json", Want: gateways.ErrMalformed},
		{File: "bad_date.json", Want: gateways.ErrMalformed},
		{File: "id_not_digits.json", Want: gateways.ErrMalformed},
		{File: "trailing_garbage.json", Want: gateways.ErrMalformed},
	}, read, *update)
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
		"other secret": gatewaytest.HMACHeader(vietqr.HeaderSignature, "another-secret-of-16b")(raw.Body).Headers,
		"not hex":      {vietqr.HeaderSignature: "sha256=" + sig},
		"short":        {vietqr.HeaderSignature: sig[:32]},
		"empty":        {vietqr.HeaderSignature: ""},
	} {
		if _, err := dec.Decode(gateways.Raw{Body: raw.Body, Headers: h}); !errors.Is(err, gateways.ErrSignature) {
			t.Errorf("%s: err = %v, want ErrSignature", name, err)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if _, err := vietqr.New(vietqr.Config{Secret: "short"}); !errors.Is(err, config.ErrInvalid) {
		t.Errorf("New with a 5-byte secret: err = %v, want config.ErrInvalid", err)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	const ct = "application/json"
	ok := gatewaytest.Reply{Status: 200, ContentType: ct, Body: `{"success":true}`}
	bad := gatewaytest.Reply{Status: 400, ContentType: ct, Body: `{"success":false}`}
	gatewaytest.RunDecoderTests(t, newDecoder(t), gatewaytest.Cases{
		Valid:    []gateways.Raw{read(t, "valid.json"), read(t, "unicode_mbvcb.json"), read(t, "empty_content_no_ref.json")},
		Tampered: []gateways.Raw{read(t, "tampered_amount.json")},
		Resign:   resign,
		Success:  ok,
		Retry:    gatewaytest.Reply{Status: 500, ContentType: ct, Body: `{"success":false}`},
		Replies: gatewaytest.ErrorReplies{
			Signature:  gatewaytest.Reply{Status: 401, ContentType: ct, Body: `{"success":false}`},
			Malformed:  bad,
			Amount:     bad,
			TooLarge:   gatewaytest.Reply{Status: 413, ContentType: ct, Body: `{"success":false}`},
			NotPayment: ok,
		}.For(payment.GatewayVietQR),
	})
}

func FuzzDecode(f *testing.F) {
	gatewaytest.AddSeeds(f, filepath.Join(dir, "*.json"))
	dec := newDecoder(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		gatewaytest.CheckDecode(t, dec, payment.GatewayVietQR, gateways.Raw{Body: body}, resign(body))
	})
}

func BenchmarkDecode(b *testing.B) {
	gatewaytest.BenchmarkDecode(b, newDecoder(b), read(b, "valid.json"))
}
