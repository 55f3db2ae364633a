package kafkabus_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/testenv"
)

// envMember makes the test binary a group member for TestKilledMemberPartitionsMove.
const envMember = "FEERECON_KAFKABUS_MEMBER"

// TestMain makes the test binary a group member when envMember is set
// ("broker topic group"): run so by TestKilledMemberPartitionsMove as a
// child process, it consumes in the group and prints "handled PARTITION
// VALUE" per message until killed. Otherwise it runs the tests.
func TestMain(m *testing.M) {
	spec := os.Getenv(envMember)
	if spec == "" {
		os.Exit(m.Run())
	}
	f := strings.Fields(spec)
	c, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{Brokers: []string{f[0]}, Topic: f[1], GroupID: f[2]},
		func(_ context.Context, m kafkabus.Message) error {
			fmt.Printf("handled %d %s\n", m.Partition, m.Value)
			return nil
		})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, c.Run(context.Background()))
	os.Exit(1)
}

// A member killed without leaving its group (SIGKILL) loses its partitions
// to the others once its session times out (DefaultSessionTimeout, 6 s,
// heartbeats every 2 s): a message on its partition is handled by the
// survivor within about that, where the old 30 s session stalled it for
// half a minute.
func TestKilledMemberPartitionsMove(t *testing.T) {
	broker, topic, _ := setup(t, 2)
	group := testenv.Name("kb-kill")
	type got struct {
		partition int
		value     string
	}
	handled := make(chan got, 100)
	survivor, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{Brokers: []string{broker}, Topic: topic, GroupID: group},
		func(_ context.Context, m kafkabus.Message) error {
			handled <- got{m.Partition, string(m.Value)}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- survivor.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-runDone; err != nil {
			t.Errorf("survivor: %v", err)
		}
		survivor.Close()
	}()

	child := exec.Command(os.Args[0], "-test.count=1")
	child.Env = append(os.Environ(), envMember+"="+broker+" "+topic+" "+group)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	childHandled := make(chan int, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var p int
			var v string
			if _, err := fmt.Sscanf(sc.Text(), "handled %d %s", &p, &v); err == nil {
				childHandled <- p
			}
		}
	}()
	// write retries while the new topic's partitions get their leader (a
	// loaded broker answers Not Leader For Partition for a while).
	write := func(partition int, value string) {
		t.Helper()
		wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer wcancel()
		for {
			err := func() error {
				conn, err := kafka.DialLeader(wctx, "tcp", broker, topic, partition)
				if err != nil {
					return err
				}
				defer conn.Close()
				_, err = conn.WriteMessages(kafka.Message{Value: []byte(value)})
				return err
			}()
			if err == nil {
				return
			}
			var ke kafka.Error
			if !errors.As(err, &ke) || !ke.Temporary() || wctx.Err() != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// Probes on both partitions until the child has one of them.
	owned := -1
	for i := 0; owned < 0; i++ {
		if i == 60 {
			t.Fatal("the child member handled nothing in 30 s")
		}
		write(0, fmt.Sprint("probe-", i))
		write(1, fmt.Sprint("probe-", i))
		select {
		case owned = <-childHandled:
		case <-time.After(500 * time.Millisecond):
		}
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	write(owned, "after-kill")
	for {
		select {
		case g := <-handled:
			if g.partition == owned && g.value == "after-kill" {
				moved := time.Since(killed)
				t.Logf("measured: member killed -> its partition's next message handled by the survivor in %s (session timeout %s)",
					moved.Round(time.Millisecond), kafkabus.DefaultSessionTimeout)
				if moved > kafkabus.DefaultSessionTimeout+10*time.Second {
					t.Errorf("the partition moved %s after the kill, want within about the session timeout %s", moved, kafkabus.DefaultSessionTimeout)
				}
				return
			}
		case <-time.After(60 * time.Second):
			t.Fatal("the killed member's partition did not move in 60 s")
		}
	}
}
