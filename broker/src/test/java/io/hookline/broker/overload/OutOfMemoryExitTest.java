package io.hookline.broker.overload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.Survival;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 11: a broker process that runs out of heap exits (status 3) with a line saying
 * why, instead of lingering half-dead; the JVM options are the ones bin/broker passes.
 */
class OutOfMemoryExitTest {

    /** The oom_opts array of bin/broker, unquoted as bash would. */
    static List<String> binBrokerOomOptions() throws Exception {
        Path script = Path.of(System.getProperty("user.dir")).getParent().resolve("bin/broker");
        String text = Files.readString(script);
        Matcher block = Pattern.compile("(?s)oom_opts=\\((.*?)\\)\\n").matcher(text);
        assertTrue(block.find(), "bin/broker has no oom_opts");
        List<String> out = new ArrayList<>();
        Matcher word = Pattern.compile("'([^']*)'|(\\S+)").matcher(block.group(1));
        while (word.find()) {
            out.add(word.group(1) != null ? word.group(1) : word.group(2));
        }
        return out;
    }

    @Test
    void runningOutOfHeapExitsWithStatus3AndSaysWhy(@TempDir Path dir) throws Exception {
        List<String> jvm = new ArrayList<>(List.of("-Xmx64m"));
        List<String> oom = binBrokerOomOptions();
        assertTrue(oom.contains("-XX:+ExitOnOutOfMemoryError"), oom.toString());
        jvm.addAll(oom);
        try (BrokerProcess broker = BrokerProcess.start(dir, jvm, "plugins.memory_hog", "on")) {
            Survival.assertHealthy(broker.httpPort());
            Mqtt3AsyncClient client = MqttClient.builder()
                    .useMqttVersion3()
                    .identifier("hog")
                    .serverHost("127.0.0.1")
                    .serverPort(broker.mqttPort())
                    .buildAsync();
            client.connect().get(10, TimeUnit.SECONDS);
            client.publishWith().topic("hog/oom").qos(MqttQos.AT_MOST_ONCE).send();

            assertTrue(
                    broker.process().waitFor(40, TimeUnit.SECONDS),
                    () -> "the broker lingered after running out of heap:\n" + String.join("\n", broker.output()));
            assertEquals(3, broker.process().exitValue(), String.join("\n", broker.output()));
            // the process output is read by another thread: wait for it to reach the end
            broker.awaitOutput("Terminating due to java.lang.OutOfMemoryError");
            List<String> out = broker.output();
            assertTrue(
                    out.stream()
                            .anyMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ hookline: pid "
                                    + broker.process().pid() + " ran out of Java heap and exits.*")),
                    String.join("\n", out));
            assertTrue(
                    out.stream().anyMatch(l -> l.contains("Terminating due to java.lang.OutOfMemoryError")),
                    String.join("\n", out));
            assertTrue(out.stream().noneMatch(l -> l.contains("runs without -XX:+ExitOnOutOfMemoryError")));
        }
    }

    @Test
    void startingWithoutTheOptionIsWarnedAbout(@TempDir Path dir) throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(dir, List.of("-Xmx64m"))) {
            assertTrue(
                    broker.awaitOutput("runs without -XX:+ExitOnOutOfMemoryError"), String.join("\n", broker.output()));
        }
    }
}
