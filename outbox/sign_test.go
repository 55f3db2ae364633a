package outbox_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/outbox"
)

func TestSignVector(t *testing.T) {
	t.Parallel()
	// printf '%s' '1764212400.{"id":"x"}' | openssl dgst -sha256 -hmac 's3cret-for-tests'
	const want = "91696ca20fb2f245de96ee8cfe297e9c66ad8af7a2a41fdacb7b40ccee66bf2f"
	if got := outbox.Sign("s3cret-for-tests", "1764212400", []byte(`{"id":"x"}`)); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	const secret outbox.Secret = "s3cret-for-tests"
	body := []byte(`{"notice":"FR0000000123456789","amount":"150000"}`)
	sig := outbox.Sign(secret, "1764212400", body)
	cases := []struct {
		name, ts, sig string
		secret        outbox.Secret
		body          []byte
		ok            bool
	}{
		{"valid", "1764212400", sig, secret, body, true},
		{"upper-case hex", "1764212400", strings.ToUpper(sig), secret, body, true},
		{"other timestamp", "1764212401", sig, secret, body, false},
		{"tampered body", "1764212400", sig, secret, bytes.Replace(body, []byte("150000"), []byte("1500000"), 1), false},
		{"wrong secret", "1764212400", sig, "another-secret", body, false},
		{"not hex", "1764212400", "zz" + sig[2:], secret, body, false},
		{"short", "1764212400", sig[:62], secret, body, false},
		{"empty", "1764212400", "", secret, body, false},
	}
	for _, c := range cases {
		err := outbox.Verify(c.secret, c.ts, c.body, c.sig)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, outbox.ErrSignature)) {
			t.Errorf("%s: Verify = %v", c.name, err)
		}
	}
}

func TestCheckTimestamp(t *testing.T) {
	t.Parallel()
	now := time.Unix(1764212400, 0)
	for ts, ok := range map[string]bool{"1764212400": true, "1764212100": true, "1764212099": false, "1764212701": false, "x": false, "": false} {
		if err := outbox.CheckTimestamp(ts, now, 5*time.Minute); (err == nil) != ok {
			t.Errorf("CheckTimestamp(%q) = %v", ts, err)
		}
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	const raw = "super-secret-value"
	ep := outbox.Endpoint{URL: "https://dvc.example/confirm", Secret: raw}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", slog.Any("endpoint", ep), slog.Any("secret", ep.Secret))
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "secret", ep.Secret, "endpoint", ep)
	out := buf.String() + fmt.Sprintf("%v %+v %#v %s %q", ep, ep, ep, ep.Secret, ep.Secret)
	if strings.Contains(out, raw) {
		t.Errorf("secret printed: %s", out)
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("1764212400", []byte(`{"id":"x"}`), "91696ca20fb2f245de96ee8cfe297e9c66ad8af7a2a41fdacb7b40ccee66bf2f")
	f.Add("", []byte{}, "")
	f.Add("1.2", []byte("\x00\xff"), "zz")
	f.Fuzz(func(t *testing.T, ts string, body []byte, sig string) {
		const secret outbox.Secret = "fuzz-secret"
		_ = outbox.Verify(secret, ts, body, sig) // never panics
		good := outbox.Sign(secret, ts, body)
		if err := outbox.Verify(secret, ts, body, good); err != nil {
			t.Fatalf("own signature rejected: %v", err)
		}
		if sig != good && !strings.EqualFold(sig, good) && outbox.Verify(secret, ts, body, sig) == nil {
			t.Fatalf("foreign signature %q accepted", sig)
		}
		if err := outbox.Verify(secret, ts+"0", body, good); err == nil {
			t.Fatal("signature accepted for another timestamp")
		}
	})
}
