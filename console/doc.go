// Package console is the accountants' console: server-rendered pages
// (html/template) served under /console by feerecon serve, with its
// templates and its one stylesheet embedded in the binary (no CDN, no
// JavaScript needed to read a page). Vietnamese by default, English on
// request (?lang=en or the lang cookie); every label comes from one table
// per language (labels.go).
//
// What it holds: the pages' handlers (thin), the pure computations behind
// them (today.go: a day's figures from payments, allocations and
// exceptions, its reports' and the outbox's state within a person's scope;
// todaychart.go: the geometry of its hourly chart; diff.go: the line diff
// of two report versions), the formatting of money, dates and times as
// each language writes them, and the security headers every response
// carries (a Content-Security-Policy without unsafe-inline, nosniff, no
// framing).
//
// What it must not hold: SQL, or any matching decision. It reads through
// the store's interfaces (package store) and acts through the same rules
// as the API: logging in and out, and a session's check, are package
// api's (api.Server.Login, Logout, Session), so the console and POST
// /v1/session throttle, lock out and audit alike; the Reports page reads
// the report versions the API serves, under the API's agency rule, renders
// them with package reconcile/daily's own writers, and re-runs a day only
// through the DayRunner it is given (WithReports: serve's daily job).
package console
