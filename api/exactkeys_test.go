package api

import (
	"testing"

	"github.com/feerecon/feerecon/payment"
)

// Field names are exact, as the OpenAPI document has them: Go's decoder
// alone would take "dossier_codE" for dossier_code, or "Amount" inside
// money (the fuzzer found the first).
func TestFieldNamesAreExact(t *testing.T) {
	t.Parallel()
	type inner struct {
		Code string `json:"code"`
	}
	type req struct {
		Name   string        `json:"name"`
		Items  []inner       `json:"items"`
		Amount payment.Money `json:"amount"`
		Extra  map[string]string
	}
	for body, want := range map[string]string{
		`{"name":"a","items":[{"code":"x"}],"amount":{"amount":"1","currency":"VND"},"Extra":{"ANY":"1"}}`: "",
		`{"Name":"a"}`:                               "Name",
		`{"items":[{"code":"x"},{"Code":"y"}]}`:      "items[1].Code",
		`{"amount":{"Amount":"1","currency":"VND"}}`: "amount.Amount",
		`{"extra":{}}`:                               "extra",
		`not json`:                                   "",
	} {
		got, bad := exactKeys([]byte(body), &req{})
		if got != want || bad != (want != "") {
			t.Errorf("%s: %q %v, want %q", body, got, bad, want)
		}
	}
}
