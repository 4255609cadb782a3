import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Many SSE clients in one thread (JDK NIO only, loopback only), for benchmark 5.
 * <pre>
 * java SseFanout --url http://127.0.0.1:8080/api/video/tasks/stream --bearer-file tokens.txt --streams 10000 \
 *      --batch 500 --connect-timeout 120 --hold 90 --ready-file ready.json --stop-file stop --out result.json
 * </pre>
 * Stream {@code i} authenticates with line {@code i mod lines} of the bearer file (its owner). Streams are opened in
 * batches; a batch is sent once the previous one has its response headers. When every stream is open (or the connect
 * timeout passed) the ready file is written; from then on every SSE event read counts: its latency is the read time
 * minus the event's own {@code time} (set when the command handler applied it, so the latency spans commit, the
 * live tail and the fan-out). The run ends after {@code hold} seconds or when the stop file appears. The result says
 * how many streams opened, how many broke, the latency percentiles, and how many deliveries are missing: an event
 * seen on some stream of an owner must be seen on every stream of that owner that was open.
 */
public class SseFanout {

    private static final Pattern TIME = Pattern.compile("\"time\"\\s*:\\s*(\"([^\"]+)\"|([0-9.]+))");
    private static final Pattern TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([^\"]+)\"");
    /** Latencies per event type: an event committed by the request that made it (TaskSubmitted) against those
     *  committed by background work (saga, deadlines), whose timestamps precede their commit. */
    private static final Map<String, long[]> BY_TYPE = new TreeMap<>();
    private static final Map<String, Integer> BY_TYPE_COUNT = new TreeMap<>();

    static final class Conn {
        final int index;
        final int owner;
        final SocketChannel channel;
        final ByteBuffer out;
        final StringBuilder head = new StringBuilder();
        boolean headersDone;
        int status;
        boolean chunked;
        // chunked decoding: -1 = reading a size line; >0 = bytes left in the chunk; -2 = CRLF after a chunk
        long chunkLeft = -1;
        final StringBuilder sizeLine = new StringBuilder();
        final StringBuilder line = new StringBuilder();
        String eventId;
        String data;
        boolean closed;

        Conn(int index, int owner, SocketChannel channel, ByteBuffer out) {
            this.index = index;
            this.owner = owner;
            this.channel = channel;
            this.out = out;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        URI url = URI.create(opts.get("url"));
        if (!"127.0.0.1".equals(url.getHost()) && !"localhost".equals(url.getHost())) {
            throw new IllegalArgumentException("--url must be a loopback URL");
        }
        List<String> bearers = Files.readAllLines(Path.of(opts.get("bearer-file"))).stream()
                .map(String::trim).filter(l -> !l.isEmpty()).toList();
        int streams = Integer.parseInt(opts.getOrDefault("streams", "1000"));
        int batch = Integer.parseInt(opts.getOrDefault("batch", "500"));
        long connectTimeoutMs = 1000L * Long.parseLong(opts.getOrDefault("connect-timeout", "120"));
        long holdMs = 1000L * Long.parseLong(opts.getOrDefault("hold", "60"));
        Path ready = Path.of(opts.getOrDefault("ready-file", "sse-ready.json"));
        Path stop = Path.of(opts.getOrDefault("stop-file", "sse-stop"));
        Path out = Path.of(opts.getOrDefault("out", "sse-result.json"));
        String pathAndQuery = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        InetSocketAddress address = new InetSocketAddress(url.getHost(), url.getPort());

        Selector selector = Selector.open();
        List<Conn> conns = new ArrayList<>();
        long[] latencies = new long[1 << 20];
        int latencyCount = 0;
        long eventsRead = 0;
        long heartbeats = 0;
        long brokeAfterOpen = 0;
        Map<Integer, Integer> statuses = new TreeMap<>();
        // owner -> event id -> streams that got it
        Map<Integer, Map<String, Integer>> deliveries = new HashMap<>();
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);

        long started = System.currentTimeMillis();
        long openedAt = -1;
        long measureFrom = Long.MAX_VALUE;
        long endAt = Long.MAX_VALUE;
        int next = 0;
        int settled = 0; // streams with an answer (any status) or a failure before one
        boolean readyWritten = false;
        int openAtReady = 0;

        while (true) {
            long now = System.currentTimeMillis();
            // open the next batch once the previous one has its headers
            if (next < streams && settled >= next) {
                int until = Math.min(streams, next + batch);
                for (; next < until; next++) {
                    SocketChannel channel = SocketChannel.open();
                    channel.configureBlocking(false);
                    channel.connect(address);
                    String request = "GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort()
                            + "\r\nAccept: text/event-stream\r\nAuthorization: Bearer " + bearers.get(next % bearers.size())
                            + "\r\n\r\n";
                    Conn conn = new Conn(next, next % bearers.size(), channel, ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
                    conns.add(conn);
                    channel.register(selector, SelectionKey.OP_CONNECT, conn);
                }
            }
            if (!readyWritten && (settled >= streams || now - started > connectTimeoutMs)) {
                openedAt = now;
                openAtReady = (int) conns.stream().filter(c -> c.headersDone && c.status == 200 && !c.closed).count();
                Files.writeString(ready, "{\"streams_open\":" + openAtReady + ",\"open_ms\":" + (now - started) + "}\n");
                readyWritten = true;
                measureFrom = now;
                endAt = now + holdMs;
                System.err.printf("%d of %d streams open after %d ms%n", openAtReady, streams, now - started);
            }
            if (now >= endAt || readyWritten && Files.exists(stop)) {
                break;
            }
            selector.select(200);
            Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
            while (keys.hasNext()) {
                SelectionKey key = keys.next();
                keys.remove();
                Conn conn = (Conn) key.attachment();
                try {
                    if (key.isConnectable()) {
                        conn.channel.finishConnect();
                        key.interestOps(SelectionKey.OP_WRITE);
                    } else if (key.isWritable()) {
                        conn.channel.write(conn.out);
                        if (!conn.out.hasRemaining()) {
                            key.interestOps(SelectionKey.OP_READ);
                        }
                    } else if (key.isReadable()) {
                        in.clear();
                        int n = conn.channel.read(in);
                        if (n < 0) {
                            throw new IOException("closed by server");
                        }
                        in.flip();
                        long readAt = System.currentTimeMillis();
                        while (in.hasRemaining()) {
                            if (!conn.headersDone) {
                                char c = (char) in.get();
                                conn.head.append(c);
                                int end = conn.head.indexOf("\r\n\r\n");
                                if (end >= 0) {
                                    conn.headersDone = true;
                                    String[] lines = conn.head.toString().split("\r\n");
                                    conn.status = Integer.parseInt(lines[0].split(" ")[1]);
                                    statuses.merge(conn.status, 1, Integer::sum);
                                    settled++;
                                    conn.chunked = conn.head.toString().toLowerCase().contains("transfer-encoding: chunked");
                                    if (conn.status != 200) {
                                        throw new IOException("status " + conn.status);
                                    }
                                }
                                continue;
                            }
                            // body bytes (de-chunked) into the SSE line parser
                            if (conn.chunked) {
                                if (conn.chunkLeft == -1) {
                                    char c = (char) in.get();
                                    if (c == '\n') {
                                        String size = conn.sizeLine.toString().trim();
                                        conn.sizeLine.setLength(0);
                                        if (!size.isEmpty()) {
                                            int semi = size.indexOf(';');
                                            conn.chunkLeft = Long.parseLong(semi >= 0 ? size.substring(0, semi) : size, 16);
                                            if (conn.chunkLeft == 0) {
                                                throw new IOException("stream ended");
                                            }
                                        }
                                    } else {
                                        conn.sizeLine.append(c);
                                    }
                                    continue;
                                }
                                if (conn.chunkLeft == -2) {
                                    char c = (char) in.get();
                                    if (c == '\n') {
                                        conn.chunkLeft = -1;
                                    }
                                    continue;
                                }
                                int take = (int) Math.min(conn.chunkLeft, in.remaining());
                                for (int i = 0; i < take; i++) {
                                    byte b = in.get();
                                    long[] r = sseByte(conn, b, readAt, measureFrom);
                                    if (r != null) {
                                        if (r[0] == 1) {
                                            heartbeats++;
                                        } else if (r[0] == 2) {
                                            eventsRead++;
                                            if (readAt >= measureFrom) {
                                                if (latencyCount == latencies.length) {
                                                    latencies = Arrays.copyOf(latencies, latencies.length * 2);
                                                }
                                                latencies[latencyCount++] = r[1];
                                                deliveries.computeIfAbsent(conn.owner, k -> new HashMap<>())
                                                        .merge(conn.eventId == null ? "?" : conn.eventId, 1, Integer::sum);
                                            }
                                            conn.eventId = null;
                                        }
                                    }
                                }
                                conn.chunkLeft -= take;
                                if (conn.chunkLeft == 0) {
                                    conn.chunkLeft = -2;
                                }
                            } else {
                                throw new IOException("expected a chunked SSE response");
                            }
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    if (!conn.closed) {
                        conn.closed = true;
                        if (conn.headersDone && conn.status == 200) {
                            brokeAfterOpen++;
                        } else if (!conn.headersDone) {
                            statuses.merge(-1, 1, Integer::sum);
                            settled++;
                        }
                    }
                    key.cancel();
                    try {
                        conn.channel.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            }
        }

        // deliveries: each event id seen on an owner's streams should be on all of that owner's open streams
        Map<Integer, Integer> openPerOwner = new HashMap<>();
        for (Conn c : conns) {
            if (c.headersDone && c.status == 200 && !c.closed) {
                openPerOwner.merge(c.owner, 1, Integer::sum);
            }
        }
        long distinctEvents = 0;
        long missing = 0;
        for (var owner : deliveries.entrySet()) {
            int expected = openPerOwner.getOrDefault(owner.getKey(), 0);
            for (int got : owner.getValue().values()) {
                distinctEvents++;
                missing += Math.max(0, expected - got);
            }
        }
        long[] lat = Arrays.copyOf(latencies, latencyCount);
        Arrays.sort(lat);
        long stillOpen = openPerOwner.values().stream().mapToLong(Integer::longValue).sum();
        String json = "{\"streams_requested\":" + streams + ",\"streams_open_at_ready\":" + openAtReady
                + ",\"open_ms\":" + (openedAt - started) + ",\"streams_open_at_end\":" + stillOpen
                + ",\"broke_after_open\":" + brokeAfterOpen + ",\"statuses\":\"" + statuses + "\""
                + ",\"events_read\":" + eventsRead + ",\"measured_deliveries\":" + latencyCount
                + ",\"distinct_events\":" + distinctEvents + ",\"missing_deliveries\":" + missing
                + ",\"heartbeats\":" + heartbeats
                + ",\"p50_ms\":" + pct(lat, 0.50) + ",\"p95_ms\":" + pct(lat, 0.95) + ",\"p99_ms\":" + pct(lat, 0.99)
                + ",\"max_ms\":" + (lat.length == 0 ? -1 : lat[lat.length - 1]) + ",\"by_type\":{" + byType() + "}}";
        Files.writeString(out, json + "\n");
        System.out.println(json);
        for (Conn c : conns) {
            try {
                c.channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static String byType() {
        StringBuilder out = new StringBuilder();
        for (var e : BY_TYPE.entrySet()) {
            long[] sorted = Arrays.copyOf(e.getValue(), BY_TYPE_COUNT.get(e.getKey()));
            Arrays.sort(sorted);
            if (out.length() > 0) {
                out.append(',');
            }
            out.append('"').append(e.getKey()).append("\":{\"n\":").append(sorted.length)
                    .append(",\"p50_ms\":").append(pct(sorted, 0.5)).append(",\"p99_ms\":").append(pct(sorted, 0.99))
                    .append('}');
        }
        return out.toString();
    }

    /**
     * Feeds one body byte to the SSE parser. Returns null, or {1} for a comment line (heartbeat), or {2, latency ms}
     * when an event with data is complete.
     */
    private static long[] sseByte(Conn conn, byte b, long readAt, long measureFrom) {
        if (b != '\n') {
            if (b != '\r') {
                conn.line.append((char) (b & 0xff));
            }
            return null;
        }
        String line = conn.line.toString();
        conn.line.setLength(0);
        if (line.isEmpty()) {
            String data = conn.data;
            conn.data = null;
            if (data == null) {
                return null;
            }
            Matcher m = TIME.matcher(data);
            long latency = -1;
            if (m.find()) {
                long eventMs = m.group(2) != null ? Instant.parse(m.group(2)).toEpochMilli()
                        : (long) (Double.parseDouble(m.group(3)) * 1000);
                latency = readAt - eventMs;
            }
            Matcher t = TYPE.matcher(data);
            if (readAt >= measureFrom && t.find()) {
                String type = t.group(1);
                int n = BY_TYPE_COUNT.getOrDefault(type, 0);
                long[] arr = BY_TYPE.computeIfAbsent(type, k -> new long[1024]);
                if (n == arr.length) {
                    arr = Arrays.copyOf(arr, n * 2);
                    BY_TYPE.put(type, arr);
                }
                arr[n] = latency;
                BY_TYPE_COUNT.put(type, n + 1);
            }
            return new long[] {2, latency};
        }
        if (line.startsWith(":")) {
            return line.contains("heartbeat") ? new long[] {1} : null;
        }
        if (line.startsWith("id:")) {
            conn.eventId = line.substring(3).trim();
        } else if (line.startsWith("data:")) {
            conn.data = conn.data == null ? line.substring(5) : conn.data + "\n" + line.substring(5);
        }
        return null;
    }

    private static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
