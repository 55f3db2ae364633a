// Package vietqr decodes bank credit notifications for the collection
// account (the money of a VietQR / NAPAS 247 transfer arriving), as a
// statement aggregator pushes them, into payment.Payment values.
//
// Input: gateways.Raw.Body is the webhook body in the SePay schema (one
// transaction per call):
//
//	{
//	  "id": 92704,                              // aggregator's transaction id, integer; required
//	  "gateway": "Vietcombank",                 // bank name; required
//	  "transactionDate": "2023-03-25 14:02:37", // bank time, GMT+7, "YYYY-MM-DD HH:mm:ss"; required
//	  "accountNumber": "0123499999",            // collection account; required
//	  "code": null,                             // code the aggregator extracted, or null; not used
//	  "content": "FR0000000123456789 nop phi",  // transfer description; required, may be ""
//	  "transferType": "in",                     // "in" credit, "out" debit; required
//	  "transferAmount": 2277000,                // whole đồng, JSON number; required
//	  "accumulated": 19077000,                  // running balance; not used
//	  "subAccount": null,                       // virtual account, or null; not used
//	  "referenceCode": "MBVCB.3278907687",      // bank reference; optional
//	  "description": ""                         // full notification text; not used
//	}
//
// Unknown fields are tolerated; a missing required field (or null) is
// gateways.ErrMalformed. Numbers are read as json.Number (a quoted number is
// accepted too), never as float.
//
// Authenticity (feerecon's scheme, not SePay's): SePay itself authenticates
// with an API key in the Authorization header. feerecon requires instead the
// header X-Feerecon-Signature: the lowercase hex HMAC-SHA256 of the raw body
// with a shared secret (Config.Secret), added by the aggregator or by the
// edge proxy that checked the API key; compared in constant time. It is
// checked before the body is parsed.
//
// Normalisation:
//   - transferType "out" is gateways.ErrNotPayment; anything but "in"/"out"
//     is ErrMalformed.
//   - TxnID = id in decimal (the aggregator's dedup key: SePay retries with
//     the same id).
//   - Amount = transferAmount in VND; fractional, negative or zero is
//     ErrAmount.
//   - PaidAt = transactionDate read in Asia/Ho_Chi_Minh.
//   - Description = content verbatim; BankRef = referenceCode.
//   - CreditedAccount = accountNumber with BIN "": the schema names the
//     bank by its name ("gateway"), not its NAPAS BIN, so the account
//     number alone identifies it among the bank collection accounts.
//   - The schema has no payer name or account: both stay empty.
//
// Reversals: not covered. The SePay schema in DOMAIN.md has
// transferType "out" for money leaving the account (skipped, as any
// debit) but no field naming the credit a debit reverses; a bank reversal
// reaches feerecon as camt.054 (gateways/camt054, RvslInd) instead.
//
// Text fields are kept verbatim, except that invalid UTF-8 becomes U+FFFD
// and NUL is dropped: a payment that PostgreSQL cannot store would be
// redelivered forever.
//
// Reply: {"success":true} with HTTP 200 when stored and for an authentic
// debit; HTTP 401 {"success":false} for a signature that does not verify
// (ingress refuses it before storing anything); 400 {"success":false} for
// a malformed or amount error; 413 for ErrTooLarge; 500 {"success":false} for a storage error,
// which makes the aggregator retry (SePay retries up to 7 times).
package vietqr
