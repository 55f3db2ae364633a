// Package camt054 decodes ISO 20022 camt.054 bank-to-customer debit/credit
// notifications (BkToCstmrDbtCdtNtfctn) into payment.Payment values, one per
// booked credit entry.
//
// Input: gateways.Raw.Body is the XML document. Any version decodes: the
// encoding/xml types of this package name elements without a namespace and
// hold only the fields used. ParseNotification parses without verifying
// (for files already trusted, and tests); Decode verifies, then parses.
//
// Authenticity (feerecon's scheme): banks deliver camt.054 over a
// mutually-authenticated channel (host-to-host SFTP or mTLS API); the edge
// that terminates that channel signs each document it accepts, and feerecon
// requires the header X-Feerecon-Signature: the lowercase hex HMAC-SHA256 of
// the raw body with a shared secret (Config.Secret), compared in constant
// time before the XML is parsed.
//
// Normalisation, per Ntfctn/Ntry:
//   - CdtDbtInd CRDT with Sts BOOK (text or Cd child) or without Sts becomes
//     a payment. DBIT entries, entries with another status (PDNG, INFO) and
//     CRDT entries with RvslInd true (the reversal of a debit, ISO 20022's
//     meaning of the indicator on a credit) are not payments; a message
//     with no payment left is gateways.ErrNotPayment. Any other CdtDbtInd
//     is ErrMalformed.
//   - Amount = Amt in Amt@Ccy. Every recognised currency is valid (a non-VND
//     payment becomes a currency_mismatch for reconcile); the amount must
//     respect the currency's minor units and be positive, else ErrAmount.
//     One bad entry rejects the whole message: never half-recorded.
//   - PaidAt = BookgDt/DtTm, else BookgDt/Dt (midnight), else ValDt likewise;
//     a date or date-time without an offset is read in Asia/Ho_Chi_Minh.
//   - TxnID = Ntry/AcctSvcrRef; else the first TxDtls/Refs/EndToEndId that is
//     not NOTPROVIDED; else "<Ntfctn/Id>/<entry number from 1>". A TxnID that
//     repeats within one message is ErrMalformed.
//   - BankRef = Ntry/AcctSvcrRef, else TxDtls/Refs/AcctSvcrRef.
//   - CreditedAccount = the account of the notification (Ntfctn/Acct/Id/IBAN,
//     else Othr/Id) with BIN "": camt.054 names the servicing bank by BIC,
//     if at all, never by NAPAS BIN, so the account number alone identifies
//     it among the bank collection accounts; an Ntfctn without an account
//     leaves it unknown (zero).
//   - PayerName = RltdPties/Dbtr/Nm (or Dbtr/Pty/Nm from version .08);
//     PayerAccount = RltdPties/DbtrAcct/Id/IBAN, else Othr/Id; the first
//     transaction that has one.
//   - Description: for each TxDtls, its RmtInf/Ustrd lines concatenated as
//     they are (banks cut long text into 140-character lines, possibly in
//     the middle of a word or code), then each Strd/CdtrRefInf/Ref; parts
//     joined with one space; without any, Ntry/AddtlNtryInf. Verbatim
//     otherwise.
//
// Reversals (reversal.go, gateways.ReversalDecoder): a booked DBIT entry
// with RvslInd true is the bank taking back an earlier credit (ISO 20022:
// "if CdtDbtInd is DBIT and RvslInd is true, the original entry was a
// credit"); so is a booked DBIT the format marks as a return by its
// structure — BkTxCd sub-family RRTN (reversal due to payment return) or
// RPCR (due to a cancellation request), or a TxDtls with RtrInf — when a
// TxDtls reference names the original. DecodeReversals returns one
// payment.Reversal per such entry, which ingest.Processor.Reverse applies
// (the same entry in the day's camt.053 statement is given the same id by
// statements/camt053.Statement.Reversals: one reversal). TxnID = Ntry/AcctSvcrRef, else
// "<Ntfctn/Id>/<entry number>" (never an EndToEndId: that is the
// original's). OriginalRefs = each TxDtls/Refs AcctSvcrRef, EndToEndId
// (not NOTPROVIDED) and TxId, in that order: the original credit is the
// payment whose txn id or bank ref is one of them. Amount as for a
// credit; ReversedAt too, except that a booking date alone is the day's
// last microsecond (camt.053's rule: the reversal may take back a credit
// of the same day, and both messages of one entry agree). Covered: the whole-entry reversal of a credit notified
// by camt.054. Not covered: a DBIT without the indicator, a return code or
// RtrInf, even one that names a credit in its references or text (it
// stays skipped, as banks also book fees and sweeps as DBIT); a reversal whose references carry
// only the original's EndToEndId when the original credit had an
// AcctSvcrRef (feerecon keeps the original's AcctSvcrRef as its txn id
// and bank ref, not its EndToEndId: such a reversal is an exception of an
// unknown payment, kept for an accountant); partial reversals (an amount
// other than the original's: an exception too).
//
// Assumption: one entry is one citizen's transfer. A batch entry with
// several TxDtls becomes one payment of the entry amount, with the payer of
// the first transaction and the remittance text of all; feerecon's
// collection accounts are expected to be notified per transaction.
//
// Text fields are kept verbatim, except that invalid UTF-8 becomes U+FFFD
// and NUL is dropped: a payment that PostgreSQL cannot store would be
// redelivered forever.
//
// Reply: HTTP 200 "OK" when stored and for a message without credits; 401
// for ErrSignature (ingress refuses it before storing anything); 400 for malformed or amount errors; 413 for
// ErrTooLarge; 503 for a storage error, so the sender delivers again.
package camt054
