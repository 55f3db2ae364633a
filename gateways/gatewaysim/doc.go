// Package gatewaysim is a simulated payment gateway: it encodes and signs a
// canonical payment.Payment the way each real gateway sends it (SePay-schema
// bank webhook, camt.054 notification, VNPay IPN query string, MoMo IPN v3,
// ZaloPay callback), so that `make demo`, the load harness and benchmarks
// push realistic raw messages through the real adapters of
// feerecon/gateways.
//
// It is for the demo, the load harness, tests and benchmarks; never for
// production. Nothing in a production path may import it: a message it
// signs is authentic to any decoder configured with the same secrets.
//
// Where a format's canonical form is written down in its adapter, the
// simulator uses that code rather than a second copy: vnpay.SignedData
// (sorted, PHP-urlencoded vnp_ parameters), momo.IPN and momo.SignedData
// (MoMo's fields and signed string), gateways.SignHMAC. The golden files in
// testdata/golden, whose signatures were checked outside Go, pin what the
// simulator sends; the adapters' openssl-signed vectors pin what they read.
//
// DemoSecrets returns fixed, public test values ("demo-only-…"). They are
// published in this source code and protect nothing; production secrets
// come from configuration and must differ from them.
//
// Contract: for every p that Encode accepts,
//
//	Decoders(s).Get(p.Gateway).Decode(Encode(p, s))
//
// returns exactly one payment equal to Expected(p): p itself in ID,
// Gateway, TxnID, Amount, PaidAt (same instant, shown in Asia/Ho_Chi_Minh)
// and Description; payer and BankRef as far as the format carries them (see
// Expected). Encode refuses, with an error wrapping ErrUnencodable, a
// payment the format cannot carry exactly (a non-numeric id where the
// gateway's id is a number, sub-second times where the format has seconds,
// text XML cannot hold, …) rather than send something that decodes
// differently. It refuses an invalid payment (payment.Payment.Validate)
// with an error wrapping payment.ErrInvalidPayment. It does not apply the
// adapters' amount ceiling: that is the decoder's configuration.
//
// What each format carries:
//
//	gateway  TxnID in                 PaidAt in (precision)        Description in                payer  BankRef
//	vietqr   id (integer)             transactionDate (second)     content                       no     referenceCode
//	camt054  Ntry/AcctSvcrRef         BookgDt/DtTm (nanosecond)    RmtInf/Ustrd lines            yes    = TxnID
//	vnpay    vnp_TransactionNo (digits) vnp_PayDate (second)       vnp_OrderInfo                 no     vnp_BankTranNo
//	momo     transId (integer)        responseTime (millisecond)   orderInfo                     no     orderId
//	zalopay  zp_trans_id (integer)    server_time (millisecond)    app_trans_id " " embed_data   no     app_trans_id
//
// Local times (vietqr, vnpay, camt054) are written in Asia/Ho_Chi_Minh
// (GMT+7); MoMo and ZaloPay send epoch milliseconds. Integer ids are 1 to
// 30 decimal digits without a leading zero (they are JSON numbers);
// VNPay's may have leading zeros. Amounts are VND only, except camt054
// (any currency payment knows, Amt@Ccy).
//
// Text must be valid UTF-8 without NUL (the adapters replace the one and
// drop the other, so that PostgreSQL can store it). camt054 text must also
// be XML characters within the ISO 20022 lengths (AcctSvcrRef 35, Nm 140,
// account Id 34), with no surrounding space on the id and payer fields,
// which the adapter trims. ZaloPay has no free-text field: the adapter's
// Description is app_trans_id, a space and embed_data, so Encode splits
// Description at its first space (no space: embed_data "{}"); the demo's
// shape is "yymmdd_<payment code> <text>".
package gatewaysim
