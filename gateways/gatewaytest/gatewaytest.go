package gatewaytest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
)

// Cases is what an adapter hands the suite.
type Cases struct {
	// Valid are authentic messages that each decode to at least one payment.
	Valid []gateways.Raw
	// Tampered are messages whose signature is missing or does not verify.
	Tampered []gateways.Raw
	// Resign returns body made authentic again with the test secret: the
	// signature header recomputed, or the signature embedded in the body
	// recomputed when the body can still carry one (otherwise the body is
	// returned unchanged). The suite uses it to reach the parser with
	// truncated bodies.
	Resign func(body []byte) gateways.Raw
	// Success is the reply to a message that was stored.
	Success Reply
	// Retry is the reply to a storage error: it must make the gateway
	// deliver the message again.
	Retry Reply
	// Replies lists the expected reply to each decode error.
	Replies []Reply
}

// Reply is one expected answer of Decoder.Reply.
type Reply struct {
	// Err is passed to Reply (ignored for Success and Retry).
	Err         error
	Status      int
	ContentType string
	Body        string
}

// ErrorReplies is the expected reply to a decode error wrapping each
// sentinel; a field left zero fails the suite.
type ErrorReplies struct {
	Signature, Malformed, Amount, TooLarge, NotPayment Reply
}

// For returns r as Cases.Replies: each reply with Err set to a
// *gateways.Error of gateway g wrapping its sentinel.
func (r ErrorReplies) For(g payment.Gateway) []Reply {
	with := func(r Reply, sentinel error) Reply {
		r.Err = &gateways.Error{Gateway: g, Err: sentinel}
		return r
	}
	return []Reply{
		with(r.Signature, gateways.ErrSignature),
		with(r.Malformed, gateways.ErrMalformed),
		with(r.Amount, gateways.ErrAmount),
		with(r.TooLarge, gateways.ErrTooLarge),
		with(r.NotPayment, gateways.ErrNotPayment),
	}
}

// Check is the invariant every decode result keeps, for tests and fuzz
// targets: an error is a *gateways.Error of gateway g wrapping exactly one
// sentinel and no payments; a success has at least one payment, each of g
// and passing payment.Payment.Validate.
func Check(g payment.Gateway, ps []payment.Payment, err error) error {
	if err != nil {
		var ge *gateways.Error
		if !errors.As(err, &ge) {
			return fmt.Errorf("error %T %q is not a *gateways.Error", err, err.Error())
		}
		if ge.Gateway != g {
			return fmt.Errorf("error names gateway %q, want %q", ge.Gateway, g)
		}
		n := 0
		for _, s := range sentinels() {
			if errors.Is(err, s) {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("error %q wraps %d sentinel errors, want exactly 1", err.Error(), n)
		}
		if len(ps) != 0 {
			return fmt.Errorf("error %q returned with %d payments", err.Error(), len(ps))
		}
		return nil
	}
	if len(ps) == 0 {
		return errors.New("no error and no payment: an empty message must be ErrNotPayment")
	}
	for i, p := range ps {
		if p.Gateway != g {
			return fmt.Errorf("payment %d: gateway %q, want %q", i, p.Gateway, g)
		}
		if err := p.Validate(); err != nil {
			return fmt.Errorf("payment %d: %w", i, err)
		}
		// PostgreSQL text rejects invalid UTF-8 and NUL: such a payment
		// would fail to store forever and be redelivered forever.
		for _, f := range []string{p.ID, p.TxnID, p.PayerName, p.PayerAccount, p.Description, p.BankRef} {
			if !utf8.ValidString(f) || strings.ContainsRune(f, 0) {
				return fmt.Errorf("payment %d: field %q is not storable text (invalid UTF-8 or NUL)", i, f)
			}
		}
	}
	return nil
}

// VerifyAgrees checks Verify against decodeErr, Decode's error for the same
// raw, for tests and fuzz targets: Verify's error is nil or a
// *gateways.Error wrapping ErrSignature or ErrTooLarge only; a message Decode
// accepts (or finds authentic but not a payment, or of a bad amount) is one
// Verify accepts; a size or signature failure of Decode is one Verify
// refuses, except ErrSignature for an authentic message naming another
// account (see gateways.Decoder).
func VerifyAgrees(dec gateways.Decoder, raw gateways.Raw, decodeErr error) error {
	verr := dec.Verify(raw)
	if verr != nil {
		if err := Check(dec.Gateway(), nil, verr); err != nil {
			return fmt.Errorf("Verify: %w", err)
		}
		if !errors.Is(verr, gateways.ErrSignature) && !errors.Is(verr, gateways.ErrTooLarge) {
			return fmt.Errorf("Verify: %q wraps neither ErrSignature nor ErrTooLarge", verr.Error())
		}
	}
	switch {
	case verr != nil && (decodeErr == nil || errors.Is(decodeErr, gateways.ErrNotPayment) || errors.Is(decodeErr, gateways.ErrAmount)):
		return fmt.Errorf("Verify refuses (%w) a message Decode found authentic (%w)", verr, decodeErr)
	case verr == nil && errors.Is(decodeErr, gateways.ErrTooLarge):
		return fmt.Errorf("Verify accepts a message Decode found too large")
	case errors.Is(decodeErr, gateways.ErrSignature) && !errors.Is(verr, gateways.ErrSignature) && verr != nil:
		return fmt.Errorf("Decode: %w, Verify: %w", decodeErr, verr)
	}
	return nil
}

func sentinels() []error {
	return []error{gateways.ErrSignature, gateways.ErrMalformed, gateways.ErrAmount,
		gateways.ErrTooLarge, gateways.ErrNotPayment}
}

// RunDecoderTests runs the conformance suite against dec.
func RunDecoderTests(t *testing.T, dec gateways.Decoder, c Cases) {
	t.Helper()
	g := dec.Gateway()
	if !g.Valid() {
		t.Fatalf("Gateway() = %q, not a known gateway", g)
	}
	if len(c.Valid) == 0 || len(c.Tampered) == 0 || c.Resign == nil {
		t.Fatal("gatewaytest: Cases needs Valid, Tampered and Resign")
	}

	t.Run("valid", func(t *testing.T) {
		for i, raw := range c.Valid {
			ps, err := dec.Decode(raw)
			if err != nil {
				t.Fatalf("valid %d: %v", i, err)
			}
			if err := Check(g, ps, nil); err != nil {
				t.Errorf("valid %d: %v", i, err)
			}
			if err := dec.Verify(raw); err != nil {
				t.Errorf("valid %d: Verify: %v", i, err)
			}
			again, err := dec.Decode(clone(raw))
			if err != nil || !reflect.DeepEqual(ps, again) {
				t.Errorf("valid %d: a second decode differs (%v): a redelivery must give the same payments", i, err)
			}
			seen := map[string]bool{}
			for _, p := range ps {
				if seen[p.ID] {
					t.Errorf("valid %d: payment id %q twice in one message", i, p.ID)
				}
				seen[p.ID] = true
			}
		}
	})

	t.Run("tampered signature", func(t *testing.T) {
		for i, raw := range c.Tampered {
			ps, err := dec.Decode(raw)
			wantErr(t, fmt.Sprintf("tampered %d", i), g, ps, err, gateways.ErrSignature)
			wantErr(t, fmt.Sprintf("tampered %d: Verify", i), g, nil, dec.Verify(raw), gateways.ErrSignature)
		}
		// Without its headers, a message signed in a header cannot verify.
		for i, raw := range c.Valid {
			if len(raw.Headers) == 0 {
				continue
			}
			ps, err := dec.Decode(gateways.Raw{Body: raw.Body})
			wantErr(t, fmt.Sprintf("valid %d without headers", i), g, ps, err, gateways.ErrSignature)
		}
	})

	t.Run("oversize", func(t *testing.T) {
		raw := clone(c.Valid[0])
		pad := strings.Repeat(" ", gateways.MaxMessageBytes+1-len(raw.Body))
		raw.Body = append(raw.Body, pad...)
		ps, err := dec.Decode(raw)
		wantErr(t, "oversize", g, ps, err, gateways.ErrTooLarge)
		wantErr(t, "oversize: Verify", g, nil, dec.Verify(raw), gateways.ErrTooLarge)
		// The limit is inclusive: exactly MaxMessageBytes reaches the
		// signature check and fails there, not on size.
		ps, err = dec.Decode(gateways.Raw{Body: raw.Body[:gateways.MaxMessageBytes], Headers: raw.Headers})
		if errors.Is(err, gateways.ErrTooLarge) {
			t.Errorf("a message of exactly MaxMessageBytes is rejected as too large")
		}
		if err := Check(g, ps, err); err != nil {
			t.Error(err)
		}
	})

	t.Run("truncated", func(t *testing.T) {
		for i, raw := range c.Valid {
			for _, n := range []int{0, 1, len(raw.Body) / 2} {
				ps, err := dec.Decode(c.Resign(raw.Body[:n:n]))
				wantErr(t, fmt.Sprintf("valid %d cut at %d", i, n), g, ps, err, gateways.ErrMalformed)
			}
		}
	})

	t.Run("no panic on mutations", func(t *testing.T) {
		for i, raw := range c.Valid {
			for _, body := range mutations(raw.Body) {
				for _, m := range []gateways.Raw{{Body: body, Headers: raw.Headers}, c.Resign(body)} {
					ps, err := decodeNoPanic(t, dec, m)
					if err := Check(g, ps, err); err != nil {
						t.Fatalf("valid %d mutated %q: %v", i, truncate(m.Body), err)
					}
					if err := VerifyAgrees(dec, m, err); err != nil {
						t.Fatalf("valid %d mutated %q: %v", i, truncate(m.Body), err)
					}
				}
			}
		}
		for _, raw := range []gateways.Raw{{}, {Body: nil, Headers: map[string]string{}}, c.Resign(nil)} {
			ps, err := decodeNoPanic(t, dec, raw)
			if err == nil {
				t.Errorf("empty message decoded to %d payments", len(ps))
			}
			if err := Check(g, ps, err); err != nil {
				t.Error(err)
			}
			if err := VerifyAgrees(dec, raw, err); err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("replies", func(t *testing.T) {
		checkReply(t, dec, "success", nil, c.Success)
		if c.Success.Status < 200 || c.Success.Status > 299 {
			t.Errorf("success reply status %d is not 2xx", c.Success.Status)
		}
		storage := []error{
			errors.New("kafka: leader not available"),
			fmt.Errorf("produce: %w", context.DeadlineExceeded),
			fmt.Errorf("produce: %w", context.Canceled),
		}
		for _, err := range storage {
			checkReply(t, dec, "storage error "+err.Error(), err, c.Retry)
		}
		if c.Retry == c.Success {
			t.Error("the retry reply equals the success reply: a storage error would lose the message")
		}
		covered := map[error]bool{}
		for _, r := range c.Replies {
			for _, s := range sentinels() {
				if errors.Is(r.Err, s) {
					covered[s] = true
				}
			}
			checkReply(t, dec, fmt.Sprint(r.Err), r.Err, r)
		}
		for _, s := range sentinels() {
			if !covered[s] {
				t.Errorf("Replies has no case for %v", s)
			}
		}
		// Ingress refuses a callback that does not verify with this
		// reply: an HTTP refusal, whatever the body says (issue 9).
		if st, _, _ := dec.Reply(gateways.Errorf(g, gateways.ErrSignature, "test")); st != 401 && st != 403 {
			t.Errorf("Reply(ErrSignature) status %d, want 401 or 403: a refused callback is refused in HTTP", st)
		}
	})
}

func checkReply(t *testing.T, dec gateways.Decoder, name string, err error, want Reply) {
	t.Helper()
	status, ct, body := dec.Reply(err)
	if status != want.Status || ct != want.ContentType || string(body) != want.Body {
		t.Errorf("Reply(%s) = %d %q %q, want %d %q %q", name, status, ct, body,
			want.Status, want.ContentType, want.Body)
	}
}

func wantErr(t *testing.T, name string, g payment.Gateway, ps []payment.Payment, err, sentinel error) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Errorf("%s: err = %v, want %v", name, err, sentinel)
		return
	}
	if err := Check(g, ps, err); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

func decodeNoPanic(t *testing.T, dec gateways.Decoder, raw gateways.Raw) (ps []payment.Payment, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Decode panicked on %q: %v", truncate(raw.Body), r)
		}
	}()
	return dec.Decode(raw)
}

// mutations returns deterministic variants of body: cuts, dropped and
// flipped bytes at spread-out positions, and a few classic troublemakers.
func mutations(body []byte) [][]byte {
	var out [][]byte
	n := len(body)
	step := max(1, n/40)
	for i := 0; i < n; i += step {
		out = append(out, append([]byte(nil), body[:i]...))
		drop := append(append([]byte(nil), body[:i]...), body[i+1:]...)
		out = append(out, drop)
		for _, b := range []byte{0, '"', '<', '&', '=', '%', 0xff, '9', '-'} {
			flip := append([]byte(nil), body...)
			flip[i] = b
			out = append(out, flip)
		}
	}
	out = append(out, append(append([]byte(nil), body...), body...))
	return out
}

func clone(raw gateways.Raw) gateways.Raw {
	h := make(map[string]string, len(raw.Headers))
	for k, v := range raw.Headers {
		h[k] = v
	}
	return gateways.Raw{Body: append([]byte(nil), raw.Body...), Headers: h}
}

func truncate(b []byte) string {
	if len(b) > 120 {
		return string(b[:120]) + "…"
	}
	return string(b)
}

// Golden compares got, as indented JSON, with the file at path; with update
// it rewrites the file instead. Review every rewritten file.
func Golden(t *testing.T, path string, got []payment.Payment, update bool) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if update {
		//nolint:gosec // G306: a golden file is committed to the repository, readable like the rest of it.
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it, then review it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s differs:\n got: %s\nwant: %s", path, b, want)
	}
}
