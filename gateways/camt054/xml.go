package camt054

import (
	"encoding/xml"
	"strings"
)

// The types below hold only the camt.054 fields feerecon uses. Tags carry no
// namespace, so every version (camt.054.001.02 … .08 and later) decodes.

// Document is the root element.
type Document struct {
	XMLName xml.Name             `xml:"Document"`
	Notif   *BankToCustomerNotif `xml:"BkToCstmrDbtCdtNtfctn"`
}

// BankToCustomerNotif is BkToCstmrDbtCdtNtfctn.
type BankToCustomerNotif struct {
	MsgID         string         `xml:"GrpHdr>MsgId"`
	Notifications []Notification `xml:"Ntfctn"`
}

// Notification is one Ntfctn: the entries of one account.
type Notification struct {
	ID      string  `xml:"Id"`
	Account Account `xml:"Acct>Id"`
	Entries []Entry `xml:"Ntry"`
}

// Account is an account Id: IBAN or another scheme's Id.
type Account struct {
	IBAN  string `xml:"IBAN"`
	Other string `xml:"Othr>Id"`
}

func (a Account) String() string {
	if s := strings.TrimSpace(a.IBAN); s != "" {
		return s
	}
	return strings.TrimSpace(a.Other)
}

// Amount is an amount with its Ccy attribute, both as text.
type Amount struct {
	Value string `xml:",chardata"`
	Ccy   string `xml:"Ccy,attr"`
}

// Status is Sts: text in camt.054.001.02–.04, a Cd (or Prtry) child later.
type Status struct {
	Text  string `xml:",chardata"`
	Cd    string `xml:"Cd"`
	Prtry string `xml:"Prtry"`
}

// Code returns the status code whichever form it took, or "" when absent.
func (s Status) Code() string {
	for _, v := range []string{s.Cd, s.Prtry, s.Text} {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// DateAndTime is BookgDt or ValDt.
type DateAndTime struct {
	Dt   string `xml:"Dt"`
	DtTm string `xml:"DtTm"`
}

// Entry is one Ntry.
type Entry struct {
	Amt          Amount        `xml:"Amt"`
	CdtDbtInd    string        `xml:"CdtDbtInd"`
	RvslInd      string        `xml:"RvslInd"`
	Status       Status        `xml:"Sts"`
	BookgDt      DateAndTime   `xml:"BookgDt"`
	ValDt        DateAndTime   `xml:"ValDt"`
	AcctSvcrRef  string        `xml:"AcctSvcrRef"`
	BkTxCd       BankTxCode    `xml:"BkTxCd"`
	Details      []EntryDetail `xml:"NtryDtls"`
	AddtlNtryInf string        `xml:"AddtlNtryInf"`
}

// BankTxCode is BkTxCd: the ISO domain, family and sub-family codes.
type BankTxCode struct {
	Domain struct {
		Code   string `xml:"Cd"`
		Family struct {
			Code    string `xml:"Cd"`
			SubCode string `xml:"SubFmlyCd"`
		} `xml:"Fmly"`
	} `xml:"Domn"`
}

// EntryDetail is NtryDtls.
type EntryDetail struct {
	Transactions []Transaction `xml:"TxDtls"`
}

// Transaction is TxDtls.
type Transaction struct {
	Refs      Refs           `xml:"Refs"`
	RltdPties RelatedParties `xml:"RltdPties"`
	RmtInf    Remittance     `xml:"RmtInf"`
	// RtrInf is present on a returned payment (its reason inside).
	RtrInf *struct{} `xml:"RtrInf"`
}

// Refs are the references of a transaction.
type Refs struct {
	AcctSvcrRef string `xml:"AcctSvcrRef"`
	EndToEndID  string `xml:"EndToEndId"`
	TxID        string `xml:"TxId"`
}

// RelatedParties holds the debtor (the payer of a credit).
type RelatedParties struct {
	Dbtr     Party   `xml:"Dbtr"`
	DbtrAcct AcctRef `xml:"DbtrAcct"`
}

// AcctRef wraps an account Id.
type AcctRef struct {
	ID Account `xml:"Id"`
}

// Party is Dbtr: Nm directly (up to .07) or under Pty (.08 and later).
type Party struct {
	Nm    string `xml:"Nm"`
	PtyNm string `xml:"Pty>Nm"`
}

func (p Party) name() string {
	if s := strings.TrimSpace(p.Nm); s != "" {
		return s
	}
	return strings.TrimSpace(p.PtyNm)
}

// Remittance is RmtInf.
type Remittance struct {
	Ustrd []string     `xml:"Ustrd"`
	Strd  []Structured `xml:"Strd"`
}

// Structured is RmtInf/Strd; only the creditor reference is used.
type Structured struct {
	CdtrRef string `xml:"CdtrRefInf>Ref"`
}

func (e Entry) transactions() []Transaction {
	var out []Transaction
	for _, d := range e.Details {
		out = append(out, d.Transactions...)
	}
	return out
}

// description joins the remittance information of every transaction of
// the entry: the Ustrd lines of one transaction concatenated as they are
// (banks cut long text into 140-character lines, possibly mid-word or
// mid-code), then each Strd creditor reference; parts separated by one
// space. Without any, AddtlNtryInf.
func (e Entry) description(txs []Transaction) string {
	var parts []string
	for _, t := range txs {
		if u := strings.Join(t.RmtInf.Ustrd, ""); u != "" {
			parts = append(parts, u)
		}
		for _, s := range t.RmtInf.Strd {
			if r := strings.TrimSpace(s.CdtrRef); r != "" {
				parts = append(parts, r)
			}
		}
	}
	if len(parts) == 0 {
		return e.AddtlNtryInf
	}
	return strings.Join(parts, " ")
}
