package vietqr

import "testing"

func BenchmarkBuild(b *testing.B) {
	p := Payload{BankBIN: "970436", Account: "0071000123456", Amount: vnd(150000), Purpose: "NP000000000151 LE PHI"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	s := realPayloads[4].s
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPNG(b *testing.B) {
	s := realPayloads[0].s
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PNG(s, 300); err != nil {
			b.Fatal(err)
		}
	}
}
