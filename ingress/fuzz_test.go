package ingress_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/ingress"
)

// FuzzCallback sends arbitrary callbacks: the handler never panics, never
// answers success without having stored the message, keeps every authentic
// rejected message in the DLQ and of every refused one only evidence.
func FuzzCallback(f *testing.F) {
	f.Add(false, []byte(`{"id": 1, "transferType": "in"}`), "00")
	f.Add(true, []byte(vnpayIPN), "")
	f.Add(true, []byte("vnp_Amount=1&vnp_Amount=2"), "")
	f.Add(false, []byte{0xff, 0x00}, "zz")
	f.Fuzz(func(t *testing.T, get bool, body []byte, sig string) {
		pub := &fakePublisher{}
		h, err := ingress.New(ingress.Config{Decoders: decoders(t), Publisher: pub})
		if err != nil {
			t.Fatal(err)
		}
		var r *http.Request
		if get {
			q := strings.Map(func(r rune) rune {
				if r <= ' ' || r == '#' || r == 0x7f {
					return -1
				}
				return r
			}, string(body))
			r = httptest.NewRequest(http.MethodGet, "/gateways/vnpay/callback", nil)
			r.URL.RawQuery = q
		} else {
			r = httptest.NewRequest(http.MethodPost, "/gateways/vietqr/callback", bytes.NewReader(body))
			r.Header.Set("X-Feerecon-Signature", sig)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		success := w.Code == 200 && (strings.Contains(w.Body.String(), `"success":true`) || strings.Contains(w.Body.String(), `"RspCode":"00"`))
		if success && pub.published != 1 {
			t.Fatalf("answered success (%d %s) with %d publishes", w.Code, w.Body, pub.published)
		}
		if (w.Code == 401 && pub.last.Evidence == nil) || (pub.last.Evidence != nil && pub.published != 0) {
			t.Fatalf("reply %d, evidence %+v, %d publishes: a refusal keeps evidence only", w.Code, pub.last.Evidence, pub.published)
		}
		if pub.published+pub.deadLettered != 1 {
			t.Fatalf("%d publishes and %d dead letters for one callback", pub.published, pub.deadLettered)
		}
	})
}
