import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client of the cluster benchmarks (12, 13): it stands for a load balancer's round robin. Each request goes to the
 * next node in turn; when a node refuses the connection (nothing was sent, so nothing can have happened) the request
 * goes to the next node, as a load balancer's retry on a connection failure would. Any other failure is counted, never
 * retried: a reset or a timeout after the request went out may have done the work.
 * <pre>
 * java ClusterClient --nodes http://127.0.0.1:8081,http://127.0.0.1:8082 --bearer-file tokens.txt \
 *      --submitters 2 --submit-pace-ms 250 --readers 2 --read-pace-ms 100 --duration 120 \
 *      [--count 40] [--stop-file stop] --ids-out ids.txt --timeline-out timeline.tsv --out summary.json
 * </pre>
 * Submitters POST {@code /api/video/tasks} (each with its own {@code Idempotency-Key}); readers alternate the list
 * ({@code GET /api/video/tasks?size=20}) and one task by id, of a task this run created. With {@code --count} the
 * submitters stop after that many 201s; with {@code --stop-file} every client stops once that file exists (or the
 * duration is over). The timeline has one line per request: the epoch ms it was sent, its label,
 * the node that answered (index; -1 when none did), the status (0: connection error), the latency in ms, whether it
 * was sent again after a refused connection (1/0), and the error's class. JDK only, loopback only.
 */
public class ClusterClient {

    static final Pattern VIDEO_ID = Pattern.compile("\"videoId\"\\s*:\\s*\"([^\"]+)\"");

    record Outcome(int node, int status, boolean retried, String error, String body) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new TreeMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        List<String> nodes = List.of(opts.get("nodes").split(","));
        for (String node : nodes) {
            if (!node.startsWith("http://127.0.0.1") && !node.startsWith("http://localhost")) {
                throw new IllegalArgumentException("loopback nodes only: " + node);
            }
        }
        List<String> tokens = Files.readAllLines(Path.of(opts.get("bearer-file"))).stream()
                .map(String::trim).filter(l -> !l.isEmpty()).toList();
        int submitters = Integer.parseInt(opts.getOrDefault("submitters", "2"));
        int readers = Integer.parseInt(opts.getOrDefault("readers", "0"));
        long submitPace = Long.parseLong(opts.getOrDefault("submit-pace-ms", "250"));
        long readPace = Long.parseLong(opts.getOrDefault("read-pace-ms", "100"));
        long count = Long.parseLong(opts.getOrDefault("count", "-1"));
        double duration = Double.parseDouble(opts.getOrDefault("duration", "60"));
        String body = opts.getOrDefault("body",
                "{\"prompt\":\"cluster benchmark {n}: a lighthouse in fog\",\"model\":\"sora-2\",\"seconds\":4}");

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        AtomicLong next = new AtomicLong();
        AtomicLong numbers = new AtomicLong();
        AtomicLong created = new AtomicLong();
        List<String[]> ids = new CopyOnWriteArrayList<>(); // {videoId, token}
        ConcurrentLinkedQueue<String> timeline = new ConcurrentLinkedQueue<>();
        Map<String, AtomicLong> tally = new ConcurrentHashMap<>();
        Map<String, String> firstBodies = new ConcurrentHashMap<>();
        long end = System.nanoTime() + (long) (duration * 1e9);
        Path stopFile = opts.containsKey("stop-file") ? Path.of(opts.get("stop-file")) : null;
        java.util.function.BooleanSupplier going = () -> System.nanoTime() < end && (stopFile == null || !Files.exists(stopFile));

        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < submitters; t++) {
            String token = tokens.get(t % tokens.size());
            threads.add(started(() -> {
                while (going.getAsBoolean() && (count < 0 || created.get() < count)) {
                    String json = body.replace("{n}", String.valueOf(numbers.incrementAndGet()));
                    String key = UUID.randomUUID().toString();
                    long sent = System.currentTimeMillis();
                    Outcome o = send(client, nodes, next, n -> HttpRequest.newBuilder(URI.create(n + "/api/video/tasks"))
                            .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token)
                            .header("Content-Type", "application/json").header("Idempotency-Key", key)
                            .POST(HttpRequest.BodyPublishers.ofString(json)).build());
                    record(timeline, tally, firstBodies, "submit", sent, o);
                    if (o.status() == 201) {
                        Matcher m = VIDEO_ID.matcher(o.body());
                        if (m.find()) {
                            ids.add(new String[]{m.group(1), token});
                            created.incrementAndGet();
                        }
                    }
                    pause(submitPace);
                }
            }));
        }
        for (int t = 0; t < readers; t++) {
            String token = tokens.get(t % tokens.size());
            threads.add(started(() -> {
                boolean list = true;
                while (going.getAsBoolean() && (count < 0 || created.get() < count)) {
                    String[] one = ids.isEmpty() ? null : ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
                    boolean byId = !list && one != null;
                    String path = byId ? "/api/video/tasks/" + one[0] : "/api/video/tasks?size=20";
                    String bearer = byId ? one[1] : token;
                    long sent = System.currentTimeMillis();
                    Outcome o = send(client, nodes, next, n -> HttpRequest.newBuilder(URI.create(n + path))
                            .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + bearer).GET().build());
                    record(timeline, tally, firstBodies, byId ? "read-one" : "read-list", sent, o);
                    list = !list;
                    pause(readPace);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }

        if (opts.containsKey("ids-out")) {
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(Path.of(opts.get("ids-out"))))) {
                ids.forEach(i -> w.println(i[0]));
            }
        }
        if (opts.containsKey("timeline-out")) {
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(Path.of(opts.get("timeline-out"))))) {
                timeline.forEach(w::println);
            }
        }
        StringBuilder json = new StringBuilder("{\"created\":").append(created.get()).append(",\"tally\":{");
        new TreeMap<>(tally).forEach((k, v) -> json.append('"').append(k).append("\":").append(v.get()).append(','));
        if (!tally.isEmpty()) {
            json.setLength(json.length() - 1);
        }
        json.append("},\"firstBodies\":{");
        new TreeMap<>(firstBodies).forEach((k, v) -> json.append('"').append(k).append("\":\"")
                .append(v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ")).append("\","));
        if (!firstBodies.isEmpty()) {
            json.setLength(json.length() - 1);
        }
        json.append("}}");
        System.out.println(json);
        if (opts.containsKey("out")) {
            Files.writeString(Path.of(opts.get("out")), json + "\n");
        }
    }

    /** The next node in turn; on a refused connection, the one after it, until every node has refused. */
    static Outcome send(HttpClient client, List<String> nodes, AtomicLong next,
                        java.util.function.Function<String, HttpRequest> request) {
        int first = (int) (next.getAndIncrement() % nodes.size());
        boolean retried = false;
        for (int i = 0; i < nodes.size(); i++) {
            int node = (first + i) % nodes.size();
            try {
                HttpResponse<String> r = client.send(request.apply(nodes.get(node)), HttpResponse.BodyHandlers.ofString());
                return new Outcome(node, r.statusCode(), retried, "", r.body());
            } catch (ConnectException refused) {
                retried = true;
            } catch (IOException e) {
                return new Outcome(node, 0, retried, e.getClass().getSimpleName() + ": " + e.getMessage(), "");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Outcome(node, 0, retried, "interrupted", "");
            }
        }
        return new Outcome(-1, 0, retried, "ConnectException: every node refused", "");
    }

    static void record(ConcurrentLinkedQueue<String> timeline, Map<String, AtomicLong> tally,
                       Map<String, String> firstBodies, String label, long sent, Outcome o) {
        long ms = System.currentTimeMillis() - sent;
        String error = o.error().isEmpty() ? "-" : o.error().replace('\t', ' ');
        timeline.add(sent + "\t" + label + "\t" + o.node() + "\t" + o.status() + "\t" + ms + "\t" + (o.retried() ? 1 : 0)
                + "\t" + error);
        tally.computeIfAbsent(label + " " + o.status(), k -> new AtomicLong()).incrementAndGet();
        if (o.retried()) {
            tally.computeIfAbsent(label + " refused-then-sent-elsewhere", k -> new AtomicLong()).incrementAndGet();
        }
        if (o.status() == 0 || o.status() >= 500 || (o.status() >= 400 && o.status() != 429)) {
            firstBodies.putIfAbsent(label + " " + o.status(), o.status() == 0 ? o.error()
                    : o.body().substring(0, Math.min(300, o.body().length())));
        }
    }

    static Thread started(Runnable work) {
        Thread thread = new Thread(work);
        thread.start();
        return thread;
    }

    static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
