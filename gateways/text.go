package gateways

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// Header returns the value of header name in h, trimmed: the canonical
// name first, then any spelling of it (a Kafka header keeps the case the
// sender used).
func (r Raw) Header(name string) string {
	if v, ok := r.Headers[name]; ok {
		return strings.TrimSpace(v)
	}
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// StorableText makes outside text storable as it was received, as far as
// a database can: invalid UTF-8 becomes U+FFFD and NUL bytes are dropped
// (PostgreSQL refuses both, and a payment it refuses would be redelivered
// forever).
func StorableText(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

// DecimalID reports whether s is a gateway transaction id made of 1 to 30
// decimal digits, as the Vietnamese wallets and banks issue them.
func DecimalID(s string) bool {
	if s == "" || len(s) > 30 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// DecodeJSON reads b, which must hold exactly one JSON value, into v.
func DecodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON object")
	}
	return nil
}
