// Package user holds the people who work in feerecon — treasury
// accountants, approvers, auditors and administrators: their roles and
// agency scopes, how their passwords are hashed (argon2id, OWASP's
// parameters, PHC strings), the login policy (throttling per login and per
// address, lock-out after repeated failures) and session tokens.
//
// It decides who may log in and for how long; it does not decide what a
// role may do on a route (that is the API's one authorisation table), and
// it holds no SQL and no HTTP: the store keeps users and sessions, the API
// sets the cookie.
package user
