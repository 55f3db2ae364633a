// Package gatewaytest is the conformance suite every gateway adapter passes
// (RunDecoderTests), the invariant check its fuzz target uses (Check), and
// the machinery of its file tests: RunFileCases decodes a table of testdata
// files against golden files or expected errors, ReadFile, ReadSigned and
// HMACHeader read and re-sign messages, AddSeeds, CheckDecode and
// BenchmarkDecode serve fuzz targets and benchmarks. Each adapter keeps its
// own expectations (files, errors, replies) in its own tests.
//
// It holds test helpers only; production code must not import it.
package gatewaytest
