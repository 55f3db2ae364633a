// Package camt053 reads ISO 20022 camt.053 bank-to-customer statements
// (BkToCstmrStmt, one or many Stmt) of any schema version. The XML types
// are namespace-agnostic and hold only the fields feerecon uses.
//
// What is read: the statement Id; the account (Acct/Id/IBAN or
// Acct/Id/Othr/Id, and Acct/Ccy); the balances (Bal); and each entry (Ntry):
// Amt@Ccy, CdtDbtInd, RvslInd, Sts (text up to version 7, Sts/Cd from
// version 8), BookgDt and ValDt (Dt or DtTm), AcctSvcrRef, and from
// NtryDtls/TxDtls: Refs/EndToEndId, RmtInf/Ustrd (joined with a space),
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
// Idempotency. A statement is identified by Statement.Key: "camt053:" +
// account + ":" + Stmt/Id; a bank re-sending the same statement yields the
// same key, and the store refuses the second import.
//
// The package reads bytes and returns values; it does not match, store or
// log. Callers bound the input size (e.g. io.LimitReader).
package camt053
