package memory_test

import (
	"testing"

	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
	"github.com/feerecon/feerecon/store/memory"
)

func TestConformance(t *testing.T) {
	conformance.RunTests(t, func(t *testing.T) store.Store { return memory.New() })
}
