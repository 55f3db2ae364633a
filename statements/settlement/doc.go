// Package settlement reads e-wallet settlement files: the daily list of
// transactions a wallet (VNPay, MoMo, ZaloPay) settled to the collection
// account, with the fee it kept. One format serves every wallet; an adapter
// that receives a wallet's own export converts it to this format first.
//
// # Format
//
// UTF-8 CSV (a leading byte-order mark is allowed), comma-separated, LF or
// CRLF line ends, RFC 4180 quoting, and this exact header:
//
//		wallet,transaction_id,amount,fee,net,settled_date
//		vnpay,14422574,150000,1650,148350,2026-11-26
//
//	  - wallet: vnpay, momo or zalopay (payment.Gateway values);
//	  - transaction_id: the wallet's transaction id, the same string the
//	    gateway adapter stores as the payment's gateway_txn_id, so the line's
//	    payment id is payment.PaymentID(wallet, transaction_id);
//	  - amount: the gross amount the citizen paid, whole đồng (VND), > 0;
//	  - fee: what the wallet kept, whole đồng, ≥ 0;
//	  - net: what the wallet paid out, whole đồng, ≥ 0;
//	  - settled_date: YYYY-MM-DD, the business day of the settlement.
//
// Amounts are plain decimals validated by payment.AmountPolicy in VND: no
// exponent, no thousands separator, no fraction. One file holds one wallet
// and one settled date; a transaction id appears at most once. A file with
// only the header is refused (ErrMissing): it names neither wallet nor day,
// and a day without settlement is reported by the absence of a file.
//
// A row whose net + fee differs from its amount is not a parse error: it is
// read as given, and Line.Short reports the gap. The daily reconciliation
// turns it into a settlement_short exception: the file is evidence, and
// refusing it would hide the shortfall.
//
// # Identity
//
// File.ID is "settlement:<wallet>:<settled date>". The store refuses a
// second import under the same id, so a re-sent file is not counted twice;
// a different file for the same wallet and day (a correction) is refused
// too and needs a person, rather than being added on top. File.SHA256 (hex
// of the bytes) lets the caller tell a re-send (same hash) from a
// correction (different hash).
//
// # Persisted shape
//
// Line.StatementLine converts a row to a statements.Line (Amount = gross,
// Fee = fee, Text = "net=<net>"); FromStatementLine reads it back exactly.
package settlement
