// Package storetest gives the tests of the store's callers a snapshot of
// everything a store holds, to check that a refused input changed nothing.
// It is for tests only; it reads through the store contract, so it sees
// the memory and the PostgreSQL backends alike.
package storetest
