package hostile

import (
	"strconv"
	"strings"
	"time"
)

// Case names one hostile input of the catalogue.
type Case string

// The catalogue. A boundary's table names each case it can meet; a case a
// boundary cannot meet (no XML on a JSON API) is simply absent there.
const (
	// OversizedBody: more bytes than the boundary's limit.
	OversizedBody Case = "oversized-body"
	// InvalidUTF8: a text field that is not valid UTF-8.
	InvalidUTF8 Case = "invalid-utf8"
	// EntityExpansion: an internal XML entity defined by doubling (billion laughs).
	EntityExpansion Case = "xml-entity-expansion"
	// ExternalEntityFile: an XML external entity naming file:///etc/passwd.
	ExternalEntityFile Case = "xml-external-entity-file"
	// ExternalEntityHTTP: an XML external entity naming an http URL.
	ExternalEntityHTTP Case = "xml-external-entity-http"
	// DeepXML: elements nested far deeper than any real document.
	DeepXML Case = "xml-deep-nesting"
	// DeepJSON: arrays or objects nested far deeper than any real body.
	DeepJSON Case = "json-deep-nesting"
	// SQLInjection: SQL in every text field; a text stored is stored verbatim.
	SQLInjection Case = "sql-injection"
	// AmountHuge: an amount beyond any fee (and beyond int64).
	AmountHuge Case = "amount-huge"
	// AmountNegative: a negative amount.
	AmountNegative Case = "amount-negative"
	// AmountFractionalVND: a fraction of a đồng (VND has no minor unit).
	AmountFractionalVND Case = "amount-fractional-vnd"
	// AmountExponent: an amount in exponent form (1e6).
	AmountExponent Case = "amount-exponent"
	// AmountThousands: an amount with thousands separators (150,000 or 150.000).
	AmountThousands Case = "amount-thousands-separator"
	// TimeFarPast: a timestamp in year 1 or 1900.
	TimeFarPast Case = "time-far-past"
	// TimeFarFuture: a timestamp in year 9999.
	TimeFarFuture Case = "time-far-future"
	// TimeLoose: a timestamp Go's time.Time reads but RFC 3339 does not
	// (a one-digit hour; found by FuzzCreateNotice).
	TimeLoose Case = "time-not-rfc3339"
	// DuplicateID: an id already stored, sent again with a different body.
	DuplicateID Case = "duplicate-id-different-body"
	// Empty: an empty body, message or file.
	Empty Case = "empty"
	// Truncated: a valid input cut off in the middle.
	Truncated Case = "truncated"
)

// SQL is a text that would do harm if it reached SQL unparameterised.
const SQL = `x'); DROP TABLE notices; -- ' OR '1'='1`

// BadUTF8 is text that is not valid UTF-8.
const BadUTF8 = "Nguy\xffn V\xc3n A"

// FarPast and FarFuture are timestamps no real payment carries.
var (
	FarPast   = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	FarFuture = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// HugeAmount is far beyond int64 and any fee.
const HugeAmount = "99999999999999999999999999999999999999"

// BillionLaughs returns an XML document whose root holds the classic
// entity bomb: ten levels of ten-fold expansion (10^9 "lol"s).
func BillionLaughs(root string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>` + "\n<!DOCTYPE " + root + " [\n" + `<!ENTITY lol0 "lol">` + "\n")
	for i := 1; i <= 9; i++ {
		b.WriteString("<!ENTITY lol" + strconv.Itoa(i) + ` "`)
		for range 10 {
			b.WriteString("&lol" + strconv.Itoa(i-1) + ";")
		}
		b.WriteString("\">\n")
	}
	b.WriteString("]>\n<" + root + ">&lol9;</" + root + ">\n")
	return b.String()
}

// ExternalEntity returns an XML document whose root holds an external
// entity naming url (file:///etc/passwd, http://…).
func ExternalEntity(root, url string) string {
	return `<?xml version="1.0"?>` + "\n<!DOCTYPE " + root + " [\n<!ENTITY xxe SYSTEM \"" + url + "\">\n]>\n<" +
		root + ">&xxe;</" + root + ">\n"
}

// DeepXMLDoc returns root holding depth nested <a> elements.
func DeepXMLDoc(root string, depth int) string {
	return `<?xml version="1.0"?>` + "\n<" + root + ">" + strings.Repeat("<a>", depth) + strings.Repeat("</a>", depth) + "</" + root + ">"
}

// DeepJSONValue returns depth nested arrays: [[[…]]].
func DeepJSONValue(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}
