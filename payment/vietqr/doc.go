// Package vietqr builds and parses VietQR payloads: the EMVCo
// merchant-presented QR code as NAPAS 247 profiles it for instant transfers
// to a bank account or card, and renders them as PNG images.
//
// A payload is a string of TLV data objects (2-digit id, 2-digit length,
// value). feerecon emits the root fields in the canonical order
// 00, 01, 38, 53, 54, 58, 62, 63:
//
//	00 payload format indicator "01"
//	01 point of initiation: "11" static (no amount), "12" dynamic (amount)
//	38 merchant account information (NAPAS):
//	   00 AID "A000000727"
//	   01 beneficiary organisation: {00 bank BIN (6 digits), 01 account or card}
//	   02 service: QRIBFTTA (to account) or QRIBFTTC (to card)
//	53 currency "704" (VND)
//	54 amount in whole đồng (dynamic QR only)
//	58 country "VN"
//	62 additional data: 01 bill number, 08 purpose of transaction
//	63 CRC-16/CCITT-FALSE over everything up to and including "6304"
//
// Parse accepts the fields in any order (payloads in the wild put 62 before
// 38), keeps fields it does not know, and rejects a payload whose lengths
// overrun — at any nesting level — even when its CRC is correct. The CRC
// must be the last field, as it covers everything before its own value.
//
// Lengths count bytes. Build only emits printable ASCII, so bytes and
// characters agree; the purpose text must be ASCII without diacritics
// because bank apps count and display it differently otherwise.
//
// The package knows nothing of notices or storage: callers put the payment
// code first in the purpose text themselves. It must not log: account
// numbers appear in its values and errors carry only field paths.
package vietqr
