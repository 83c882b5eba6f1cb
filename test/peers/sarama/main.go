// A sarama peer for kstack's tests, built offline against Debian's sarama 1.22 (GO111MODULE=off).
//
//	sarama-peer produce <bootstrap> <topic> <count> [version]   prints "produced N"
//	sarama-peer consume <bootstrap> <topic> <count> [version]   partition consumers from the oldest offset; prints "consumed N" and a checksum
//	sarama-peer group   <bootstrap> <topic> <count> <group> <version>   a ConsumerGroup (needs version >= 0.10.2); prints "group-consumed N"
//
// version is a Kafka version such as 0.10.2.0; absent, sarama's default (its oldest protocol) is used.
package main

import (
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/Shopify/sarama"
)

func config(args []string, at int) *sarama.Config {
	c := sarama.NewConfig()
	if len(args) > at && args[at] != "default" {
		v, err := sarama.ParseKafkaVersion(args[at])
		if err != nil {
			fail(err)
		}
		c.Version = v
	}
	c.Producer.Return.Successes = true
	c.Consumer.Return.Errors = true
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	return c
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 5 {
		fail(fmt.Errorf("usage: sarama-peer produce|consume|group <bootstrap> <topic> <count> [...]"))
	}
	mode, bootstrap, topic := os.Args[1], os.Args[2], os.Args[3]
	count, err := strconv.Atoi(os.Args[4])
	if err != nil {
		fail(err)
	}
	switch mode {
	case "produce":
		produce(bootstrap, topic, count, config(os.Args, 5))
	case "consume":
		consume(bootstrap, topic, count, config(os.Args, 5))
	case "group":
		group(bootstrap, topic, count, os.Args[5], config(os.Args, 6))
	default:
		fail(fmt.Errorf("unknown mode %s", mode))
	}
}

func value(i int) string { return fmt.Sprintf("sarama-record-%06d", i) }

func produce(bootstrap, topic string, count int, c *sarama.Config) {
	p, err := sarama.NewSyncProducer([]string{bootstrap}, c)
	if err != nil {
		fail(err)
	}
	defer p.Close()
	for i := 0; i < count; i++ {
		msg := &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(fmt.Sprintf("k%d", i%10)), Value: sarama.StringEncoder(value(i))}
		if _, _, err := p.SendMessage(msg); err != nil {
			fail(err)
		}
	}
	fmt.Printf("produced %d\n", count)
}

func consume(bootstrap, topic string, count int, c *sarama.Config) {
	consumer, err := sarama.NewConsumer([]string{bootstrap}, c)
	if err != nil {
		fail(err)
	}
	defer consumer.Close()
	partitions, err := consumer.Partitions(topic)
	if err != nil {
		fail(err)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	done := make(chan struct{})
	for _, p := range partitions {
		pc, err := consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
		if err != nil {
			fail(err)
		}
		go func(pc sarama.PartitionConsumer) {
			for m := range pc.Messages() {
				mu.Lock()
				seen[string(m.Value)] = true
				if len(seen) == count {
					close(done)
				}
				mu.Unlock()
			}
		}(pc)
	}
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		fail(fmt.Errorf("consumed %d of %d", len(seen), count))
	}
	report("consumed", seen, count)
}

func report(word string, seen map[string]bool, count int) {
	sum := uint32(0)
	for i := 0; i < count; i++ {
		if !seen[value(i)] {
			fail(fmt.Errorf("missing %s", value(i)))
		}
		sum ^= crc32.ChecksumIEEE([]byte(value(i)))
	}
	fmt.Printf("%s %d %08x\n", word, len(seen), sum)
}

type handler struct {
	mu    sync.Mutex
	seen  map[string]bool
	count int
	done  chan struct{}
	once  sync.Once
}

func (h *handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *handler) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		h.mu.Lock()
		h.seen[string(m.Value)] = true
		full := len(h.seen) == h.count
		h.mu.Unlock()
		s.MarkMessage(m, "")
		if full {
			h.once.Do(func() { close(h.done) })
		}
	}
	return nil
}

func group(bootstrap, topic string, count int, groupID string, c *sarama.Config) {
	g, err := sarama.NewConsumerGroup([]string{bootstrap}, groupID, c)
	if err != nil {
		fail(err)
	}
	h := &handler{seen: map[string]bool{}, count: count, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for ctx.Err() == nil {
			if err := g.Consume(ctx, []string{topic}, h); err != nil && ctx.Err() == nil {
				fail(err)
			}
		}
	}()
	go func() {
		for err := range g.Errors() {
			fmt.Fprintln(os.Stderr, "group error:", err)
		}
	}()
	select {
	case <-h.done:
	case <-time.After(60 * time.Second):
		fail(fmt.Errorf("group consumed %d of %d", len(h.seen), count))
	}
	cancel()
	g.Close()
	report("group-consumed", h.seen, count)
}
