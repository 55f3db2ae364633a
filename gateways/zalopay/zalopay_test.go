package zalopay_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaytest"
	"github.com/feerecon/feerecon/gateways/zalopay"
	"github.com/feerecon/feerecon/payment"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const (
	dir = "../../testdata/gateways/zalopay"
	// testKey2 is ZaloPay's public sandbox key2, the key of the docs' sample
	// callback (DOMAIN.md); testdata/gateways/sign.sh signs with it.
	testKey2 = "kLtgPl8HHhfvMuDHPwKfgfsY4Ydm9eIz"
)

func newDecoder(t testing.TB) *zalopay.Decoder {
	t.Helper()
	d, err := zalopay.New(zalopay.Config{Key2: testKey2, AppID: "2553"})
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

// envelope wraps a data string in a callback signed with the test key2.
func envelope(data string) gateways.Raw {
	mac := hmac.New(sha256.New, []byte(testKey2))
	mac.Write([]byte(data))
	b, err := json.Marshal(map[string]any{"data": data, "mac": hex.EncodeToString(mac.Sum(nil)), "type": 1})
	if err != nil {
		panic(err)
	}
	return gateways.Raw{Body: b}
}

// resign recomputes the mac of an envelope; anything else is returned
// unchanged.
func resign(body []byte) gateways.Raw {
	var env struct {
		Data *string `json:"data"`
	}
	if json.Unmarshal(body, &env) != nil || env.Data == nil {
		return gateways.Raw{Body: body}
	}
	return envelope(*env.Data)
}

func TestDecodeFiles(t *testing.T) {
	t.Parallel()
	dec := newDecoder(t)
	tests := []struct {
		file string
		want error // nil: decodes, compared with <file>.golden
	}{
		{"docs_sample.json", nil},
		{"unicode_embed.json", nil},
		{"empty_embed.json", nil},
		{"amount_string.json", nil},
		{"uppercase_mac.json", nil},
		{"no_type.json", nil},
		{"tampered_amount.json", gateways.ErrSignature},
		{"no_mac.json", gateways.ErrSignature},
		{"type_agreement.json", gateways.ErrNotPayment},
		{"type_unknown.json", gateways.ErrMalformed},
		{"fractional.json", payment.ErrAmountFractional},
		{"zero.json", payment.ErrAmountZero},
		{"negative.json", payment.ErrAmountNegative},
		{"missing_zp_trans_id.json", gateways.ErrMalformed},
		{"missing_amount.json", gateways.ErrMalformed},
		{"zp_trans_id_string.json", gateways.ErrMalformed},
		{"bad_server_time.json", gateways.ErrMalformed},
		{"not_json.json", gateways.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			ps, err := dec.Decode(read(t, tt.file))
			if cerr := gatewaytest.Check(payment.GatewayZaloPay, ps, err); cerr != nil {
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

// TestDocsVector pins the mac of ZaloPay's documented sample (DOMAIN.md,
// recomputed with openssl, see testdata/gateways/README.md).
func TestDocsVector(t *testing.T) {
	t.Parallel()
	raw := read(t, "docs_sample.json")
	if !strings.Contains(string(raw.Body), `"mac":"d8d33baf449b31d7f9b94fa50d7c942c08cd4d83f28fa185557da21acb104f67"`) {
		t.Fatal("docs_sample.json does not carry the documented mac")
	}
	ps, err := newDecoder(t).Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if p := ps[0]; p.TxnID != "200904000000389" || !p.Amount.Equal(payment.VNDOf(10000)) {
		t.Errorf("got %+v", p)
	}
}

func TestOtherApp(t *testing.T) {
	t.Parallel()
	d, err := zalopay.New(zalopay.Config{Key2: testKey2, AppID: "9999"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Decode(read(t, "docs_sample.json")); !errors.Is(err, gateways.ErrSignature) {
		t.Errorf("app_id 2553 for app 9999: err = %v, want ErrSignature", err)
	}
	if _, err := zalopay.New(zalopay.Config{AppID: "x"}); err == nil || !strings.Contains(err.Error(), "Key2") || !strings.Contains(err.Error(), "AppID") {
		t.Errorf("Validate = %v, want Key2 and AppID reported", err)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ge := func(s error) error { return &gateways.Error{Gateway: payment.GatewayZaloPay, Err: s} }
	reply := func(err error, code, msg string) gatewaytest.Reply {
		return gatewaytest.Reply{Err: err, Status: 200, ContentType: "application/json",
			Body: `{"return_code":` + code + `,"return_message":"` + msg + `"}`}
	}
	gatewaytest.RunDecoderTests(t, newDecoder(t), gatewaytest.Cases{
		Valid:    []gateways.Raw{read(t, "docs_sample.json"), read(t, "unicode_embed.json"), read(t, "empty_embed.json")},
		Tampered: []gateways.Raw{read(t, "tampered_amount.json"), read(t, "no_mac.json")},
		Resign:   resign,
		Success:  reply(nil, "1", "success"),
		Retry:    reply(nil, "0", "retry"),
		Replies: []gatewaytest.Reply{
			reply(ge(gateways.ErrSignature), "-1", "mac not equal"),
			reply(ge(gateways.ErrMalformed), "-1", "invalid callback"),
			reply(ge(gateways.ErrAmount), "-1", "invalid callback"),
			reply(ge(gateways.ErrTooLarge), "-1", "invalid callback"),
			reply(ge(gateways.ErrNotPayment), "1", "success"),
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
		// As a whole callback, and as the data string of a signed one.
		for _, raw := range []gateways.Raw{{Body: body}, resign(body), envelope(string(body))} {
			ps, err := dec.Decode(raw)
			if cerr := gatewaytest.Check(payment.GatewayZaloPay, ps, err); cerr != nil {
				t.Fatalf("%q: %v", raw.Body, cerr)
			}
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	dec := newDecoder(b)
	raw := read(b, "docs_sample.json")
	b.SetBytes(int64(len(raw.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}
