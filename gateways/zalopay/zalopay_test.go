package zalopay_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/config"
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
	return gatewaytest.ReadFile(t, dir, name)
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
	gatewaytest.RunFileCases(t, newDecoder(t), payment.GatewayZaloPay, dir, []gatewaytest.FileCase{
		{File: "docs_sample.json"},
		{File: "unicode_embed.json"},
		{File: "empty_embed.json"},
		{File: "amount_string.json"},
		{File: "uppercase_mac.json"},
		{File: "no_type.json"},
		{File: "tampered_amount.json", Want: gateways.ErrSignature},
		{File: "no_mac.json", Want: gateways.ErrSignature},
		{File: "type_agreement.json", Want: gateways.ErrNotPayment},
		{File: "type_unknown.json", Want: gateways.ErrMalformed},
		{File: "fractional.json", Want: payment.ErrAmountFractional},
		{File: "zero.json", Want: payment.ErrAmountZero},
		{File: "negative.json", Want: payment.ErrAmountNegative},
		{File: "missing_zp_trans_id.json", Want: gateways.ErrMalformed},
		{File: "missing_amount.json", Want: gateways.ErrMalformed},
		{File: "zp_trans_id_string.json", Want: gateways.ErrMalformed},
		{File: "bad_server_time.json", Want: gateways.ErrMalformed},
		{File: "not_json.json", Want: gateways.ErrMalformed},
	}, read, *update)
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
	if _, err := zalopay.New(zalopay.Config{AppID: "x"}); !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "Key2") || !strings.Contains(err.Error(), "AppID") {
		t.Errorf("Validate = %v, want Key2 and AppID reported", err)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	reply := func(code, msg string) gatewaytest.Reply {
		return gatewaytest.Reply{Status: 200, ContentType: "application/json",
			Body: `{"return_code":` + code + `,"return_message":"` + msg + `"}`}
	}
	refused := func(code, msg string) gatewaytest.Reply { r := reply(code, msg); r.Status = 401; return r }
	gatewaytest.RunDecoderTests(t, newDecoder(t), gatewaytest.Cases{
		Valid:    []gateways.Raw{read(t, "docs_sample.json"), read(t, "unicode_embed.json"), read(t, "empty_embed.json")},
		Tampered: []gateways.Raw{read(t, "tampered_amount.json"), read(t, "no_mac.json")},
		Resign:   resign,
		Success:  reply("1", "success"),
		Retry:    reply("0", "retry"),
		Replies: gatewaytest.ErrorReplies{
			Signature:  refused("-1", "mac not equal"),
			Malformed:  reply("-1", "invalid callback"),
			Amount:     reply("-1", "invalid callback"),
			TooLarge:   reply("-1", "invalid callback"),
			NotPayment: reply("1", "success"),
		}.For(payment.GatewayZaloPay),
	})
}

func FuzzDecode(f *testing.F) {
	gatewaytest.AddSeeds(f, filepath.Join(dir, "*.json"))
	dec := newDecoder(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		// As a whole callback, and as the data string of a signed one.
		gatewaytest.CheckDecode(t, dec, payment.GatewayZaloPay, gateways.Raw{Body: body}, resign(body), envelope(string(body)))
	})
}

func BenchmarkDecode(b *testing.B) {
	gatewaytest.BenchmarkDecode(b, newDecoder(b), read(b, "docs_sample.json"))
}
