// Package reconcile holds feerecon's decisions: reference extraction from
// transfer descriptions, allocation of payments to notices, the daily
// three-way reconciliation of notices, payment events and bank statements,
// and the reports built from them.
//
// Everything here is a pure function of notices, payments, statements and a
// clock: no SQL, no Kafka, no HTTP. The same engine serves the batch command
// (feerecon reconcile), make demo and the streaming service, so a batch run
// and a streaming run cannot disagree.
package reconcile
