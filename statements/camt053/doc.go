// Package camt053 reads ISO 20022 camt.053 bank-to-customer statements
// (BkToCstmrStmt, one or many Stmt) of any schema version. The XML types
// are namespace-agnostic and hold only the fields feerecon uses.
//
// What is read: the statement Id; the account (Acct/Id/IBAN or
// Acct/Id/Othr/Id, and Acct/Ccy); the balances (Bal); and each entry (Ntry):
// Amt@Ccy, CdtDbtInd, RvslInd, Sts (text up to version 7, Sts/Cd from
// version 8), BookgDt and ValDt (Dt or DtTm), AcctSvcrRef, and from
// NtryDtls/TxDtls: Refs/EndToEndId (and Refs/AcctSvcrRef, Refs/TxId for
// Entry.TxRefs), RmtInf/Ustrd (joined with a space),
// RmtInf/Strd/CdtrRefInf/Ref and RltdPties/Dbtr/Nm (or Dbtr/Pty/Nm).
//
// Balances. The opening balance is OPBD, or PRCD (the previous closing
// booked balance) when there is no OPBD; the closing balance is CLBD, or
// the last ITBD (interim booked) when there is no CLBD. OPAV, CLAV, FWAV,
// ITAV and INFO are availability or information balances and take no part
// in the check. When both an opening and a closing balance are present,
// opening + booked credits − booked debits must equal closing exactly, in
// the currency of the entries; otherwise Parse fails with a *StatementError
// wrapping ErrBalanceMismatch or ErrBalanceCurrency, naming the statement.
// Only booked entries (Sts BOOK) count and become lines: pending (PDNG) and
// information (INFO) entries are not money on the account yet.
//
// Amounts. Every amount goes through payment.AmountPolicy: the currency must
// be one feerecon knows, and the amount must fit the currency's minor units.
// Trailing zeros are not precision: "18.150" EUR is 18.15 and is accepted,
// "8.855" EUR is rejected (ErrAmountFractional), and "5442.09000" RON is
// rejected because RON is not a currency feerecon knows
// (ErrUnknownCurrency). Nothing is rounded. Entry amounts are checked
// against the policy's ceiling; balances are not (an account balance may
// exceed any single payment).
//
// Reversals. RvslInd is read (true/1, false/0 or absent; anything else is
// ErrBadField) into Entry.Reversal. A booked DBIT with RvslInd true is the
// bank taking back an earlier credit (ISO 20022: a CRDT with the
// indicator reverses a debit instead); Statement.ReversedCredits lists
// them, each with Entry.TxRefs (its transactions' Refs/AcctSvcrRef,
// EndToEndId and TxId, without its own AcctSvcrRef), the references that
// name the original credit. Such an entry is still a line (a debit: it
// counts in the balance and the report's debit_count). Not yet done: an
// import does not apply a statement's reversals to the payments (the
// service applies camt.054 reversals, ingest.Processor.Reverse); that
// needs payment.Reversal to have a source for statements (it names a
// gateway today) and the import to call Reverse with the entry's TxRefs.
// A plain DBIT (no indicator) that names a credit only in its text is not
// recognised: banks book fees and sweeps as DBIT too.
//
// Idempotency. A statement is identified by Statement.Key: "camt053:" +
// account + ":" + Stmt/Id; a bank re-sending the same statement yields the
// same key, and the store refuses the second import.
//
// The package reads bytes and returns values; it does not match, store or
// log. Callers bound the input size (e.g. io.LimitReader).
package camt053
