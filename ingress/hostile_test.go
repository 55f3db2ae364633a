package ingress_test

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/camt054"
	"github.com/feerecon/feerecon/gateways/gatewaysim"
	"github.com/feerecon/feerecon/gateways/momo"
	"github.com/feerecon/feerecon/gateways/vietqr"
	"github.com/feerecon/feerecon/gateways/vnpay"
	"github.com/feerecon/feerecon/hostile"
	"github.com/feerecon/feerecon/ingress"
	"github.com/feerecon/feerecon/payment"
)

// hostileBudget bounds each callback: one that has not answered by then
// hangs (a right answer takes milliseconds).
const hostileBudget = 20 * time.Second

// hostileGateway knows how to mutate and re-sign one gateway's message,
// so that a hostile value reaches the decoder past the signature (an
// unsigned hostile message is refused before it is read: 401).
type hostileGateway struct {
	g payment.Gateway
	// field names the message's amount, time and free-text fields.
	amount, at, text string
	// set returns the valid message with field set to the raw value
	// (JSON: a JSON token; query: the text; XML: the element's text),
	// signed again.
	set func(t *testing.T, field, value string) gateways.Raw
	// resign signs an arbitrary body as the gateway would.
	resign func(body []byte) gateways.Raw
	// amounts writes a hostile amount in the message's own form.
	amountOf func(s string) string
	// timeOf writes a time in the message's own form.
	timeOf func(t time.Time) string
	// textOf writes text in the message's own form.
	textOf func(s string) string
}

var sim = gatewaysim.DemoSecrets()

func validMessage(t *testing.T, g payment.Gateway) gateways.Raw {
	t.Helper()
	desc := "NP000000000151"
	if g == payment.GatewayZaloPay {
		desc = "261127_1 NP000000000151"
	}
	p := payment.Payment{ID: payment.PaymentID(g, "4242"), Gateway: g, TxnID: "4242", Amount: payment.VNDOf(150000),
		PaidAt: time.Date(2026, 11, 27, 9, 30, 0, 0, payment.Location()), Description: desc}
	raw, err := gatewaysim.Encode(p, sim)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// jsonSet sets key of the JSON object body to the raw JSON value.
func jsonSet(t *testing.T, body []byte, key, value string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	m[key] = json.RawMessage(value)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		// An invalid raw value: write the object by hand.
		var parts []string
		for k, v := range m {
			parts = append(parts, `"`+k+`":`+string(v))
		}
		return []byte("{" + strings.Join(parts, ",") + "}")
	}
	return bytes.TrimSpace(b.Bytes())
}

func bodySigned(header, secret string) func([]byte) gateways.Raw {
	return func(body []byte) gateways.Raw {
		return gateways.Raw{Body: body, Headers: map[string]string{header: gateways.SignHMAC(sha256.New, []byte(secret), body)}}
	}
}

func signMoMo(body []byte) gateways.Raw {
	var n momo.IPN
	if json.Unmarshal(body, &n) != nil {
		return gateways.Raw{Body: body}
	}
	data, err := momo.SignedData(n, sim.MoMoAccessKey)
	if err != nil {
		return gateways.Raw{Body: body}
	}
	var m map[string]json.RawMessage
	_ = json.Unmarshal(body, &m)
	sig, _ := json.Marshal(gateways.SignHMAC(sha256.New, []byte(sim.MoMoSecret), []byte(data)))
	m["signature"] = sig
	var parts []string
	for k, v := range m {
		parts = append(parts, `"`+k+`":`+string(v))
	}
	return gateways.Raw{Body: []byte("{" + strings.Join(parts, ",") + "}")}
}

func signZaloPay(data []byte) gateways.Raw {
	// The data string is escaped by hand: json.Marshal would replace
	// invalid UTF-8, and the mac is over the bytes.
	d := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(string(data)) + `"`
	mac := gateways.SignHMAC(sha256.New, []byte(sim.ZaloPayKey2), data)
	return gateways.Raw{Body: []byte(`{"data":` + d + `,"mac":"` + mac + `","type":1}`)}
}

func signVNPay(query []byte) gateways.Raw {
	params := map[string]string{}
	if q, err := url.ParseQuery(string(query)); err == nil {
		for k, v := range q {
			params[k] = v[0]
		}
	}
	delete(params, vnpay.ParamSecureHash)
	data := vnpay.SignedData(params)
	return gateways.Raw{Body: []byte(data + "&" + vnpay.ParamSecureHash + "=" + gateways.SignHMAC(sha512.New, []byte(sim.VNPay), []byte(data)))}
}

func quoted(s string) string { b, _ := json.Marshal(s); return string(b) }

func hostileGateways(t *testing.T) []hostileGateway {
	jsonNum := func(s string) string { return s }
	ms := func(at time.Time) string { return millis(at.UnixMilli()) }
	vq := hostileGateway{g: payment.GatewayVietQR, amount: "transferAmount", at: "transactionDate", text: "content",
		resign: bodySigned(vietqr.HeaderSignature, sim.VietQR), amountOf: jsonNum,
		timeOf: func(at time.Time) string { return quoted(at.In(payment.Location()).Format(time.DateTime)) }, textOf: quoted}
	vq.set = func(t *testing.T, f, v string) gateways.Raw {
		return vq.resign(jsonSet(t, validMessage(t, vq.g).Body, f, v))
	}
	mm := hostileGateway{g: payment.GatewayMoMo, amount: "amount", at: "responseTime", text: "orderInfo",
		resign: signMoMo, amountOf: jsonNum, timeOf: ms, textOf: quoted}
	mm.set = func(t *testing.T, f, v string) gateways.Raw {
		return signMoMo(jsonSet(t, validMessage(t, mm.g).Body, f, v))
	}
	zp := hostileGateway{g: payment.GatewayZaloPay, amount: "amount", at: "server_time", text: "embed_data",
		resign: signZaloPay, amountOf: jsonNum, timeOf: ms, textOf: quoted}
	zp.set = func(t *testing.T, f, v string) gateways.Raw {
		var env struct{ Data string }
		if err := json.Unmarshal(validMessage(t, zp.g).Body, &env); err != nil {
			t.Fatal(err)
		}
		return signZaloPay(jsonSet(t, []byte(env.Data), f, v))
	}
	vp := hostileGateway{g: payment.GatewayVNPay, amount: "vnp_Amount", at: "vnp_PayDate", text: "vnp_OrderInfo",
		resign: signVNPay, amountOf: func(s string) string { return s },
		timeOf: func(at time.Time) string { return at.In(payment.Location()).Format("20060102150405") },
		textOf: func(s string) string { return s }}
	vp.set = func(t *testing.T, f, v string) gateways.Raw {
		q, err := url.ParseQuery(string(validMessage(t, vp.g).Body))
		if err != nil {
			t.Fatal(err)
		}
		params := map[string]string{}
		for k, vs := range q {
			params[k] = vs[0]
		}
		params[f] = v
		delete(params, vnpay.ParamSecureHash)
		data := vnpay.SignedData(params)
		return gateways.Raw{Body: []byte(data + "&" + vnpay.ParamSecureHash + "=" + gateways.SignHMAC(sha512.New, []byte(sim.VNPay), []byte(data)))}
	}
	cm := hostileGateway{g: payment.GatewayCamt054, amount: "Amt", at: "DtTm", text: "Ustrd",
		resign: bodySigned(camt054.HeaderSignature, sim.Camt054), amountOf: func(s string) string { return s },
		timeOf: func(at time.Time) string { return at.Format(time.RFC3339) }, textOf: xmlEscape}
	cm.set = func(t *testing.T, f, v string) gateways.Raw {
		body := string(validMessage(t, cm.g).Body)
		open := "<" + f
		i := strings.Index(body, open)
		j := strings.Index(body[i:], ">") + i + 1
		k := strings.Index(body[j:], "</"+f+">") + j
		if f == "Amt" { // both Amt elements, entry and transaction
			return cm.resign([]byte(strings.ReplaceAll(body, body[i:k], body[i:j]+v)))
		}
		return cm.resign([]byte(body[:j] + v + body[k:]))
	}
	return []hostileGateway{vq, vp, mm, zp, cm}
}

func millis(n int64) string { b, _ := json.Marshal(n); return string(b) }

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// callbackCase is one row of the callback boundary's catalogue.
type callbackCase struct {
	name  hostile.Case
	label string
	raw   gateways.Raw
	// accepted: the callback is stored (published) by design, its text
	// verbatim; otherwise it is refused (401/413, evidence only) or
	// rejected (the gateway's error reply, kept whole in the DLQ).
	accepted bool
	// refused: refused before reading (signature or size), not rejected.
	refused bool
}

func callbackCases(t *testing.T, hg hostileGateway) []callbackCase {
	valid := validMessage(t, hg.g)
	amt := func(s string) gateways.Raw { return hg.set(t, hg.amount, hg.amountOf(s)) }
	cs := []callbackCase{
		{name: hostile.OversizedBody, raw: hg.set(t, hg.text, hg.textOf(strings.Repeat("A", gateways.MaxMessageBytes))), refused: true},
		{name: hostile.SQLInjection, raw: hg.set(t, hg.text, hg.textOf("NP000000000151 "+hostile.SQL)), accepted: true},
		{name: hostile.AmountHuge, raw: amt(hostile.HugeAmount)},
		{name: hostile.AmountNegative, raw: amt("-150000")},
		{name: hostile.AmountFractionalVND, raw: amt("150000.5")},
		{name: hostile.AmountExponent, raw: amt("1.5e5")},
		{name: hostile.AmountThousands, label: "dot", raw: amt("150.000")},
		{name: hostile.TimeFarPast, raw: hg.set(t, hg.at, hg.timeOf(time.Date(1970, 1, 1, 0, 0, 1, 0, time.UTC)))},
		{name: hostile.TimeFarFuture, raw: hg.set(t, hg.at, hg.timeOf(time.Date(2925, 1, 1, 0, 0, 0, 0, time.UTC)))},
		{name: hostile.Empty, raw: hg.resign(nil)},
		{name: hostile.Truncated, raw: hg.resign(valid.Body[:len(valid.Body)/2])},
		{name: hostile.Truncated, label: "unsigned", raw: gateways.Raw{Body: valid.Body[:len(valid.Body)/2], Headers: valid.Headers}, refused: true},
	}
	switch hg.g {
	case payment.GatewayVNPay:
		// A query string: thousands with a comma, invalid UTF-8 in a value.
		cs = append(cs, callbackCase{name: hostile.AmountThousands, label: "comma", raw: amt("15,000,000")},
			callbackCase{name: hostile.InvalidUTF8, raw: hg.set(t, hg.text, hostile.BadUTF8), accepted: true})
	case payment.GatewayCamt054:
		cs = append(cs,
			callbackCase{name: hostile.AmountThousands, label: "comma", raw: amt("150,000")},
			// XML is UTF-8 or nothing: encoding/xml refuses the document.
			callbackCase{name: hostile.InvalidUTF8, raw: hg.set(t, hg.text, hostile.BadUTF8)},
			callbackCase{name: hostile.EntityExpansion, raw: hg.resign([]byte(hostile.BillionLaughs("Document")))},
			callbackCase{name: hostile.ExternalEntityFile, raw: hg.resign([]byte(hostile.ExternalEntity("Document", "file:///etc/passwd")))},
			callbackCase{name: hostile.ExternalEntityHTTP, raw: hg.resign([]byte(hostile.ExternalEntity("Document", "http://127.0.0.1:1/xxe")))},
			callbackCase{name: hostile.DeepXML, raw: hg.resign([]byte(hostile.DeepXMLDoc("Document", 20000)))},
			callbackCase{name: hostile.DeepXML, label: "in-entry", raw: hg.set(t, hg.text, strings.Repeat("<a>", 20000)+strings.Repeat("</a>", 20000))},
		)
	default: // JSON
		cs = append(cs,
			callbackCase{name: hostile.AmountThousands, label: "comma", raw: amt(`"150,000"`)},
			callbackCase{name: hostile.InvalidUTF8, raw: hg.set(t, hg.text, `"`+hostile.BadUTF8+`"`), accepted: true},
			callbackCase{name: hostile.DeepJSON, raw: hg.set(t, hg.text, hostile.DeepJSONValue(20000))},
			callbackCase{name: hostile.DeepJSON, label: "body", raw: hg.resign([]byte(hostile.DeepJSONValue(20000)))},
		)
	}
	if hg.g == payment.GatewayZaloPay {
		// The mac is over the data string as decoded, and JSON decoding
		// replaces invalid UTF-8: such a message never verifies.
		for i, c := range cs {
			if c.name == hostile.InvalidUTF8 {
				cs[i].accepted, cs[i].refused = false, true
			}
		}
	}
	if hg.g == payment.GatewayMoMo {
		// MoMo signs fields, not bytes: a message whose fields do not
		// parse has no signature to verify, and is refused before it is
		// read, like an unsigned one.
		for i, c := range cs {
			unparsable := c.name == hostile.Empty || c.name == hostile.Truncated || c.name == hostile.DeepJSON ||
				c.name == hostile.AmountThousands && c.label == "comma"
			if unparsable {
				cs[i].refused = true
			}
		}
	}
	return cs
}

// TestHostileCallbacks is the callback boundary's part of the hostile-input
// catalogue (RELIABILITY.md "Hostile input"), for every gateway: each
// hostile message, signed with the gateway's key so that it reaches the
// decoder, is answered with the gateway's error reply (never a 5xx, never
// success) and kept whole in the DLQ with its reason, or refused before it
// is read (401/413, evidence only); only a valid message with odd text is
// stored, verbatim. The store is not involved: ingress only publishes.
func TestHostileCallbacks(t *testing.T) {
	t.Parallel()
	set, err := gatewaysim.Decoders(sim)
	if err != nil {
		t.Fatal(err)
	}
	for _, hg := range hostileGateways(t) {
		for _, c := range callbackCases(t, hg) {
			name := string(hg.g) + "/" + string(c.name)
			if c.label != "" {
				name += "/" + c.label
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				pub := &fakePublisher{}
				h, err := ingress.New(ingress.Config{Decoders: set, Publisher: pub})
				if err != nil {
					t.Fatal(err)
				}
				var r *http.Request
				if hg.g == payment.GatewayVNPay {
					r = httptest.NewRequest(http.MethodGet, "/gateways/vnpay/callback", nil)
					r.URL.RawQuery = string(c.raw.Body)
				} else {
					r = httptest.NewRequest(http.MethodPost, "/gateways/"+string(hg.g)+"/callback", bytes.NewReader(c.raw.Body))
				}
				for k, v := range c.raw.Headers {
					r.Header.Set(k, v)
				}
				w := httptest.NewRecorder()
				done := make(chan struct{})
				go func() { defer close(done); h.ServeHTTP(w, r) }()
				select {
				case <-done:
				case <-time.After(hostileBudget):
					t.Fatalf("no answer within %s", hostileBudget)
				}
				status, _, okBody := set[hg.g].Reply(nil)
				success := w.Code == status && bytes.Equal(bytes.TrimSpace(w.Body.Bytes()), bytes.TrimSpace(okBody))
				t.Logf("%s: answer %d %s; dlq reason %q", strings.TrimPrefix(t.Name(), "TestHostileCallbacks/"), w.Code, bytes.TrimSpace(w.Body.Bytes()), pub.last.Reason)
				if w.Code >= 500 {
					t.Fatalf("answered %d %s", w.Code, w.Body)
				}
				switch {
				case c.accepted:
					if !success || pub.published != 1 || pub.deadLettered != 0 {
						t.Fatalf("want stored: answer %d %s, %d published, %d dead-lettered", w.Code, w.Body, pub.published, pub.deadLettered)
					}
				case success || pub.published != 0 || pub.deadLettered != 1 || pub.last.Reason == "":
					t.Fatalf("want refused with its reason: answer %d %s, %d published, %d dead-lettered (%q)",
						w.Code, w.Body, pub.published, pub.deadLettered, pub.last.Reason)
				case c.refused != (pub.last.Evidence != nil):
					t.Fatalf("refused before reading %v, but evidence only %v (reason %q)", c.refused, pub.last.Evidence != nil, pub.last.Reason)
				}
			})
		}
	}
}
