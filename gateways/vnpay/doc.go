// Package vnpay decodes VNPay IPN callbacks (the GET request VNPay sends to
// the merchant's IPN URL) into payment.Payment values.
//
// Input: gateways.Raw.Body is the raw query string of the IPN request,
// without the leading "?". No header is used.
//
// Authenticity: vnp_SecureHash is HMAC-SHA512 with the terminal's hash
// secret over the "vnp_" parameters except vnp_SecureHash and
// vnp_SecureHashType, sorted by key, key and value encoded like PHP's
// urlencode (space as "+", everything but [A-Za-z0-9._-] as %XX), joined as
// k=v with "&". The hash is hex, compared case-insensitively and in constant
// time. Parameters without the "vnp_" prefix are not signed and are ignored.
// A repeated key, a semicolon or a bad %-escape is malformed.
//
// Normalisation:
//   - Payment only when vnp_ResponseCode=00 and vnp_TransactionStatus=00;
//     any other authentic IPN is gateways.ErrNotPayment.
//   - TxnID = vnp_TransactionNo (VNPay's unique transaction number).
//   - Amount = vnp_Amount / 100 in VND (VNPay sends đồng × 100); a value not
//     divisible by 100 is gateways.ErrAmount, never rounded. vnp_CurrCode,
//     when present, names the currency (VNPay sends VND).
//   - PaidAt = vnp_PayDate (yyyyMMddHHmmss) read in Asia/Ho_Chi_Minh.
//   - Description = vnp_OrderInfo verbatim; BankRef = vnp_BankTranNo.
//   - CreditedAccount = {BIN "vnpay", Account vnp_TmnCode}: the merchant
//     terminal the money was collected for.
//     Assumption: feerecon builds vnp_OrderInfo with the payment code when it
//     creates the payment URL, so matching reads it from Description. The
//     merchant order reference vnp_TxnRef is verified by the signature but
//     not carried (payment.Payment has no field for it).
//   - Config.TmnCode, when set, must equal vnp_TmnCode (else ErrSignature:
//     the message was not meant for this terminal).
//
// Refunds and reversals: not covered. The IPN documented in DOMAIN.md
// (lehuygiang28/vnpay and VNPay's IPN parameters) notifies payments only;
// VNPay refunds are requests the merchant makes (the refund API), with no
// refund notification documented there. A refund must reach feerecon some
// other way (the settlement file, or a person); this adapter implements no
// gateways.ReversalDecoder.
//
// Text fields are kept verbatim, except that invalid UTF-8 becomes U+FFFD
// and NUL is dropped: a payment that PostgreSQL cannot store would be
// redelivered forever.
//
// Reply: HTTP 200 JSON {"RspCode","Message"}: 00 "Confirm Success" when
// stored, and for an authentic failed transaction (VNPay only needs to know
// we received it); 97 "Invalid Checksum" for ErrSignature, with HTTP 401:
// ingress refuses it before storing anything, VNPay reads the RspCode and
// at most calls again; 04 "Invalid amount" for ErrAmount; 99 "Unknown
// error" for anything else, including a storage error, which makes VNPay
// send the IPN again.
package vnpay
