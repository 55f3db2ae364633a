// Package casework is what accountants do with exceptions: allocate a
// payment by hand to one or more notices, mark money for refund, write it
// off, reopen a closed exception, assign it, comment on it — each with a
// mandatory reason, each in the audit chain on the exception's entity (its
// history) — and the maker–checker rule over them: an action moving more
// than the configured threshold, and every write-off, is a pending request
// until an approver who is not its maker approves it; the approval applies
// the action in its own transaction. The store holds the same rules (a
// request's checker is never its maker; one pending request per
// exception), so no caller can go around them.
//
// Manual allocations (reconcile.RuleManual) are stored with who made them
// and why; the matching engine decides around them (ingest.Processor's
// re-decision), so a later payment to the same notice, or a replay of the
// stream, leaves them in place. Only a reopen removes them.
//
// Who may do what: every signed-in role reads (within its agencies);
// accountants and approvers act; approvers approve and reject the others'
// requests; administrators and auditors change nothing. A person sees,
// and acts on, an exception only when it concerns one of their agencies
// (store.ExceptionFilter's scope) unless they see every agency; the
// notices of an allocation must be theirs too.
//
// What it must not hold: SQL (the store's), matching decisions (the
// engine's, through ingest), HTTP (the console is an edge over it).
package casework
