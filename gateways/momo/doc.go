// Package momo decodes MoMo payment notifications (IPN, API v3) into
// payment.Payment values.
//
// Input: gateways.Raw.Body is the JSON body MoMo POSTs to the ipnUrl. No
// header is used.
//
// Authenticity: "signature" is HMAC-SHA256 with the partner's secretKey over
// the literal
//
//	accessKey=…&amount=…&extraData=…&message=…&orderId=…&orderInfo=…&orderType=…&partnerCode=…&payType=…&requestId=…&responseTime=…&resultCode=…&transId=…
//
// with values as received (not URL-encoded; JSON numbers in their literal
// text) and accessKey from configuration; hex, compared in constant time.
// Every field of that string must be present (possibly empty): a missing one
// is gateways.ErrMalformed, since the signature cannot be checked without
// it. Unknown fields are tolerated and not used. Numbers are read as
// json.Number (a quoted number is accepted too), never as float.
//
// Normalisation:
//   - Payment only when resultCode is 0; otherwise gateways.ErrNotPayment.
//   - TxnID = transId (MoMo's transaction id, decimal digits).
//   - Amount = amount, whole đồng (VND).
//   - PaidAt = responseTime (milliseconds since the epoch), shown in
//     Asia/Ho_Chi_Minh. Assumption: the IPN carries no separate payment
//     time; responseTime is when MoMo finished the payment.
//   - Description = orderInfo verbatim (feerecon puts the payment code in it
//     when it creates the order). BankRef = orderId, the merchant order id:
//     MoMo has no bank reference, and orderId is what its settlement files
//     carry.
//   - CreditedAccount = {BIN "momo", Account partnerCode}: the merchant the
//     money was collected for.
//   - Config.PartnerCode, when set, must equal partnerCode (else
//     ErrSignature).
//
// Refunds and reversals: not covered. The v3 payment notification in
// DOMAIN.md (developers.momo.vn) is for payments; no refund notification
// is documented there (MoMo's refunds are merchant-initiated requests with
// a synchronous answer). This adapter implements no
// gateways.ReversalDecoder.
//
// Text fields are kept verbatim, except that invalid UTF-8 becomes U+FFFD
// and NUL is dropped: a payment that PostgreSQL cannot store would be
// redelivered forever.
//
// Reply: HTTP 204 with no body when stored, and for an authentic failed
// payment; 401 for a signature that does not verify (ingress refuses it
// before storing anything); 400 for a malformed or amount error; 413 for
// ErrTooLarge; 500 for anything else (a storage error), so MoMo may send
// the IPN again. Assumption: MoMo's documentation asks for 204 within 15 s
// and does not promise retries; a missed IPN must be recovered from MoMo's
// transaction query or settlement file.
package momo
