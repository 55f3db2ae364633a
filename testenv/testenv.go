// Package testenv gives integration tests the real servers that
// scripts/services.sh started: a fresh PostgreSQL database per test and the
// Kafka broker address. When a server's variable is unset the test is
// skipped, except under CI=true, where it fails: CI never passes with the
// integration tests silently off.
//
// Browser gives browser tests the system's headless Chromium (the binary
// scripts/chromium.sh installs and exports as FEERECON_TEST_CHROMIUM),
// under the same rule, with every action bounded by a deadline; Screenshot
// keeps full-page PNGs under $FEERECON_ARTIFACTS_DIR/screenshots/.
//
// It also holds the one check tests make of the source itself
// (ListsEveryConstant): that the list of a named type's values is whole.
package testenv

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq" // PostgreSQL driver
)

// Variables scripts/services.sh exports.
const (
	EnvPG    = "FEERECON_TEST_PG"
	EnvKafka = "FEERECON_TEST_KAFKA"
)

// InCI reports whether the tests run under CI=true.
func InCI() bool { return os.Getenv("CI") == "true" }

func require(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if InCI() {
			t.Fatalf("%s is not set under CI=true: start the servers with scripts/services.sh (make test does)", name)
		}
		t.Skipf("%s not set: integration test skipped outside CI (run make test)", name)
	}
	return v
}

// Postgres creates a fresh, empty database on the test server and returns
// its URL; the database is dropped when the test ends.
func Postgres(t testing.TB) string {
	t.Helper()
	base := require(t, EnvPG)
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvPG, err)
	}
	t.Cleanup(func() { admin.Close() })
	if err := admin.Ping(); err != nil {
		// Under CI this is fatal by construction: the variable is set
		// but the server does not answer.
		t.Fatalf("PostgreSQL at %s does not answer: %v", redact(base), err)
	}
	name := "t_" + randomHex(8)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPG, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Kafka returns the broker address after checking that it accepts TCP
// connections.
func Kafka(t testing.TB) string {
	t.Helper()
	addr := require(t, EnvKafka)
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("Kafka at %s does not answer: %v", addr, err)
	}
	c.Close()
	return addr
}

// Name returns a unique name with prefix, for topics and consumer groups.
func Name(prefix string) string { return prefix + "-" + randomHex(6) }

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("testenv: random: %v", err))
	}
	return hex.EncodeToString(b)
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return strings.TrimSpace(u.String())
}
