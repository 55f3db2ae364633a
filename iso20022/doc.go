// Package iso20022 holds what reading an ISO 20022 message (camt.053
// statements, camt.054 notifications) from outside must do alike,
// whatever the message: a bound on element nesting. encoding/xml already
// expands no entity but the five predefined ones (a billion-laughs
// document is an error, not a gigabyte) and fetches nothing (an external
// entity is an error), but it follows nesting as deep as the bytes go,
// skipping unknown elements without a word: an authentic message nested
// twenty thousand deep would decode to a payment that lost its text. It
// imports nothing of feerecon.
package iso20022
