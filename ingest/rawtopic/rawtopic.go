// Package rawtopic joins a raw gateway topic's Kafka consumer
// (kafkabus.BatchHandler) to ingest.Processor.HandleBatch: what
// `feerecon serve` runs for each gateway, and the bench harness with it.
package rawtopic

import (
	"context"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/kafkabus"
)

// Handler records a batch of a raw topic's messages in one transaction
// (ingest.Processor.HandleBatch); the messages it refuses are
// dead-lettered before that transaction commits. Once it committed a
// message to a procedure system (BatchStats.Told), wake, if set, is
// called: the outbox's senders send it now.
func Handler(pr *ingest.Processor, dec gateways.Decoder, pos ingest.Position, wake func()) kafkabus.BatchHandler {
	return func(ctx context.Context, ms []kafkabus.Message, deadLetter func(context.Context, []kafkabus.Refused) error) error {
		raws := make([]ingest.RawMessage, len(ms))
		for i, m := range ms {
			raws[i] = ingest.RawMessage{Raw: gateways.Raw{Body: m.Value, Headers: m.Headers}, Ref: m.Ref(),
				Partition: m.Partition, Offset: m.Offset}
		}
		st, err := pr.HandleBatch(ctx, dec, pos, raws, func(ctx context.Context, poisoned []ingest.Poisoned) error {
			refused := make([]kafkabus.Refused, len(poisoned))
			for i, p := range poisoned {
				refused[i] = kafkabus.Refused{Message: ms[p.Index], Err: p.Err}
			}
			return deadLetter(ctx, refused)
		})
		if err == nil && st.Told > 0 && wake != nil {
			wake()
		}
		return err
	}
}
