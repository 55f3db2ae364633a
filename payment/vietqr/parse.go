package vietqr

import (
	"strings"

	"github.com/feerecon/feerecon/payment"
	"github.com/shopspring/decimal"
)

// Field is one TLV data object as it appeared in a payload.
type Field struct {
	ID    string
	Value string
}

// Decoded is a parsed payload.
type Decoded struct {
	// Payload holds the fields feerecon uses; Build(d.Payload) gives the
	// canonical form of the same QR.
	Payload
	// Dynamic reports 01=12. It is reported, not enforced against the
	// amount: wallets in the wild mark amount-less codes dynamic.
	Dynamic bool
	// CRC is field 63 as it appeared (4 hex digits).
	CRC string
	// Fields are the root data objects in their order, 63 included.
	Fields []Field
	// Additional are the sub-fields of 62 in their order.
	Additional []Field
}

// MaxPayloadLen bounds Parse's input: EMVCo payloads are at most 512
// characters.
const MaxPayloadLen = 512

// Parse decodes and validates a VietQR payload: the TLV structure at every
// level, the CRC, the NAPAS merchant account (38), currency VND (53),
// country VN (58) and, when present, a whole positive amount (54). Root
// fields may come in any order except that 63 (the CRC) must be last.
// Hex digits of the CRC are accepted in either case.
func Parse(s string) (Decoded, error) {
	var d Decoded
	if len(s) > MaxPayloadLen {
		return d, fieldErr("payload", ErrTooLong, "%d bytes, at most %d", len(s), MaxPayloadLen)
	}
	root, err := splitTLV(s, "")
	if err != nil {
		return d, err
	}
	d.Fields = root
	if len(root) == 0 || root[len(root)-1].ID != "63" {
		return d, fieldErr("63", ErrChecksum, "the CRC must be the last field")
	}
	crc := root[len(root)-1].Value
	if len(crc) != 4 || !isHex(crc) {
		return d, fieldErr("63", ErrChecksum, "must be 4 hex digits")
	}
	if want := crcHex(s[:len(s)-4]); !strings.EqualFold(want, crc) {
		return d, fieldErr("63", ErrChecksum, "payload carries %s, content gives %s", crc, want)
	}
	d.CRC = crc

	byID, err := index(root, "")
	if err != nil {
		return d, err
	}
	if v, ok := byID["00"]; !ok {
		return d, fieldErr("00", ErrMissing, "payload format indicator")
	} else if v != "01" {
		return d, fieldErr("00", ErrInvalid, "must be 01")
	}
	if v, ok := byID["01"]; ok {
		switch v {
		case "11":
		case "12":
			d.Dynamic = true
		default:
			return d, fieldErr("01", ErrInvalid, "must be 11 or 12")
		}
	}
	if err := d.parseMerchant(byID); err != nil {
		return d, err
	}
	if v, ok := byID["53"]; !ok {
		return d, fieldErr("53", ErrMissing, "currency")
	} else if v != "704" {
		return d, fieldErr("53", ErrInvalid, "currency must be 704 (VND)")
	}
	if v, ok := byID["58"]; !ok {
		return d, fieldErr("58", ErrMissing, "country")
	} else if v != "VN" {
		return d, fieldErr("58", ErrInvalid, "country must be VN")
	}
	if v, ok := byID["54"]; ok {
		// Whole đồng only: no sign, no decimal point, no leading zero.
		if !isDigits(v) || v[0] == '0' {
			return d, fieldErr("54", ErrInvalid, "must be a positive whole number of đồng")
		}
		amt, err := decimal.NewFromString(v)
		if err != nil {
			return d, fieldErr("54", ErrInvalid, "not a number")
		}
		d.Amount = payment.Money{Amount: amt, Currency: payment.VND}
	}
	if v, ok := byID["62"]; ok {
		sub, err := splitTLV(v, "62")
		if err != nil {
			return d, err
		}
		subID, err := index(sub, "62")
		if err != nil {
			return d, err
		}
		d.Additional = sub
		d.Purpose = subID["08"]
		d.BillNumber = subID["01"]
	}
	return d, nil
}

func (d *Decoded) parseMerchant(byID map[string]string) error {
	v, ok := byID["38"]
	if !ok {
		return fieldErr("38", ErrMissing, "NAPAS merchant account information")
	}
	sub, err := splitTLV(v, "38")
	if err != nil {
		return err
	}
	m, err := index(sub, "38")
	if err != nil {
		return err
	}
	if aid, ok := m["00"]; !ok {
		return fieldErr("38.00", ErrMissing, "AID")
	} else if aid != NAPASAID {
		return fieldErr("38.00", ErrInvalid, "AID must be %s", NAPASAID)
	}
	beneValue, ok := m["01"]
	if !ok {
		return fieldErr("38.01", ErrMissing, "beneficiary organisation")
	}
	beneFields, err := splitTLV(beneValue, "38.01")
	if err != nil {
		return err
	}
	bene, err := index(beneFields, "38.01")
	if err != nil {
		return err
	}
	bin, ok := bene["00"]
	if !ok {
		return fieldErr("38.01.00", ErrMissing, "bank BIN")
	}
	if len(bin) != 6 || !isDigits(bin) {
		return fieldErr("38.01.00", ErrInvalid, "bank BIN must be 6 digits")
	}
	acct, ok := bene["01"]
	if !ok {
		return fieldErr("38.01.01", ErrMissing, "account")
	}
	if acct == "" || !isAlnum(acct) {
		return fieldErr("38.01.01", ErrInvalid, "account must be letters and digits")
	}
	svc, ok := m["02"]
	if !ok {
		return fieldErr("38.02", ErrMissing, "service code")
	}
	if !Service(svc).Valid() {
		return fieldErr("38.02", ErrInvalid, "service must be %s or %s", ServiceToAccount, ServiceToCard)
	}
	d.BankBIN, d.Account, d.Service = bin, acct, Service(svc)
	return nil
}

// splitTLV splits s into data objects; every length must end inside s.
func splitTLV(s, path string) ([]Field, error) {
	var out []Field
	for i := 0; i < len(s); {
		at := i
		if len(s)-i < 4 {
			return nil, fieldErr(join(path, "?"), ErrMalformed, "truncated header at byte %d", at)
		}
		id, ln := s[i:i+2], s[i+2:i+4]
		if !isDigits(id) {
			return nil, fieldErr(join(path, "?"), ErrMalformed, "id at byte %d is not two digits", at)
		}
		if !isDigits(ln) {
			return nil, fieldErr(join(path, id), ErrMalformed, "length at byte %d is not two digits", at+2)
		}
		n := int(ln[0]-'0')*10 + int(ln[1]-'0')
		i += 4
		if n > len(s)-i {
			return nil, fieldErr(join(path, id), ErrMalformed, "length %d overruns its container by %d bytes", n, n-(len(s)-i))
		}
		out = append(out, Field{ID: id, Value: s[i : i+n]})
		i += n
	}
	return out, nil
}

// index maps ids to values, rejecting duplicates.
func index(fs []Field, path string) (map[string]string, error) {
	m := make(map[string]string, len(fs))
	for _, f := range fs {
		if _, dup := m[f.ID]; dup {
			return nil, fieldErr(join(path, f.ID), ErrDuplicate, "id occurs twice")
		}
		m[f.ID] = f.Value
	}
	return m, nil
}

func join(path, id string) string {
	if path == "" {
		return id
	}
	return path + "." + id
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
