package daily

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// The report's many lines (payments, allocations, links) are written to
// JSON by hand, without reflection: a million lines through json.Marshal
// cost more than the reconciliation itself. Each appender writes exactly
// what json.Marshal writes for its type (field order, omitempty and
// omitzero, HTML-safe string escaping); TestLineJSONIsMarshal holds them
// to it. Any other value goes through json.Marshal.

// appendLineJSON appends the JSON of v, a report line or any value.
func appendLineJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case PaymentLine:
		if plainTime(x.PaidAt) {
			return appendPaymentLine(b, &x), nil
		}
	case AllocationLine:
		return appendAllocationLine(b, &x), nil
	case Link:
		return appendLink(b, &x), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}

func appendPaymentLine(b []byte, p *PaymentLine) []byte {
	b = append(b, `{"payment_id":`...)
	b = appendJSONString(b, p.PaymentID)
	b = append(b, `,"gateway":`...)
	b = appendJSONString(b, string(p.Gateway))
	b = append(b, `,"channel":`...)
	b = appendJSONString(b, p.Channel)
	b = append(b, `,"paid_at":`...)
	b = appendJSONTime(b, p.PaidAt)
	b = append(b, `,"amount":`...)
	b = appendAmount(b, p.Amount)
	b = append(b, `,"collected":`...)
	b = appendAmount(b, p.Collected)
	b = append(b, `,"unassigned":`...)
	b = appendAmount(b, p.Unassigned)
	if !p.Reversed.IsZero() {
		b = append(b, `,"reversed":`...)
		b = appendAmount(b, p.Reversed)
	}
	if p.ReversedBy != "" {
		b = append(b, `,"reversed_by":`...)
		b = appendJSONString(b, p.ReversedBy)
	}
	b = append(b, `,"fee":`...)
	b = appendAmount(b, p.Fee)
	b = append(b, `,"credit":`...)
	b = appendJSONString(b, string(p.Credit))
	if p.LinkRule != "" {
		b = append(b, `,"link_rule":`...)
		b = appendJSONString(b, string(p.LinkRule))
	}
	if p.StatementRef != "" {
		b = append(b, `,"statement_ref":`...)
		b = appendJSONString(b, p.StatementRef)
	}
	if p.Late {
		b = append(b, `,"late":true`...)
	}
	return append(b, '}')
}

func appendAllocationLine(b []byte, a *AllocationLine) []byte {
	b = append(b, `{"payment_id":`...)
	b = appendJSONString(b, a.PaymentID)
	b = append(b, `,"notice_system":`...)
	b = appendJSONString(b, a.NoticeSystem)
	b = append(b, `,"notice_id":`...)
	b = appendJSONString(b, a.NoticeID)
	if a.PaymentCode != "" {
		b = append(b, `,"payment_code":`...)
		b = appendJSONString(b, string(a.PaymentCode))
	}
	b = append(b, `,"agency":`...)
	b = appendJSONString(b, a.Agency)
	b = append(b, `,"treasury_account":`...)
	b = appendJSONString(b, a.TreasuryAccount)
	b = append(b, `,"channel":`...)
	b = appendJSONString(b, a.Channel)
	b = append(b, `,"amount":`...)
	b = appendAmount(b, a.Amount)
	b = append(b, `,"rule":`...)
	b = appendJSONString(b, string(a.Rule))
	b = append(b, `,"credit":`...)
	b = appendJSONString(b, string(a.Credit))
	return append(b, '}')
}

func appendLink(b []byte, l *Link) []byte {
	b = append(b, `{"statement_id":`...)
	b = appendJSONString(b, l.StatementID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, int64(l.Seq), 10)
	b = append(b, `,"statement_ref":`...)
	b = appendJSONString(b, l.Ref)
	if l.PaymentID != "" {
		b = append(b, `,"payment_id":`...)
		b = appendJSONString(b, l.PaymentID)
	}
	if l.Settlement != "" {
		b = append(b, `,"settlement":`...)
		b = appendJSONString(b, l.Settlement)
	}
	b = append(b, `,"rule":`...)
	b = appendJSONString(b, string(l.Rule))
	b = append(b, `,"amount":`...)
	b = appendAmount(b, l.Amount)
	return append(b, '}')
}

// appendAmount is Amount.MarshalJSON without its allocations for the usual
// whole amount of a few digits.
func appendAmount(b []byte, a Amount) []byte {
	b = append(b, '"')
	if a.Exponent() == 0 && a.NumDigits() <= 18 {
		b = strconv.AppendInt(b, a.CoefficientInt64(), 10)
	} else {
		b = append(b, a.String()...)
	}
	return append(b, '"')
}

// plainTime says whether appendJSONTime writes t as MarshalJSON does: a
// UTC time of years 0–9999, what reports hold. Any other line goes through
// json.Marshal.
func plainTime(t time.Time) bool {
	y := t.Year()
	return t.Location() == time.UTC && y >= 0 && y <= 9999
}

// appendJSONTime is time.Time.MarshalJSON for a plainTime.
func appendJSONTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// The ASCII bytes json.Marshal writes as they are (printable, but for ",
// \, and the HTML-escaped <, > and &), a bit each: bytes 0–63, then
// 64–127. Payment and statement ids are most of a report's text.
const (
	jsonSafeLow  uint64 = 0xffffffff00000000 &^ (1<<'"' | 1<<'&' | 1<<'<' | 1<<'>')
	jsonSafeHigh uint64 = 0xffffffffffffffff &^ (1 << ('\\' - 64))
)

// jsonSafe says whether the ASCII byte c is written as it is.
func jsonSafe(c byte) bool {
	if c < 64 {
		return jsonSafeLow>>c&1 != 0
	}
	return jsonSafeHigh>>(c-64)&1 != 0
}

// appendJSONString is encoding/json's string encoding with HTML escaping,
// as json.Marshal does it.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe(c) {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
