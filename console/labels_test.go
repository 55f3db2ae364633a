package console

import (
	"slices"
	"testing"
)

// No label is defined by two page tables.
func TestLabelDefinedOnce(t *testing.T) {
	t.Parallel()
	seen := map[Label]int{}
	for i, table := range labelTables() {
		for k := range table[LangVI] {
			if j, ok := seen[k]; ok {
				t.Errorf("label %q in tables %d and %d", k, j, i)
			}
			seen[k] = i
		}
	}
}

// Every language's table has the same labels, none empty.
func TestLabelTablesHaveTheSameKeys(t *testing.T) {
	t.Parallel()
	tables := labels()
	if len(tables) != len(Langs()) {
		t.Fatalf("%d tables for %d languages", len(tables), len(Langs()))
	}
	ref := tables[LangVI]
	for _, lang := range Langs() {
		tab, ok := tables[lang]
		if !ok {
			t.Fatalf("no table for %s", lang)
		}
		for k, v := range tab {
			if _, ok := ref[k]; !ok {
				t.Errorf("%s has %q, vi has not", lang, k)
			}
			if v == "" {
				t.Errorf("%s: %q is empty", lang, k)
			}
		}
		for k := range ref {
			if _, ok := tab[k]; !ok {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
	}
	if !slices.Contains(Langs(), LangVI) || Langs()[0] != LangVI {
		t.Error("Vietnamese is not the default")
	}
}
