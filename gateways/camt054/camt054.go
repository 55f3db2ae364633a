package camt054

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/iso20022"
	"github.com/feerecon/feerecon/payment"
)

// HeaderSignature carries the hex HMAC-SHA256 of the body.
const HeaderSignature = "X-Feerecon-Signature"

// MinSecretBytes is the shortest accepted shared secret.
const MinSecretBytes = gateways.MinSecretBytes

const gw = payment.GatewayCamt054

// Credit/debit indicators and entry statuses used.
const (
	Credit     = "CRDT"
	Debit      = "DBIT"
	StatusBook = "BOOK"
)

// Config configures the decoder: Secret is the HMAC key of
// HeaderSignature.
type Config gateways.SecretConfig

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	_, err := gateways.NewBodySigned(gw, HeaderSignature, gateways.SecretConfig(c))
	return err
}

// Decoder decodes camt.054 notifications; its Gateway is payment.GatewayCamt054.
type Decoder struct{ gateways.BodySigned }

var _ gateways.Decoder = (*Decoder)(nil)

// New returns a Decoder for cfg.
func New(cfg Config) (*Decoder, error) {
	b, err := gateways.NewBodySigned(gw, HeaderSignature, gateways.SecretConfig(cfg))
	if err != nil {
		return nil, err
	}
	return &Decoder{b}, nil
}

// Decode verifies the signature header, parses the notification and
// returns one payment per booked credit entry.
func (d *Decoder) Decode(raw gateways.Raw) ([]payment.Payment, error) {
	if err := d.Verify(raw); err != nil {
		return nil, err
	}
	doc, err := ParseNotification(raw.Body)
	if err != nil {
		return nil, err
	}
	return d.Payments(doc)
}

// ParseNotification reads a camt.054 document of any version (element
// names only; namespaces are ignored). It checks structure, not meaning:
// an error is a *gateways.Error wrapping gateways.ErrMalformed. It does not
// verify any signature; Decode calls it after verification.
func ParseNotification(body []byte) (*Document, error) {
	var doc Document
	dec := iso20022.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&doc); err != nil {
		return nil, gateways.Errorf(gw, gateways.ErrMalformed, "xml: %v", err)
	}
	// Anything but whitespace, comments or processing instructions after the
	// root element is not one document.
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, gateways.Errorf(gw, gateways.ErrMalformed, "xml after the document: %v", err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return nil, gateways.Errorf(gw, gateways.ErrMalformed, "text after the document")
			}
		case xml.Comment, xml.ProcInst:
		default:
			return nil, gateways.Errorf(gw, gateways.ErrMalformed, "content after the document")
		}
	}
	if doc.XMLName.Local != "Document" {
		return nil, gateways.Errorf(gw, gateways.ErrMalformed, "root element is %q, not Document", doc.XMLName.Local)
	}
	if doc.Notif == nil {
		return nil, gateways.Errorf(gw, gateways.ErrMalformed, "no BkToCstmrDbtCdtNtfctn: not a camt.054")
	}
	if len(doc.Notif.Notifications) == 0 {
		return nil, gateways.Errorf(gw, gateways.ErrMalformed, "no Ntfctn")
	}
	return &doc, nil
}

// Payments returns one payment per booked credit entry of doc. Debit,
// pending and reversal entries are skipped; a message with no payment left
// is gateways.ErrNotPayment. One bad credit entry (amount, date) fails the
// whole message: it is dead-lettered whole, never half-recorded.
func (d *Decoder) Payments(doc *Document) ([]payment.Payment, error) {
	var out []payment.Payment
	seen := map[string]bool{}
	skipped := 0
	for i, n := range doc.Notif.Notifications {
		for j, e := range n.Entries {
			where := fmt.Sprintf("Ntfctn %d Ntry %d", i+1, j+1)
			switch ind := strings.TrimSpace(e.CdtDbtInd); ind {
			case Credit:
			case Debit:
				skipped++
				continue
			default:
				return nil, gateways.Errorf(gw, gateways.ErrMalformed, "%s: CdtDbtInd %q", where, ind)
			}
			if st := e.Status.Code(); st != "" && st != StatusBook {
				skipped++
				continue
			}
			if strings.TrimSpace(e.RvslInd) == "true" {
				skipped++
				continue
			}
			p, err := d.payment(n, j, e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			if seen[p.ID] {
				return nil, gateways.Errorf(gw, gateways.ErrMalformed, "%s: transaction id %q repeats in the message", where, p.TxnID)
			}
			seen[p.ID] = true
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, gateways.Errorf(gw, gateways.ErrNotPayment, "no booked credit entry (%d skipped)", skipped)
	}
	return out, nil
}

func (d *Decoder) payment(n Notification, idx int, e Entry) (payment.Payment, error) {
	m, err := d.Amounts.ParsePositive(e.Amt.Value, e.Amt.Ccy)
	if err != nil {
		return payment.Payment{}, gateways.InvalidAmount(gw, "Amt", err)
	}
	paidAt, err := d.bookingTime(e)
	if err != nil {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrMalformed, "%v", err)
	}
	if paidAt, err = gateways.PaidAt(gw, "BookgDt", paidAt); err != nil {
		return payment.Payment{}, err
	}
	txs := e.transactions()
	txn := strings.TrimSpace(e.AcctSvcrRef)
	if txn == "" {
		for _, t := range txs {
			if id := strings.TrimSpace(t.Refs.EndToEndID); id != "" && id != "NOTPROVIDED" {
				txn = id
				break
			}
		}
	}
	if txn == "" {
		nid := strings.TrimSpace(n.ID)
		if nid == "" {
			return payment.Payment{}, gateways.Errorf(gw, gateways.ErrMalformed, "no AcctSvcrRef, EndToEndId or Ntfctn Id to identify the entry")
		}
		txn = nid + "/" + strconv.Itoa(idx+1)
	}
	if !validID(txn) {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrMalformed, "transaction id %q is not printable text of at most %d bytes", txn, maxIDBytes)
	}
	p := gateways.Normalise(gw, payment.Payment{TxnID: txn, Amount: m, PaidAt: paidAt,
		Description: e.description(txs), BankRef: strings.TrimSpace(e.AcctSvcrRef),
		CreditedAccount: payment.BankAccount("", n.Account.String())})
	// The first transaction that has them fills the gaps, already storable:
	// text that StorableText empties (NULs only) counts as none.
	for _, t := range txs {
		if p.BankRef == "" {
			p.BankRef = gateways.StorableText(strings.TrimSpace(t.Refs.AcctSvcrRef))
		}
		if p.PayerName == "" {
			p.PayerName = gateways.StorableText(t.RltdPties.Dbtr.name())
		}
		if p.PayerAccount == "" {
			p.PayerAccount = gateways.StorableText(t.RltdPties.DbtrAcct.ID.String())
		}
	}
	return p, nil
}

// bookingTime reads BookgDt (DtTm before Dt), else ValDt. A date without a
// time is midnight in Asia/Ho_Chi_Minh; a date-time without an offset is
// read there too.
func (d *Decoder) bookingTime(e Entry) (time.Time, error) {
	loc := payment.Location()
	for _, dt := range []DateAndTime{e.BookgDt, e.ValDt} {
		if s := strings.TrimSpace(dt.DtTm); s != "" {
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
				if t, err := time.ParseInLocation(layout, s, loc); err == nil {
					return t.In(loc), nil
				}
			}
			return time.Time{}, fmt.Errorf("date-time %q is not ISO 8601", s)
		}
		if s := strings.TrimSpace(dt.Dt); s != "" {
			for _, layout := range []string{time.DateOnly, "2006-01-02Z07:00"} {
				if t, err := time.ParseInLocation(layout, s, loc); err == nil {
					y, mo, dd := t.Date()
					return time.Date(y, mo, dd, 0, 0, 0, 0, loc), nil
				}
			}
			return time.Time{}, fmt.Errorf("date %q is not YYYY-MM-DD", s)
		}
	}
	return time.Time{}, errors.New("no BookgDt or ValDt")
}

// Reply answers the bank's (or edge's) delivery call.
func (d *Decoder) Reply(err error) (int, string, []byte) {
	const ct = "text/plain; charset=utf-8"
	switch {
	case err == nil, errors.Is(err, gateways.ErrNotPayment):
		return 200, ct, []byte("OK\n")
	case errors.Is(err, gateways.ErrSignature):
		return 401, ct, []byte("signature does not verify\n")
	case errors.Is(err, gateways.ErrTooLarge):
		return 413, ct, []byte("message too large\n")
	case gateways.Poison(err):
		return 400, ct, []byte("rejected\n")
	default:
		return 503, ct, []byte("retry later\n")
	}
}

// maxIDBytes bounds a transaction id: Max35Text references, or a
// notification id with an entry number.
const maxIDBytes = 80

func validID(s string) bool {
	if len(s) > maxIDBytes || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
