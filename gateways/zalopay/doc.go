// Package zalopay decodes ZaloPay order callbacks into payment.Payment
// values.
//
// Input: gateways.Raw.Body is the JSON body ZaloPay POSTs to the callback
// URL: {"data":"<json string>","mac":"<hex>","type":1}. No header is used.
//
// Authenticity: mac is HMAC-SHA256 with the app's key2 over the data string
// exactly as received (after JSON unescaping of the envelope), hex, compared
// in constant time. Nothing inside data is read before the mac verifies.
//
// Normalisation (data fields; numbers read as json.Number, never float;
// unknown fields tolerated):
//   - type 1 (or absent, as in older callbacks) is an order payment; ZaloPay
//     calls back only when it has collected the money. type 2 (agreement,
//     i.e. tokenisation) is gateways.ErrNotPayment; any other type is
//     gateways.ErrMalformed.
//   - TxnID = zp_trans_id as decimal digits (ZaloPay's transaction id).
//   - Amount = amount, whole đồng (VND). user_fee_amount and
//     discount_amount are not used: amount is what the merchant receives.
//   - PaidAt = server_time (milliseconds since the epoch) shown in
//     Asia/Ho_Chi_Minh.
//   - Description = app_trans_id verbatim, followed by one space and
//     embed_data verbatim when embed_data is neither empty nor "{}".
//     Assumption: feerecon creates orders with the payment code in
//     app_trans_id ("yymmdd_<payment code>") or embed_data, so matching
//     finds it in Description; item is not used.
//   - BankRef = app_trans_id, the merchant order id (ZaloPay has no bank
//     reference; its reconciliation files carry app_trans_id).
//   - CreditedAccount = {BIN "zalopay", Account app_id}: the merchant app
//     the money was collected for.
//   - Required: app_id, app_trans_id, amount, zp_trans_id, server_time;
//     a missing one is ErrMalformed. Config.AppID, when set, must equal
//     app_id (else ErrSignature).
//
// Refunds and reversals: not covered. The callback in DOMAIN.md
// (docs.zalopay.vn callback API) carries payments (type 1; type 2, an
// agreement, is not one); no refund callback is documented there. This
// adapter implements no gateways.ReversalDecoder.
//
// Text fields are kept verbatim, except that invalid UTF-8 becomes U+FFFD
// and NUL is dropped: a payment that PostgreSQL cannot store would be
// redelivered forever.
//
// Reply: HTTP 200 JSON {"return_code","return_message"}: 1 when stored and
// for an authentic non-payment; 0 for a storage error (ZaloPay calls back
// again); -1 for a malformed, amount or size error; -1 "mac not equal"
// with HTTP 401 for a mac that does not verify: ingress refuses it before
// storing anything, ZaloPay reads return_code and at most calls again.
package zalopay
