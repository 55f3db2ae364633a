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
// ErrBadField) into Entry.Reversal, BkTxCd/Domn/Fmly/SubFmlyCd into
// Entry.SubFamily, the presence of TxDtls/RtrInf into Entry.Returned. A
// booked DBIT with RvslInd true is the bank taking back an earlier credit
// (ISO 20022: a CRDT with the indicator reverses a debit instead); so is
// a booked DBIT the format marks as a return (sub-family RRTN or RPCR, or
// RtrInf) that names a transaction reference: the rule of camt.054
// (gateways/camt054). Statement.ReversedCredits lists them, each with
// Entry.TxRefs (its transactions' Refs/AcctSvcrRef, EndToEndId and TxId,
// without its own AcctSvcrRef), the references that name the original
// credit; Statement.Reversals turns them into payment.Reversal values
// that the import applies (dailyrun.ImportStatement, with
// ingest.Processor.Reverse: the payment's allocations undone, its notices
// re-decided and told with payment.reversed). A bank reports one entry
// twice, by camt.054 intraday and in the day's camt.053: the reversal is
// recorded under ReversalGateway (camt054) with the id
// "camt054:<Ntry/AcctSvcrRef>" in both, so whichever comes second is a
// redelivery. The original is found as for camt.054: the bank payment
// whose txn id or bank ref is one of the references, of the same amount,
// not after the reversal (a reversal booked with a date only counts as
// booked at that day's end). Such an entry is still a line (a debit: it
// counts in the balance and the report's debit_count). Not covered: a
// plain DBIT (no indicator, return code or RtrInf) that names a credit
// only in its text (banks book fees and sweeps as DBIT too); a reversal
// without an AcctSvcrRef of its own is identified by "<Stmt/Id>/<entry
// number>" and so is not the same reversal as a camt.054 notification of
// it; a credit feerecon knows only from a statement line (not as a
// payment) cannot be reversed: the reversal is kept with an
// unknown_reversal exception.
//
// Idempotency. A statement is identified by Statement.Key: "camt053:" +
// account + ":" + Stmt/Id; a bank re-sending the same statement yields the
// same key, and the store refuses the second import.
//
// The package reads bytes and returns values; it does not match, store,
// apply or log. Callers bound the input size (e.g. io.LimitReader).
package camt053
