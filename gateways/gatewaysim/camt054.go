package gatewaysim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/camt054"
	"github.com/feerecon/feerecon/payment"
)

// ISO 20022 text limits of the fields Encode fills.
const (
	max35  = 35  // Max35Text: MsgId, Ntfctn/Id, AcctSvcrRef
	max34  = 34  // Max34Text: Othr/Id of an account
	max140 = 140 // Max140Text: Nm, each Ustrd line
)

// camtDateTime is ISO 8601 with the offset, fractional seconds only when
// there are any.
const camtDateTime = "2006-01-02T15:04:05.999999999-07:00"

// camt054 writes a camt.054.001.08 notification with one Ntfctn
// holding one booked credit entry, signed in X-Feerecon-Signature as the
// edge that terminated the bank's channel does.
func (e *Encoder) camt054(p payment.Payment) (gateways.Raw, error) {
	s := e.s
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"gateway_txn_id", p.TxnID, max35},
		{"payer_name", p.PayerName, max140},
		{"payer_account", p.PayerAccount, max34},
	} {
		// The adapter trims these fields.
		if !xmlText(f.v) || strings.TrimSpace(f.v) != f.v || utf8.RuneCountInString(f.v) > f.max {
			return gateways.Raw{}, unencodable(p, "camt054 %s %q: want at most %d XML characters without surrounding space", f.name, f.v, f.max)
		}
	}
	// The adapter refuses control characters and more than 80 bytes in the
	// transaction id.
	if len(p.TxnID) > 80 || strings.IndexFunc(p.TxnID, unicode.IsControl) >= 0 {
		return gateways.Raw{}, unencodable(p, "camt054 gateway_txn_id %q holds control characters or is too long", p.TxnID)
	}
	if !xmlText(p.Description) {
		return gateways.Raw{}, unencodable(p, "camt054 description holds characters XML cannot carry")
	}
	units, _ := p.Amount.Currency.MinorUnits() // Validate checked the currency
	amt := p.Amount.Amount.StringFixed(units)
	loc := p.PaidAt.In(e.loc)
	at := loc.Format(camtDateTime)
	sum := sha256.Sum256([]byte(p.TxnID))
	msgID := "SIM" + loc.Format("20060102150405") + "-" + hex.EncodeToString(sum[:4])

	var b bytes.Buffer
	b.Grow(1500 + len(p.Description))
	w := func(parts ...string) {
		for _, s := range parts {
			b.WriteString(s)
		}
	}
	esc := func(s string) { _ = xml.EscapeText(&b, []byte(s)) } // writes to a bytes.Buffer: cannot fail
	w(`<?xml version="1.0" encoding="UTF-8"?>`, "\n",
		`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">`, "\n",
		"  <BkToCstmrDbtCdtNtfctn>\n",
		"    <GrpHdr>\n",
		"      <MsgId>", msgID, "</MsgId>\n",
		"      <CreDtTm>", at, "</CreDtTm>\n",
		"    </GrpHdr>\n",
		"    <Ntfctn>\n",
		"      <Id>", msgID, "</Id>\n",
		"      <CreDtTm>", at, "</CreDtTm>\n",
		"      <Acct>\n",
		"        <Id><Othr><Id>")
	esc(s.CollectionAccount)
	w("</Id></Othr></Id>\n",
		"        <Ccy>", string(payment.VND), "</Ccy>\n",
		"      </Acct>\n",
		"      <Ntry>\n",
		"        <NtryRef>1</NtryRef>\n",
		`        <Amt Ccy="`, string(p.Amount.Currency), `">`, amt, "</Amt>\n",
		"        <CdtDbtInd>", camt054.Credit, "</CdtDbtInd>\n",
		"        <Sts><Cd>", camt054.StatusBook, "</Cd></Sts>\n",
		"        <BookgDt><DtTm>", at, "</DtTm></BookgDt>\n",
		"        <ValDt><Dt>", loc.Format("2006-01-02"), "</Dt></ValDt>\n",
		"        <AcctSvcrRef>")
	esc(p.TxnID)
	w("</AcctSvcrRef>\n",
		"        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>\n",
		"        <NtryDtls>\n",
		"          <TxDtls>\n",
		"            <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>\n",
		`            <Amt Ccy="`, string(p.Amount.Currency), `">`, amt, "</Amt>\n",
		"            <CdtDbtInd>", camt054.Credit, "</CdtDbtInd>\n")
	if p.PayerName != "" || p.PayerAccount != "" {
		w("            <RltdPties>\n")
		if p.PayerName != "" {
			w("              <Dbtr><Pty><Nm>")
			esc(p.PayerName)
			w("</Nm></Pty></Dbtr>\n")
		}
		if p.PayerAccount != "" {
			w("              <DbtrAcct><Id><Othr><Id>")
			esc(p.PayerAccount)
			w("</Id></Othr></Id></DbtrAcct>\n")
		}
		w("            </RltdPties>\n")
	}
	if p.Description != "" {
		w("            <RmtInf>\n")
		for _, line := range splitRunes(p.Description, max140) {
			w("              <Ustrd>")
			esc(line)
			w("</Ustrd>\n")
		}
		w("            </RmtInf>\n")
	}
	w("          </TxDtls>\n",
		"        </NtryDtls>\n",
		"      </Ntry>\n",
		"    </Ntfctn>\n",
		"  </BkToCstmrDbtCdtNtfctn>\n",
		"</Document>\n")
	body := b.Bytes()
	return gateways.Raw{Body: body, Headers: map[string]string{camt054.HeaderSignature: signSHA256(s.Camt054, body)}}, nil
}

// splitRunes cuts s into lines of at most n characters, as banks cut
// remittance text into Max140Text lines (possibly mid-word); the adapter
// concatenates them back.
func splitRunes(s string, n int) []string {
	var out []string
	for s != "" {
		i, count := 0, 0
		for i < len(s) && count < n {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			count++
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}

// xmlText reports whether s is valid UTF-8 made only of characters XML 1.0
// allows (escaped where needed, they survive a parse unchanged). NUL is not
// one of them.
func xmlText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

// EncodeReversal builds the camt.054.001.08 notification a bank sends
// when it takes back an earlier credit: one booked DBIT entry with
// RvslInd true, its own AcctSvcrRef r.TxnID, and the original credit's
// references (r.OriginalRefs: the first as the transaction's
// Refs/AcctSvcrRef, a second as its EndToEndId), signed as camt054 is.
// Only camt054 reversals are encodable (the wallets' adapters read none).
func EncodeReversal(r payment.Reversal, s Secrets) (gateways.Raw, error) {
	if err := r.Validate(); err != nil {
		return gateways.Raw{}, fmt.Errorf("gatewaysim: encode reversal %s: %w", r.ID, err)
	}
	if r.Gateway != payment.GatewayCamt054 || len(r.OriginalRefs) == 0 || len(r.OriginalRefs) > 2 {
		return gateways.Raw{}, fmt.Errorf("gatewaysim: encode reversal %s: %w: camt054 only, with one or two original references", r.ID, ErrUnencodable)
	}
	for _, v := range append([]string{r.TxnID}, r.OriginalRefs...) {
		if !xmlText(v) || strings.TrimSpace(v) != v || utf8.RuneCountInString(v) > max35 {
			return gateways.Raw{}, fmt.Errorf("gatewaysim: encode reversal %s: %w: reference %q", r.ID, ErrUnencodable, v)
		}
	}
	if !xmlText(r.Description) || utf8.RuneCountInString(r.Description) > max140 {
		return gateways.Raw{}, fmt.Errorf("gatewaysim: encode reversal %s: %w: description", r.ID, ErrUnencodable)
	}
	units, _ := r.Amount.Currency.MinorUnits()
	amt := r.Amount.Amount.StringFixed(units)
	loc := payment.Location()
	at := r.ReversedAt.In(loc).Format(camtDateTime)
	sum := sha256.Sum256([]byte(r.TxnID))
	msgID := "SIMR" + r.ReversedAt.In(loc).Format("20060102150405") + "-" + hex.EncodeToString(sum[:4])
	var b bytes.Buffer
	w := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	esc := func(v string) { _ = xml.EscapeText(&b, []byte(v)) } // writes to a bytes.Buffer: cannot fail
	w(`<?xml version="1.0" encoding="UTF-8"?>`, "\n",
		`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">`, "\n",
		"  <BkToCstmrDbtCdtNtfctn>\n",
		"    <GrpHdr><MsgId>", msgID, "</MsgId><CreDtTm>", at, "</CreDtTm></GrpHdr>\n",
		"    <Ntfctn>\n",
		"      <Id>", msgID, "</Id>\n",
		"      <CreDtTm>", at, "</CreDtTm>\n",
		"      <Acct><Id><Othr><Id>")
	esc(s.CollectionAccount)
	w("</Id></Othr></Id><Ccy>", string(payment.VND), "</Ccy></Acct>\n",
		"      <Ntry>\n",
		`        <Amt Ccy="`, string(r.Amount.Currency), `">`, amt, "</Amt>\n",
		"        <CdtDbtInd>", camt054.Debit, "</CdtDbtInd>\n",
		"        <RvslInd>true</RvslInd>\n",
		"        <Sts><Cd>", camt054.StatusBook, "</Cd></Sts>\n",
		"        <BookgDt><DtTm>", at, "</DtTm></BookgDt>\n",
		"        <AcctSvcrRef>")
	esc(r.TxnID)
	w("</AcctSvcrRef>\n",
		"        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>RRTN</SubFmlyCd></Fmly></Domn></BkTxCd>\n",
		"        <NtryDtls><TxDtls>\n",
		"          <Refs><AcctSvcrRef>")
	esc(r.OriginalRefs[0])
	w("</AcctSvcrRef><EndToEndId>")
	if len(r.OriginalRefs) > 1 {
		esc(r.OriginalRefs[1])
	} else {
		w("NOTPROVIDED")
	}
	w("</EndToEndId></Refs>\n")
	if r.Description != "" {
		w("          <RmtInf><Ustrd>")
		esc(r.Description)
		w("</Ustrd></RmtInf>\n")
	}
	w("        </TxDtls></NtryDtls>\n",
		"      </Ntry>\n",
		"    </Ntfctn>\n",
		"  </BkToCstmrDbtCdtNtfctn>\n",
		"</Document>\n")
	body := b.Bytes()
	return gateways.Raw{Body: body, Headers: map[string]string{camt054.HeaderSignature: signSHA256(s.Camt054, body)}}, nil
}
