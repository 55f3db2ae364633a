// Package apikey makes and checks feerecon's API keys: the format, the
// random generation and the stored hash. It holds no storage and no HTTP;
// the store keeps the hash (store.APIKey), the API checks a presented key
// against it.
//
// # Format
//
//	frk_<id>_<secret>
//
// "frk_" (feerecon key) lets secret scanners recognise a leaked key; <id>
// is 16 lower-case hex digits (64 random bits), public, the key's name in
// `feerecon apikey list`, the audit log and the store's primary key;
// <secret> is 64 lower-case hex digits: 256 bits from crypto/rand. A key is
// 85 characters, selectable with one double-click (no '-' or '=').
//
// # Hash
//
// Only SHA-256(secret) is stored. A fast hash is right here: the secret is
// 256 random bits, so a stolen hash cannot be guessed back by a dictionary
// or brute force, and a password hash (argon2id) would only cost every
// request its CPU (see SECURITY.md, "API keys"). The presented secret's
// hash is compared with crypto/subtle.ConstantTimeCompare.
package apikey
