package gatewaytest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
)

// FileCase is one testdata file of an adapter and what decoding it gives.
type FileCase struct {
	File string
	// Want is the error Decode must return (matched with errors.Is); nil:
	// the file decodes and its payments equal <file without extension>.golden.
	Want error
	// Payments, when positive and Want is nil, is how many payments the
	// file must decode to (checked even when update rewrites the golden).
	Payments int
}

// RunFileCases decodes each case's file, read with read from dir, as a
// parallel subtest named after the file. Every result must keep Check for
// gateway g; a success must match its golden file (rewritten with update);
// an error must wrap the case's Want, and ErrAmount must come together with
// a *payment.AmountError.
func RunFileCases(t *testing.T, dec gateways.Decoder, g payment.Gateway, dir string, cases []FileCase,
	read func(t testing.TB, name string) gateways.Raw, update bool) {
	t.Helper()
	if len(cases) == 0 {
		t.Fatal("gatewaytest: no file cases")
	}
	for _, c := range cases {
		t.Run(c.File, func(t *testing.T) {
			t.Parallel()
			ps, err := dec.Decode(read(t, c.File))
			if cerr := Check(g, ps, err); cerr != nil {
				t.Fatal(cerr)
			}
			if c.Want == nil {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if c.Payments > 0 && len(ps) != c.Payments {
					t.Errorf("%d payments, want %d", len(ps), c.Payments)
				}
				Golden(t, filepath.Join(dir, strings.TrimSuffix(c.File, filepath.Ext(c.File))+".golden"), ps, update)
				return
			}
			if !errors.Is(err, c.Want) {
				t.Fatalf("err = %v, want %v", err, c.Want)
			}
			var ae *payment.AmountError
			if errors.As(err, &ae) != errors.Is(err, gateways.ErrAmount) {
				t.Errorf("ErrAmount and *payment.AmountError must come together: %v", err)
			}
		})
	}
}

// ReadFile returns the file dir/name as a message without headers (for
// formats that carry their signature in the body).
func ReadFile(t testing.TB, dir, name string) gateways.Raw {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return gateways.Raw{Body: b}
}

// ReadSigned returns the file dir/name as a message whose header carries
// the signature stored beside it in <name>.sig (made with openssl by
// testdata/gateways/sign.sh).
func ReadSigned(t testing.TB, dir, name, header string) gateways.Raw {
	t.Helper()
	raw := ReadFile(t, dir, name)
	sig, err := os.ReadFile(filepath.Join(dir, name+".sig"))
	if err != nil {
		t.Fatal(err)
	}
	raw.Headers = map[string]string{header: strings.TrimSpace(string(sig))}
	return raw
}

// HMACHeader returns a Cases.Resign for formats signed by the lower-case
// hex HMAC-SHA256 of the whole body with secret, in header. It is written
// independently of the adapters' own signing code.
func HMACHeader(header, secret string) func(body []byte) gateways.Raw {
	return func(body []byte) gateways.Raw {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		return gateways.Raw{Body: body, Headers: map[string]string{header: hex.EncodeToString(mac.Sum(nil))}}
	}
}

// AddSeeds adds every file matching pattern to f's seed corpus. No match
// fails f: a fuzz target must start from the adapter's testdata.
func AddSeeds(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds match %s: %v", pattern, err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// CheckDecode decodes each message with dec and fails t on the first
// result that breaks Check for gateway g, or where Verify disagrees with
// Decode (VerifyAgrees): the body of a fuzz target.
func CheckDecode(t *testing.T, dec gateways.Decoder, g payment.Gateway, raws ...gateways.Raw) {
	t.Helper()
	for _, raw := range raws {
		ps, err := dec.Decode(raw)
		if cerr := Check(g, ps, err); cerr != nil {
			t.Fatalf("%q: %v", raw.Body, cerr)
		}
		if verr := VerifyAgrees(dec, raw, err); verr != nil {
			t.Fatalf("%q: %v", raw.Body, verr)
		}
	}
}

// BenchmarkDecode measures dec decoding raw, which must succeed.
func BenchmarkDecode(b *testing.B, dec gateways.Decoder, raw gateways.Raw) {
	b.Helper()
	b.SetBytes(int64(len(raw.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}
