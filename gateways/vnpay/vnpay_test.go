package vnpay_test

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaytest"
	"github.com/feerecon/feerecon/gateways/vnpay"
	"github.com/feerecon/feerecon/payment"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const (
	dir        = "../../testdata/gateways/vnpay"
	testSecret = "test_secret" // the secret of the DOMAIN.md vector
	testTmn    = "TEST_TMN_CODE"
)

func newDecoder(t testing.TB) *vnpay.Decoder {
	t.Helper()
	d, err := vnpay.New(vnpay.Config{HashSecret: testSecret, TmnCode: testTmn})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func read(t testing.TB, name string) gateways.Raw {
	t.Helper()
	return gatewaytest.ReadFile(t, dir, name)
}

// encode is PHP's urlencode written out byte by byte, independently of the
// package's url.QueryEscape-based version.
func encode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// resign recomputes vnp_SecureHash of body with the test secret; a body
// that is no query string is returned unchanged.
func resign(body []byte) gateways.Raw {
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return gateways.Raw{Body: body}
	}
	var parts []string
	for k, vs := range vals {
		if strings.HasPrefix(k, "vnp_") && k != "vnp_SecureHash" && k != "vnp_SecureHashType" {
			for _, v := range vs {
				parts = append(parts, encode(k)+"="+encode(v))
			}
		}
	}
	slices.Sort(parts)
	data := strings.Join(parts, "&")
	mac := hmac.New(sha512.New, []byte(testSecret))
	mac.Write([]byte(data))
	return gateways.Raw{Body: []byte(data + "&vnp_SecureHash=" + hex.EncodeToString(mac.Sum(nil)))}
}

func TestDecodeFiles(t *testing.T) {
	t.Parallel()
	gatewaytest.RunFileCases(t, newDecoder(t), payment.GatewayVNPay, dir, []gatewaytest.FileCase{
		{File: "domain_vector.query"},
		{File: "unicode_orderinfo.query"},
		{File: "no_banktranno.query"},
		{File: "uppercase_hash.query"},
		{File: "extra_unsigned_param.query"},
		{File: "tampered_amount.query", Want: gateways.ErrSignature},
		{File: "empty_hash.query", Want: gateways.ErrSignature},
		{File: "no_hash.query", Want: gateways.ErrSignature},
		{File: "hash_type_sha256.query", Want: gateways.ErrSignature},
		{File: "other_terminal.query", Want: gateways.ErrSignature},
		{File: "failed.query", Want: gateways.ErrNotPayment},
		{File: "pending_status.query", Want: gateways.ErrNotPayment},
		{File: "fractional.query", Want: payment.ErrAmountFractional},
		{File: "zero.query", Want: payment.ErrAmountZero},
		{File: "negative.query", Want: payment.ErrAmountNegative},
		{File: "exponent.query", Want: payment.ErrAmountNotNumeric},
		{File: "unknown_currency.query", Want: payment.ErrUnknownCurrency},
		{File: "above_ceiling.query", Want: payment.ErrAmountCeiling},
		{File: "missing_transactionno.query", Want: gateways.ErrMalformed},
		{File: "missing_amount.query", Want: gateways.ErrMalformed},
		{File: "bad_paydate.query", Want: gateways.ErrMalformed},
	}, read, *update)
}

// TestDomainVector pins the canonical string and hash of the DOMAIN.md
// vector, recomputed with openssl (see testdata/gateways/README.md).
func TestDomainVector(t *testing.T) {
	t.Parallel()
	raw := read(t, "domain_vector.query")
	vals, err := url.ParseQuery(string(raw.Body))
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{}
	for k, v := range vals {
		params[k] = v[0]
	}
	const want = "vnp_Amount=1000000&vnp_BankCode=NCB&vnp_BankTranNo=VNP14422574&vnp_CardType=ATM&" +
		"vnp_OrderInfo=Thanh+toan+don+hang+2024-05-21T02%3A17%3A31.249Z&vnp_PayDate=20240521091806&" +
		"vnp_ResponseCode=00&vnp_TmnCode=TEST_TMN_CODE&vnp_TransactionNo=14422574&vnp_TransactionStatus=00&" +
		"vnp_TxnRef=1716257871703"
	if got := vnpay.SignedData(params); got != want {
		t.Errorf("SignedData =\n%s\nwant\n%s", got, want)
	}
	if got := params["vnp_SecureHash"]; got != "649982421beb422556a1374713c74e58e716ecbd05007c0c0e1f7effdfaf361dbf146889ca446139afe11b9954c4d5c486e99e3b86fcfab6957f29eb0be72895" {
		t.Errorf("file hash %s is not the DOMAIN.md vector", got)
	}
	ps, err := newDecoder(t).Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	p := ps[0]
	if p.TxnID != "14422574" || !p.Amount.Equal(payment.VNDOf(10000)) || p.PaidAt.Format("2006-01-02T15:04:05Z07:00") != "2024-05-21T09:18:06+07:00" {
		t.Errorf("got %+v", p)
	}
}

func TestSignedDataEncoding(t *testing.T) {
	t.Parallel()
	params := map[string]string{
		"vnp_OrderInfo": "Nộp phí ~ a+b/c:d e",
		"vnp_Amount":    "100",
		"other":         "ignored",
	}
	want := "vnp_Amount=100&vnp_OrderInfo=" + encode("Nộp phí ~ a+b/c:d e")
	if got := vnpay.SignedData(params); got != want {
		t.Errorf("SignedData = %s, want %s", got, want)
	}
	if !strings.Contains(want, "%7E") || !strings.Contains(want, "+a%2Bb%2Fc%3Ad+e") {
		t.Errorf("reference encoder is not PHP's: %s", want)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	dec := newDecoder(t)
	reply := func(code, msg string) gatewaytest.Reply {
		return gatewaytest.Reply{Status: 200, ContentType: "application/json",
			Body: `{"RspCode":"` + code + `","Message":"` + msg + `"}`}
	}
	refused := func(code, msg string) gatewaytest.Reply { r := reply(code, msg); r.Status = 401; return r }
	gatewaytest.RunDecoderTests(t, dec, gatewaytest.Cases{
		Valid:    []gateways.Raw{read(t, "domain_vector.query"), read(t, "unicode_orderinfo.query"), read(t, "no_banktranno.query")},
		Tampered: []gateways.Raw{read(t, "tampered_amount.query"), read(t, "no_hash.query"), read(t, "empty_hash.query")},
		Resign:   resign,
		Success:  reply("00", "Confirm Success"),
		Retry:    reply("99", "Unknown error"),
		Replies: gatewaytest.ErrorReplies{
			Signature:  refused("97", "Invalid Checksum"),
			Amount:     reply("04", "Invalid amount"),
			Malformed:  reply("99", "Unknown error"),
			TooLarge:   reply("99", "Unknown error"),
			NotPayment: reply("00", "Confirm Success"),
		}.For(payment.GatewayVNPay),
	})
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if _, err := vnpay.New(vnpay.Config{}); !errors.Is(err, config.ErrInvalid) {
		t.Errorf("New without HashSecret: err = %v, want config.ErrInvalid", err)
	}
}

func FuzzDecode(f *testing.F) {
	gatewaytest.AddSeeds(f, filepath.Join(dir, "*.query"))
	dec := newDecoder(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		gatewaytest.CheckDecode(t, dec, payment.GatewayVNPay, gateways.Raw{Body: body}, resign(body))
	})
}

func TestStorableText(t *testing.T) {
	t.Parallel()
	body := strings.Replace(string(read(t, "src/domain_vector.query").Body),
		"vnp_OrderInfo=Thanh", "vnp_OrderInfo=%FF%00Thanh", 1)
	ps, err := newDecoder(t).Decode(resign([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ps[0].Description, "\uFFFDThanh toan don hang 2024-05-21T02:17:31.249Z"; got != want {
		t.Errorf("Description = %q, want %q", got, want)
	}
	bad := strings.Replace(string(read(t, "src/domain_vector.query").Body), "vnp_TransactionNo=14422574", "vnp_TransactionNo=1442%0A2574", 1)
	if _, err := newDecoder(t).Decode(resign([]byte(bad))); !errors.Is(err, gateways.ErrMalformed) {
		t.Errorf("a transaction number with a newline: err = %v, want ErrMalformed", err)
	}
}

func BenchmarkDecode(b *testing.B) {
	gatewaytest.BenchmarkDecode(b, newDecoder(b), read(b, "domain_vector.query"))
}
