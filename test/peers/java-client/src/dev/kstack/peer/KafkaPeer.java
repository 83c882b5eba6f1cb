package dev.kstack.peer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A tiny command-line peer built on the official Java client, for kstack's tests. It prints one JSON object per
 * line on stdout (client logs go to stderr), so a test can parse exactly what was produced or consumed.
 *
 *   produce --bootstrap H:P --topic T --count N [--key-prefix k] [--value-prefix v] [--prop name=value]...
 *   consume --bootstrap H:P --topic T --group G --count N [--timeout-ms 30000] [--prop name=value]...
 *   create-topic --bootstrap H:P --topic T [--partitions 1] [--replication-factor 1]
 *
 * Producer settings are the client's own defaults (3.x/4.x: enable.idempotence=true, acks=all) unless overridden
 * with --prop. Record i has key "<key-prefix>-i", value "<value-prefix>-i" and headers kstack-seq=i and
 * kstack-client=java. Exit code 0 on success, 1 on a Kafka error, 2 on bad arguments.
 */
public final class KafkaPeer {
    private KafkaPeer() {}

    public static void main(String[] argv) {
        if (argv.length == 0) usage("missing command");
        String command = argv[0];
        Map<String, String> opts = new HashMap<>();
        Properties extra = new Properties();
        for (int i = 1; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--") || i + 1 >= argv.length) usage("bad argument: " + a);
            String v = argv[++i];
            if (a.equals("--prop")) {
                int eq = v.indexOf('=');
                if (eq <= 0) usage("--prop needs name=value, got: " + v);
                extra.setProperty(v.substring(0, eq), v.substring(eq + 1));
            } else {
                opts.put(a.substring(2), v);
            }
        }
        try {
            switch (command) {
                case "produce": produce(opts, extra); break;
                case "consume": consume(opts, extra); break;
                case "create-topic": createTopic(opts, extra); break;
                default: usage("unknown command: " + command);
            }
        } catch (Exception e) {
            Throwable cause = (e instanceof ExecutionException && e.getCause() != null) ? e.getCause() : e;
            emit(obj("event", "error", "type", cause.getClass().getName(), "message", String.valueOf(cause.getMessage())));
            System.exit(1);
        }
        System.exit(0);
    }

    private static void produce(Map<String, String> opts, Properties extra) throws Exception {
        String topic = required(opts, "topic");
        int count = intOpt(opts, "count", 10);
        String keyPrefix = opts.getOrDefault("key-prefix", "key");
        String valuePrefix = opts.getOrDefault("value-prefix", "value");
        Properties p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, required(opts, "bootstrap"));
        p.setProperty(ProducerConfig.CLIENT_ID_CONFIG, opts.getOrDefault("client-id", "kstack-java-producer"));
        p.putAll(extra);
        long start = System.nanoTime();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ProducerRecord<String, String> rec = new ProducerRecord<>(topic, keyPrefix + "-" + i, valuePrefix + "-" + i);
                rec.headers().add("kstack-seq", Integer.toString(i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                rec.headers().add("kstack-client", "java".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sent.add(producer.send(rec));
            }
            producer.flush();
            for (int i = 0; i < count; i++) {
                RecordMetadata md = sent.get(i).get();
                emit(obj("event", "sent", "key", keyPrefix + "-" + i, "partition", md.partition(), "offset", md.offset()));
            }
        }
        emit(obj("event", "done", "count", count, "elapsedMs", (System.nanoTime() - start) / 1_000_000));
    }

    private static void consume(Map<String, String> opts, Properties extra) {
        String topic = required(opts, "topic");
        int count = intOpt(opts, "count", 10);
        long timeoutMs = intOpt(opts, "timeout-ms", 30_000);
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, required(opts, "bootstrap"));
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, required(opts, "group"));
        p.setProperty(ConsumerConfig.CLIENT_ID_CONFIG, opts.getOrDefault("client-id", "kstack-java-consumer"));
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putAll(extra);
        long start = System.nanoTime();
        long deadline = System.currentTimeMillis() + timeoutMs;
        int received = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Collections.singletonList(topic));
            while (received < count && System.currentTimeMillis() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<String, String> r : records) {
                    Map<String, Object> headers = new LinkedHashMap<>();
                    for (Header h : r.headers()) {
                        headers.put(h.key(), h.value() == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8));
                    }
                    emit(obj("event", "record", "topic", r.topic(), "partition", r.partition(), "offset", r.offset(),
                            "key", r.key(), "value", r.value(), "headers", headers));
                    received++;
                }
                if (!records.isEmpty()) consumer.commitSync();
            }
        }
        Map<String, Object> done = obj("event", "done", "count", received, "elapsedMs", (System.nanoTime() - start) / 1_000_000);
        if (received < count) {
            done.put("event", "error");
            done.put("message", "timed out after " + timeoutMs + " ms with " + received + " of " + count + " records");
            emit(done);
            System.exit(1);
        }
        emit(done);
    }

    private static void createTopic(Map<String, String> opts, Properties extra) throws Exception {
        String topic = required(opts, "topic");
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, required(opts, "bootstrap"));
        p.putAll(extra);
        try (Admin admin = Admin.create(p)) {
            NewTopic nt = new NewTopic(topic, intOpt(opts, "partitions", 1), (short) intOpt(opts, "replication-factor", 1));
            try {
                admin.createTopics(Collections.singletonList(nt)).all().get();
                emit(obj("event", "created", "topic", topic));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) throw e;
                emit(obj("event", "exists", "topic", topic));
            }
        }
    }

    private static String required(Map<String, String> opts, String name) {
        String v = opts.get(name);
        if (v == null || v.isEmpty()) usage("--" + name + " is required");
        return v;
    }

    private static int intOpt(Map<String, String> opts, String name, int dflt) {
        String v = opts.get(name);
        if (v == null) return dflt;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            usage("--" + name + " must be an integer, got: " + v);
            return dflt;
        }
    }

    private static void usage(String problem) {
        emit(obj("event", "error", "type", "usage", "message", problem
                + " (commands: produce|consume|create-topic --bootstrap H:P --topic T [--count N] [--group G] [--prop k=v])"));
        System.exit(2);
    }

    private static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    private static void emit(Map<String, Object> m) {
        StringBuilder sb = new StringBuilder();
        json(sb, m);
        System.out.println(sb);
        System.out.flush();
    }

    @SuppressWarnings("unchecked")
    private static void json(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> e : ((Map<String, Object>) v).entrySet()) {
                if (!first) sb.append(',');
                first = false;
                json(sb, e.getKey());
                sb.append(':');
                json(sb, e.getValue());
            }
            sb.append('}');
        } else {
            String s = v.toString();
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"': sb.append("\\\""); break;
                    case '\\': sb.append("\\\\"); break;
                    case '\n': sb.append("\\n"); break;
                    case '\r': sb.append("\\r"); break;
                    case '\t': sb.append("\\t"); break;
                    default:
                        if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                        else sb.append(c);
                }
            }
            sb.append('"');
        }
    }
}
