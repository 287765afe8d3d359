package io.hookline.plugin.webhooks;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.sun.net.httpserver.HttpServer;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import io.netty.util.ResourceLeakDetector;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A measurement, not a test: on_publish events per second reaching a local endpoint, with
 * batch_max off and on (docs/webhooks.md, "Throughput"). Runs only when asked:
 * <pre>
 * mvn -o -q -pl plugin-webhooks -am test -Dtest=NotifyThroughputProbe -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dprobe=true [-Dprobe.runs=0:5000:0,50:5000:0] [-Dprobe.publishers=8] [-Dprobe.seconds=10]
 * </pre>
 * Each run is {@code batch_max (0 = off):offered msg/s:endpoint delay ms}. Publishers, broker and
 * endpoint share this JVM, so CPU per event covers all three.
 */
@EnabledIfSystemProperty(named = "probe", matches = "true")
class NotifyThroughputProbe {
    @TempDir
    Path data;

    @Test
    @Timeout(1800)
    void measure() throws Exception {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED); // paranoid costs more than the work
        System.setProperty("sun.net.httpserver.nodelay", "true");
        AtomicLong events = new AtomicLong();
        AtomicLong requests = new AtomicLong();
        int[] delayMs = new int[1];
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        ExecutorService endpointThreads = Executors.newFixedThreadPool(8);
        server.setExecutor(endpointThreads);
        server.createContext("/e", ex -> {
            try (InputStream in = ex.getRequestBody()) {
                in.readAllBytes();
            }
            if (delayMs[0] > 0) {
                try {
                    Thread.sleep(delayMs[0]);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String n = ex.getRequestHeaders().getFirst("hookline-batch-size");
            events.addAndGet(n == null ? 1 : Integer.parseInt(n));
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/e";
        int publishers = Integer.getInteger("probe.publishers", 8);
        long durationNanos = TimeUnit.SECONDS.toNanos(Integer.getInteger("probe.seconds", 10));
        long warmupNanos = Math.min(TimeUnit.SECONDS.toNanos(2), durationNanos / 4);
        String[] runs = System.getProperty("probe.runs", "0:5000:0,50:5000:0,0:20000:0,50:20000:0")
                .split(",");
        List<String> lines = new ArrayList<>();
        int k = 0;
        for (String run : runs) {
            String[] p = run.split(":");
            int batch = Integer.parseInt(p[0]);
            int rate = Integer.parseInt(p[1]);
            delayMs[0] = Integer.parseInt(p[2]);
            Path dir = Files.createDirectories(data.resolve("run" + k++));
            List<String> conf = new ArrayList<>(List.of(
                    "plugins.webhooks",
                    "on",
                    "data_dir",
                    dir.toString(),
                    "webhooks.p.hook",
                    "on_publish",
                    "webhooks.p.endpoint",
                    url));
            if (batch > 0) {
                conf.addAll(List.of("webhooks.p.batch_max", Integer.toString(batch)));
            }
            try (TestBroker broker = TestBroker.start(conf.toArray(String[]::new))) {
                List<Mqtt3AsyncClient> clients = new ArrayList<>();
                for (int i = 0; i < publishers; i++) {
                    clients.add(Clients.v3Connected(broker, "pub" + i).toAsync());
                }
                byte[] payload = new byte[64];
                String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
                long start = System.nanoTime();
                long sent = 0;
                long e0 = -1;
                long r0 = 0;
                long cpu0 = 0;
                long sent0 = 0;
                while (System.nanoTime() - start < durationNanos) {
                    long elapsed = System.nanoTime() - start;
                    if (e0 < 0 && elapsed >= warmupNanos) {
                        e0 = events.get();
                        r0 = requests.get();
                        cpu0 = os.getProcessCpuTime();
                        sent0 = sent;
                    }
                    for (long due = rate * elapsed / 1_000_000_000L; sent < due; sent++) {
                        clients.get((int) (sent % publishers))
                                .publishWith()
                                .topic("b/" + (sent % publishers))
                                .qos(MqttQos.AT_MOST_ONCE)
                                .payload(payload)
                                .send();
                    }
                    Thread.sleep(2);
                }
                double secs = (durationNanos - warmupNanos) / 1e9;
                long ev = events.get() - e0;
                long req = requests.get() - r0;
                long cpu = os.getProcessCpuTime() - cpu0;
                Map<String, Object> row = WebhookFixture.api(broker).show().get(0);
                lines.add(String.format(
                        "batch_max %-4s endpoint +%dms offered %6d/s sent %6.0f/s delivered %6.0f ev/s"
                                + " requests %6.0f/s ev/req %5.1f cpu/event %4.0f us dropped %7s errors %s"
                                + " | load before %s",
                        batch == 0 ? "off" : batch,
                        delayMs[0],
                        rate,
                        (sent - sent0) / secs,
                        ev / secs,
                        req / secs,
                        req == 0 ? 0.0 : ev / (double) req,
                        cpu / 1000.0 / Math.max(1, ev),
                        row.get("dropped"),
                        row.get("errors"),
                        loadBefore));
                System.out.println("probe: " + lines.get(lines.size() - 1));
                for (Mqtt3AsyncClient c : clients) {
                    c.disconnect();
                }
            }
        }
        server.stop(0);
        endpointThreads.shutdownNow();
        lines.forEach(l -> System.out.println("probe summary: " + l));
    }
}
