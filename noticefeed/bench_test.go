package noticefeed_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/noticefeed"
	"github.com/feerecon/feerecon/store/memory"
)

// BenchmarkHandle: one create event decoded and replayed through the real
// API on store/memory (the in-process HTTP round trip, no broker).
func BenchmarkHandle(b *testing.B) {
	h := noticefeed.Handler(newAPI(b, memory.New(), "dvc"), nil)
	msgs := make([]kafkabus.Message, b.N)
	for i := range msgs {
		id := fmt.Sprintf("HS-%d", i)
		msgs[i] = message(b, noticefeed.Event{Action: noticefeed.ActionCreate, System: "dvc", NoticeID: id, Notice: noticeJSON(id, "150000", "X")})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := h(context.Background(), msgs[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode: decoding one create event.
func BenchmarkDecode(b *testing.B) {
	v := message(b, noticefeed.Event{Action: noticefeed.ActionCreate, System: "dvc", NoticeID: "HS-1", Notice: noticeJSON("HS-1", "150000", "X")}).Value
	b.ReportAllocs()
	for b.Loop() {
		if _, err := noticefeed.Decode(v); err != nil {
			b.Fatal(err)
		}
	}
}
