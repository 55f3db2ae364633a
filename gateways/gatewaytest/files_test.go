package gatewaytest_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaytest"
	"github.com/feerecon/feerecon/payment"
)

func TestErrorReplies(t *testing.T) {
	t.Parallel()
	g := payment.GatewayVietQR
	r := func(status int) gatewaytest.Reply { return gatewaytest.Reply{Status: status} }
	got := gatewaytest.ErrorReplies{Signature: r(1), Malformed: r(2), Amount: r(3), TooLarge: r(4), NotPayment: r(5)}.For(g)
	want := []error{gateways.ErrSignature, gateways.ErrMalformed, gateways.ErrAmount, gateways.ErrTooLarge, gateways.ErrNotPayment}
	if len(got) != len(want) {
		t.Fatalf("%d replies, want %d", len(got), len(want))
	}
	for i, s := range want {
		var ge *gateways.Error
		if !errors.As(got[i].Err, &ge) || ge.Gateway != g || !errors.Is(ge.Err, s) || got[i].Status != i+1 {
			t.Errorf("reply %d = %+v, want status %d for a %s *gateways.Error wrapping %v", i, got[i], i+1, g, s)
		}
	}
}

// TestHMACHeader pins the well-known HMAC-SHA256 vector (key "key").
func TestHMACHeader(t *testing.T) {
	t.Parallel()
	body := []byte("The quick brown fox jumps over the lazy dog")
	raw := gatewaytest.HMACHeader("X-Signature", "key")(body)
	want := map[string]string{"X-Signature": "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"}
	if string(raw.Body) != string(body) || !reflect.DeepEqual(raw.Headers, want) {
		t.Errorf("got %q %v, want the body unchanged and %v", raw.Body, raw.Headers, want)
	}
}

func TestReadSigned(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "m.json"), []byte(`{"a":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "m.json.sig"), []byte("abc123\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	raw := gatewaytest.ReadSigned(t, dir, "m.json", "X-Signature")
	if string(raw.Body) != `{"a":1}` || !reflect.DeepEqual(raw.Headers, map[string]string{"X-Signature": "abc123"}) {
		t.Errorf("ReadSigned = %q %v", raw.Body, raw.Headers)
	}
	if raw := gatewaytest.ReadFile(t, dir, "m.json"); string(raw.Body) != `{"a":1}` || raw.Headers != nil {
		t.Errorf("ReadFile = %q %v", raw.Body, raw.Headers)
	}
}

// fileDecoder decodes "ok" to one payment and anything else to ErrMalformed.
type fileDecoder struct{}

func (fileDecoder) Gateway() payment.Gateway  { return payment.GatewayMoMo }
func (fileDecoder) Verify(gateways.Raw) error { return nil }
func (fileDecoder) Reply(error) (int, string, []byte) {
	return 204, "", nil
}
func (fileDecoder) Decode(raw gateways.Raw) ([]payment.Payment, error) {
	if string(raw.Body) != "ok" {
		return nil, gateways.Errorf(payment.GatewayMoMo, gateways.ErrMalformed, "not ok")
	}
	return []payment.Payment{{ID: "momo:1", Gateway: payment.GatewayMoMo, TxnID: "1",
		Amount: payment.VNDOf(1000), PaidAt: time.Unix(1_800_000_000, 0).UTC()}}, nil
}

// TestRunFileCases runs the runner on passing cases: update writes the
// golden file, and a second run without update compares against it.
func TestRunFileCases(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"good.txt": "ok", "bad.txt": "no"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func(t testing.TB, name string) gateways.Raw { return gatewaytest.ReadFile(t, dir, name) }
	cases := []gatewaytest.FileCase{{File: "good.txt", Payments: 1}, {File: "bad.txt", Want: gateways.ErrMalformed}}
	// t.Run returns after its parallel file subtests: write, then compare.
	t.Run("update", func(t *testing.T) {
		gatewaytest.RunFileCases(t, fileDecoder{}, payment.GatewayMoMo, dir, cases, read, true)
	})
	t.Run("compare", func(t *testing.T) {
		gatewaytest.RunFileCases(t, fileDecoder{}, payment.GatewayMoMo, dir, cases, read, false)
	})
	if _, err := os.Stat(filepath.Join(dir, "good.golden")); err != nil {
		t.Errorf("no golden file written: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.golden")); err == nil {
		t.Error("a golden file written for an error case")
	}
}
