// Package hostile is the hostile-input catalogue shared by the boundary
// tests (issue 12 §5): the names of its cases, so that the table of every
// boundary (HTTP API, gateway callbacks, Kafka topics, imported files)
// speaks of the same case alike and RELIABILITY.md can list them, and the
// payloads that are the same at every boundary (entity bombs, external
// entities, deep nesting, injection strings). It is for tests only and
// imports nothing of feerecon: each boundary's test builds its own bodies
// around these and states the answer it expects.
package hostile
