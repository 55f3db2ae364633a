// Package collection holds the collection accounts of each agency: the
// accounts citizens' money is meant to reach, against which the matching
// engine checks the account a payment was credited to
// (payment.CreditedAccount; a payment credited elsewhere is a
// wrong_account exception, see reconcile.Engine.Decide).
//
// # The file
//
// One CSV file (RFC 4180, UTF-8, an optional BOM), a header row
// `agency_code,bin,account`, then one row per account; an agency may have
// several rows, and one account may serve several agencies:
//
//		agency_code,bin,account
//		H40.01,970415,113000006100
//		H40.01,vnpay,FEERECON01
//		H29.75,970436,0071000123456
//		H29.75,momo,MOMOFEER2024
//		H29.75,zalopay,2553
//
//	  - agency_code: as a notice's (payment.CheckAgencyCode).
//	  - bin: a bank's 6-digit NAPAS BIN for a bank account; for a wallet,
//	    the gateway's name (vnpay, momo, zalopay) — the wallets have no BIN,
//	    and feerecon's gateway names are what payments carry.
//	  - account: the bank account number (letters and digits, at most 34, as
//	    an ISO 20022 account id), or the wallet's merchant / terminal id as
//	    its notifications carry it (VNPay vnp_TmnCode, MoMo partnerCode,
//	    ZaloPay app_id; printable ASCII without spaces or commas, at most 64).
//
// Every problem is reported at once, each a *LineError naming its line and
// column and wrapping ErrInvalid and one of the sentinels below.
//
// # Matching a credited account
//
// Accounts.Collects: a row matches a credited account with the same bin
// and account; a credited bank account whose BIN the gateway did not state
// (the SePay schema, camt.054: BIN "") matches a bank row (6-digit bin)
// with the same account number. An agency the file does not list has no
// collection account: once a file is configured, money credited to a
// known account for such an agency's notice is a wrong_account. Whether a
// credited account is unknown (zero) is the caller's question: Collects
// reports false for it.
//
// The package reads bytes and holds a set: no matching, no storage.
package collection
