// Package statements holds what every statement parser produces: Line, one
// booked credit or debit of a bank statement (camt.053, in
// statements/camt053) or of an e-wallet settlement file (statements/settlement).
//
// Line has exactly the fields of store.StatementLine, so the persisted shape
// is a plain conversion, store.StatementLine(line), and this package need not
// import the store (parsers sit below the store in the import order).
//
// Parsers here turn outside bytes into validated values and nothing else: no
// matching, no storage, no clock.
package statements
