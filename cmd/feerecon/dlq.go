package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/feerecon/feerecon/kafkabus"
)

func dlqCmd(g *globals) *cobra.Command {
	var broker string
	c := &cobra.Command{Use: "dlq", Short: "List and replay dead-lettered messages (payments.dlq)"}
	c.PersistentFlags().StringVar(&broker, "kafka", envOr("FEERECON_KAFKA", "127.0.0.1:9092"), "Kafka bootstrap broker")
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "Print dead letters with their source topic, partition, offset and error (JSON lines)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			recs, err := kafkabus.ListDLQ(cmd.Context(), broker, limit)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			for _, r := range recs {
				if err := enc.Encode(r); err != nil {
					return err
				}
			}
			return nil
		},
	}
	list.Flags().IntVar(&limit, "limit", 100, "at most this many")
	var filter kafkabus.ReplayFilter
	replay := &cobra.Command{
		Use:   "replay",
		Short: "Re-publish dead letters to their source topic after a fix (idempotent downstream)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, err := kafkabus.ReplayDLQ(cmd.Context(), broker, filter)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "replayed %d dead letters\n", n)
			return nil
		},
	}
	addReplayFlags(replay, &filter)
	c.AddCommand(list, replay)
	return c
}

func addReplayFlags(c *cobra.Command, f *kafkabus.ReplayFilter) {
	c.Flags().StringVar(&f.SourceTopic, "source-topic", "", "only dead letters from this topic")
	c.Flags().StringVar(&f.Reason, "reason", "", "only dead letters with this reason (signature, malformed, amount, too_large, …)")
	c.Flags().IntVar(&f.Partition, "partition", 0, "DLQ partition of --offset")
	c.Flags().Int64SliceVar(&f.Offsets, "offset", nil, "only these DLQ offsets (repeatable)")
}
