// Package payment is the language of feerecon's domain: money, fee notices,
// payment events, payment codes, dossier codes and business dates.
//
// It imports nothing else of feerecon and holds no I/O: no SQL, no Kafka, no
// HTTP. Everything here is a value type with validation, so every edge
// (gateways, store, API) speaks the same, already-checked language.
//
// Money is shopspring/decimal with an ISO 4217 currency. VND has zero minor
// units: a fractional VND amount is invalid input and is rejected, never
// rounded. No float64 appears in any money path.
//
// A notice names the collecting unit and the State Treasury account the fee
// is remitted to; Notice.Problems checks both against these grammars
// (CheckAgencyCode, CheckTreasuryAccount) wherever a notice enters: the
// HTTP API (and notices.events, replayed through it), the batch notices
// CSV, and store/postgres on every insert:
//
//	agency_code      = group1 1*4( "." group )
//	group1           = 2*3( "A"-"Z" / "0"-"9" )
//	group            = 1*3( "A"-"Z" / "0"-"9" )
//	treasury_account = 4DIGIT [ "." DIGIT "." 7DIGIT ]
//
// An agency code is the unit's identification code (Circular 10/2016/TT-
// BTTTT), as it also opens dossier codes: H29.75, H40.01, G01.899.108,
// 000.00.20.H40, G01.899.108.000. Letters are upper-case; a code has at
// least two groups, so ALL (the summary report's scope) is never one. A
// treasury account is the 4-digit account of the treasury's chart of
// accounts (7111 state-budget revenue, 3511 a budget unit's deposits),
// alone or with the 1-digit nature-of-funds code and the unit's 7-digit
// budget-relation code (mã ĐVQHNS): 7111, 3511.0.1052361. Both grammars
// admit only A-Z, 0-9 and ".", so a valid code is also a safe file name,
// sheet name and CSV cell.
package payment
