import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A closed-loop HTTP load generator for the Reelay benchmarks (JDK only, loopback only).
 * <pre>
 * java LoadGen --url http://127.0.0.1:8080/api/video/tasks --method POST --body '{"prompt":"p {n}"}' \
 *      --header 'Authorization: Bearer X' --concurrency 8 --duration 20 --warmup 2 --max-requests 100000 \
 *      --expect 201 --label submit-c8 --out result.json [--ids-out ids.txt] [--bearer-file tokens.txt]
 *      [--timeline-out timeline.tsv] [--rate 100] [--client socket|jdk]
 * </pre>
 * {@code --client socket} (the default) speaks HTTP/1.1 over one blocking socket per thread: a request is written in one
 * go and its answer read by Content-Length or chunks. It costs the machine a fraction of what the JDK's
 * {@code HttpClient} ({@code --client jdk}, used until 2026-12-07) does, whose selector thread, futures and copies took
 * 0.59-0.92 ms of CPU per request against 0.12-0.16 (docs/benchmarks.md, section 1, sixteenth session): on a two-core
 * machine shared with the app, CPU the benchmark took from what it measured.
 * With {@code --timeline-out}, every request is written as one line: the epoch millisecond it was sent, its status
 * (0 for a transport error) and its latency in ms.
 * With {@code --bearer-file}, client thread {@code t} sends line {@code t mod lines} as its bearer token (one user per
 * client, as in real traffic).
 * Each of {@code concurrency} threads sends one request at a time on a kept-alive connection. Requests that start
 * during the first {@code warmup} seconds are not measured. {@code {n}} in the body becomes a unique number.
 * With {@code --rate R}, request {@code k} (of all threads) is sent at {@code (k - 1) / R} seconds, or as soon as a
 * thread is free if all are busy: a fixed offered load instead of a closed loop; its latency counts from when it was
 * due.
 * Prints one JSON object (and writes it to {@code --out}): throughput over the measured window and latency
 * percentiles of requests answered with the expected status.
 */
public class LoadGen {

    public static void main(String[] args) throws Exception {
        Map<String, List<String>> opts = parse(args);
        String url = one(opts, "url", null);
        String method = one(opts, "method", "GET").toUpperCase();
        String body = one(opts, "body", null);
        int concurrency = Integer.parseInt(one(opts, "concurrency", "1"));
        double duration = Double.parseDouble(one(opts, "duration", "10"));
        double warmup = Double.parseDouble(one(opts, "warmup", "0"));
        long maxRequests = Long.parseLong(one(opts, "max-requests", "1000000"));
        double rate = Double.parseDouble(one(opts, "rate", "0"));
        int expect = Integer.parseInt(one(opts, "expect", "200"));
        String label = one(opts, "label", method + " " + url);
        String out = one(opts, "out", null);
        String idsOut = one(opts, "ids-out", null);
        String timelineOut = one(opts, "timeline-out", null);
        String clientKind = one(opts, "client", "socket");
        if (!clientKind.equals("socket") && !clientKind.equals("jdk")) {
            throw new IllegalArgumentException("--client must be socket or jdk, got " + clientKind);
        }
        ConcurrentLinkedQueue<String> timeline = new ConcurrentLinkedQueue<>();
        List<String> headers = opts.getOrDefault("header", List.of());
        String bearerFile = one(opts, "bearer-file", null);
        List<String> bearers = bearerFile == null ? List.of()
                : Files.readAllLines(Path.of(bearerFile)).stream().map(String::trim).filter(l -> !l.isEmpty()).toList();
        if (url == null || !(url.startsWith("http://127.0.0.1") || url.startsWith("http://localhost"))) {
            throw new IllegalArgumentException("--url must be a loopback http URL");
        }

        URI target = URI.create(url);
        HttpClient client = clientKind.equals("jdk")
                ? HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build()
                : null;
        AtomicLong issued = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong transportErrors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<long[]> perThread = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> ids = new ConcurrentLinkedQueue<>();
        Pattern idPattern = Pattern.compile("\"videoId\"\\s*:\\s*\"([^\"]+)\"");
        long start = System.nanoTime();
        long measureFrom = start + (long) (warmup * 1e9);
        long end = start + (long) ((warmup + duration) * 1e9);
        AtomicLong lastMeasuredEnd = new AtomicLong(measureFrom);
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int t = 0; t < concurrency; t++) {
            String bearer = bearers.isEmpty() ? null : bearers.get(t % bearers.size());
            List<String[]> requestHeaders = new ArrayList<>();
            for (String h : headers) {
                int colon = h.indexOf(':');
                requestHeaders.add(new String[]{h.substring(0, colon).trim(), h.substring(colon + 1).trim()});
            }
            if (bearer != null) {
                requestHeaders.add(new String[]{"Authorization", "Bearer " + bearer});
            }
            Exchange exchange = client != null ? new JdkExchange(client, target, method, requestHeaders)
                    : new SocketExchange(target, method, requestHeaders);
            Thread thread = new Thread(() -> {
                long[] lat = new long[1024];
                int n = 0;
                try {
                    while (true) {
                        long now = System.nanoTime();
                        if (now >= end) break;
                        long k = issued.incrementAndGet();
                        if (k > maxRequests) break;
                        // with --rate, request k is due at start + (k - 1) / rate: an open schedule, whatever the
                        // answers take; its latency counts from when it was due, so a client that falls behind
                        // reports the wait too (no coordinated omission)
                        long due = rate > 0 ? start + (long) ((k - 1) * 1e9 / rate) : 0;
                        if (rate > 0) {
                            if (due >= end) break;
                            while (System.nanoTime() < due) {
                                java.util.concurrent.locks.LockSupport.parkNanos(due - System.nanoTime());
                            }
                        }
                        byte[] payload = body == null ? null
                                : body.replace("{n}", Long.toString(k)).getBytes(StandardCharsets.UTF_8);
                        long sent = rate > 0 ? Math.min(due, System.nanoTime()) : System.nanoTime();
                        long sentAt = System.currentTimeMillis();
                        try {
                            Answer r = exchange.send(payload);
                            long took = System.nanoTime() - sent;
                            if (timelineOut != null) {
                                timeline.add(sentAt + "\t" + r.status() + "\t" + took / 1_000_000);
                            }
                            statuses.computeIfAbsent(r.status(), s -> new AtomicLong()).incrementAndGet();
                            if (r.status() == expect) {
                                if (idsOut != null) {
                                    Matcher m = idPattern.matcher(r.text());
                                    if (m.find()) ids.add(m.group(1));
                                }
                                if (sent >= measureFrom) {
                                    if (n == lat.length) lat = Arrays.copyOf(lat, n * 2);
                                    lat[n++] = took;
                                    lastMeasuredEnd.accumulateAndGet(System.nanoTime(), Math::max);
                                }
                            } else {
                                errors.incrementAndGet();
                                firstError.compareAndSet(null, r.status() + " " + abbreviate(r.text()));
                            }
                        } catch (IOException | RuntimeException e) {
                            if (timelineOut != null) {
                                timeline.add(sentAt + "\t0\t" + (System.nanoTime() - sent) / 1_000_000);
                            }
                            errors.incrementAndGet();
                            transportErrors.incrementAndGet();
                            firstError.compareAndSet(null, e.toString());
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    exchange.close();
                    perThread.add(Arrays.copyOf(lat, n));
                    done.countDown();
                }
            }, "loadgen-" + t);
            thread.setDaemon(true);
            thread.start();
        }
        done.await();
        long finished = System.nanoTime();
        List<Long> all = new ArrayList<>();
        for (long[] a : perThread) for (long v : a) all.add(v);
        long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
        // the measured window: from the end of warm-up to the last measured answer (or the end, if it ran its time)
        double windowS = Math.max(1e-9, (Math.min(finished, Math.max(lastMeasuredEnd.get(), measureFrom)) - measureFrom) / 1e9);
        StringBuilder json = new StringBuilder("{");
        field(json, "label", "\"" + label + "\"");
        field(json, "concurrency", concurrency);
        field(json, "rate_per_s", rate);
        field(json, "warmup_s", warmup);
        field(json, "window_s", round(windowS));
        field(json, "measured_ok", sorted.length);
        field(json, "errors_or_unexpected", errors.get());
        field(json, "throughput_per_s", round(sorted.length / windowS));
        field(json, "p50_ms", ms(pct(sorted, 0.50)));
        field(json, "p90_ms", ms(pct(sorted, 0.90)));
        field(json, "p95_ms", ms(pct(sorted, 0.95)));
        field(json, "p99_ms", ms(pct(sorted, 0.99)));
        field(json, "max_ms", ms(sorted.length == 0 ? 0 : sorted[sorted.length - 1]));
        field(json, "mean_ms", ms(sorted.length == 0 ? 0 : (long) Arrays.stream(sorted).average().orElse(0)));
        Map<Integer, Long> st = new TreeMap<>();
        statuses.forEach((k, v) -> st.put(k, v.get()));
        StringBuilder s = new StringBuilder("{");
        st.forEach((k, v) -> s.append(s.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
        field(json, "status_counts", s.append('}').toString());
        // this process's own CPU (start-up and JIT included) per request it sent: the share of the machine the
        // benchmark itself took from what it measured
        long requests = statuses.values().stream().mapToLong(AtomicLong::get).sum() + transportErrors.get();
        double cpuS = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
        field(json, "client", "\"" + clientKind + "\"");
        field(json, "client_cpu_s", round(cpuS));
        field(json, "client_cpu_ms_per_request", requests == 0 ? 0 : round(cpuS * 1000 / requests));
        field(json, "first_error", firstError.get() == null ? "null" : "\"" + firstError.get().replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        json.setLength(json.length() - 1);
        json.append('}');
        System.out.println(json);
        if (out != null) Files.writeString(Path.of(out), json + "\n");
        if (timelineOut != null) {
            Files.write(Path.of(timelineOut), timeline);
        }
        if (idsOut != null) {
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(Path.of(idsOut)))) {
                ids.forEach(w::println);
            }
        }
    }

    /** One answer: its status and its body's bytes (decoded only when an id or an error is read from it). */
    record Answer(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** One client thread's way of sending its requests, one at a time. */
    interface Exchange {
        Answer send(byte[] payload) throws IOException, InterruptedException;

        default void close() {
        }
    }

    /** The JDK's HttpClient, shared by all threads (the benchmarks' client until 2026-12-07). */
    record JdkExchange(HttpClient client, URI target, String method, List<String[]> headers) implements Exchange {
        @Override
        public Answer send(byte[] payload) throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(60));
            for (String[] h : headers) {
                b.header(h[0], h[1]);
            }
            if (payload != null) {
                b.header("Content-Type", "application/json");
                b.method(method, HttpRequest.BodyPublishers.ofByteArray(payload));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(r.statusCode(), r.body());
        }
    }

    /**
     * HTTP/1.1 over one kept-alive blocking socket: the request head is built once, each request written in one flush,
     * each answer read to its end (Content-Length, chunked, or the connection's close). A transport error closes the
     * socket; the next request opens a new one.
     */
    static final class SocketExchange implements Exchange {
        private final String host;
        private final int port;
        private final boolean bodyMethod;
        private final boolean head;
        private final byte[] requestHead;
        private Socket socket;
        private OutputStream out;
        private InputStream in;

        SocketExchange(URI target, String method, List<String[]> headers) {
            this.host = target.getHost();
            this.port = target.getPort() > 0 ? target.getPort() : 80;
            this.bodyMethod = !method.equals("GET") && !method.equals("HEAD") && !method.equals("DELETE");
            this.head = method.equals("HEAD");
            String path = (target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath())
                    + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
            StringBuilder h = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(host).append(':').append(port).append("\r\n");
            for (String[] header : headers) {
                h.append(header[0]).append(": ").append(header[1]).append("\r\n");
            }
            this.requestHead = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        @Override
        public Answer send(byte[] payload) throws IOException {
            if (socket == null) {
                socket = new Socket();
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(60_000);
                socket.connect(new InetSocketAddress(host, port), 5_000);
                out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
                in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            }
            try {
                out.write(requestHead);
                if (payload != null) {
                    out.write(("Content-Type: application/json\r\nContent-Length: " + payload.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.write(payload);
                } else {
                    out.write((bodyMethod ? "Content-Length: 0\r\n\r\n" : "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                }
                out.flush();
                return read();
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        private Answer read() throws IOException {
            String statusLine = line();
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
                throw new IOException("not an HTTP/1.x status line: " + abbreviate(statusLine));
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean closeAfter = statusLine.startsWith("HTTP/1.0");
            for (String h = line(); !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                if (colon < 0) continue;
                String name = h.substring(0, colon).trim();
                String value = h.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                    chunked = value.toLowerCase().contains("chunked");
                } else if (name.equalsIgnoreCase("Connection")) {
                    closeAfter = value.equalsIgnoreCase("close");
                }
            }
            byte[] body;
            if (head || status == 204 || status == 304 || (status >= 100 && status < 200)) {
                body = new byte[0];
            } else if (chunked) {
                java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                while (true) {
                    String size = line();
                    int semicolon = size.indexOf(';');
                    int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                    if (n == 0) {
                        while (!line().isEmpty()) {
                            // trailers: none expected, read past them
                        }
                        break;
                    }
                    all.write(exactly(n));
                    line();
                }
                body = all.toByteArray();
            } else if (length >= 0) {
                body = exactly((int) length);
            } else {
                body = in.readAllBytes();
                closeAfter = true;
            }
            if (closeAfter) {
                close();
            }
            return new Answer(status, body);
        }

        private byte[] exactly(int n) throws IOException {
            byte[] b = in.readNBytes(n);
            if (b.length < n) throw new EOFException("answer cut after " + b.length + " of " + n + " bytes");
            return b;
        }

        /** A header or chunk-size line, without its CRLF. */
        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            for (int c = in.read(); ; c = in.read()) {
                if (c < 0) throw new EOFException("connection closed mid-answer");
                if (c == '\n') break;
                if (c != '\r') sb.append((char) c);
            }
            return sb.toString();
        }

        @Override
        public void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a socket we are done with
                }
                socket = null;
            }
        }
    }

    private static long pct(long[] sorted, double p) {
        if (sorted.length == 0) return 0;
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double ms(long nanos) {
        return round(nanos / 1e6);
    }

    private static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }

    private static void field(StringBuilder json, String name, Object value) {
        json.append('"').append(name).append("\":").append(value).append(',');
    }

    private static String abbreviate(String s) {
        s = s == null ? "" : s.replaceAll("\\s+", " ");
        return s.length() > 200 ? s.substring(0, 200) : s;
    }

    private static Map<String, List<String>> parse(String[] args) {
        Map<String, List<String>> m = new TreeMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
            }
            m.computeIfAbsent(args[i].substring(2), k -> new ArrayList<>()).add(args[++i]);
        }
        return m;
    }

    private static String one(Map<String, List<String>> opts, String name, String fallback) {
        List<String> v = opts.get(name);
        return v == null || v.isEmpty() ? fallback : v.get(v.size() - 1);
    }
}
