import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 *      [--timeline-out timeline.tsv] [--rate 100]
 * </pre>
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
        ConcurrentLinkedQueue<String> timeline = new ConcurrentLinkedQueue<>();
        List<String> headers = opts.getOrDefault("header", List.of());
        String bearerFile = one(opts, "bearer-file", null);
        List<String> bearers = bearerFile == null ? List.of()
                : Files.readAllLines(Path.of(bearerFile)).stream().map(String::trim).filter(l -> !l.isEmpty()).toList();
        if (url == null || !(url.startsWith("http://127.0.0.1") || url.startsWith("http://localhost"))) {
            throw new IllegalArgumentException("--url must be a loopback http URL");
        }

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        AtomicLong issued = new AtomicLong();
        AtomicLong errors = new AtomicLong();
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
                        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60));
                        for (String h : headers) {
                            int colon = h.indexOf(':');
                            b.header(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
                        }
                        if (bearer != null) {
                            b.header("Authorization", "Bearer " + bearer);
                        }
                        if (body != null) {
                            b.header("Content-Type", "application/json");
                            b.method(method, HttpRequest.BodyPublishers.ofString(body.replace("{n}", Long.toString(k))));
                        } else {
                            b.method(method, HttpRequest.BodyPublishers.noBody());
                        }
                        long sent = rate > 0 ? Math.min(due, System.nanoTime()) : System.nanoTime();
                        long sentAt = System.currentTimeMillis();
                        try {
                            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
                            long took = System.nanoTime() - sent;
                            if (timelineOut != null) {
                                timeline.add(sentAt + "\t" + r.statusCode() + "\t" + took / 1_000_000);
                            }
                            statuses.computeIfAbsent(r.statusCode(), s -> new AtomicLong()).incrementAndGet();
                            if (r.statusCode() == expect) {
                                if (idsOut != null) {
                                    Matcher m = idPattern.matcher(r.body());
                                    if (m.find()) ids.add(m.group(1));
                                }
                                if (sent >= measureFrom) {
                                    if (n == lat.length) lat = Arrays.copyOf(lat, n * 2);
                                    lat[n++] = took;
                                    lastMeasuredEnd.accumulateAndGet(System.nanoTime(), Math::max);
                                }
                            } else {
                                errors.incrementAndGet();
                                firstError.compareAndSet(null, r.statusCode() + " " + abbreviate(r.body()));
                            }
                        } catch (IOException | RuntimeException e) {
                            if (timelineOut != null) {
                                timeline.add(sentAt + "\t0\t" + (System.nanoTime() - sent) / 1_000_000);
                            }
                            errors.incrementAndGet();
                            firstError.compareAndSet(null, e.toString());
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
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
