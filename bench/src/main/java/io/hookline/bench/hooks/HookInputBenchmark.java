package io.hookline.bench.hooks;

import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.mqtt.ProtocolVersion;
import io.hookline.broker.protocol.HookInputs;
import io.hookline.broker.protocol.ListenerInfo;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What building a hooked PUBLISH's input costs ({@code HookInputs.publish}: every
 * {@code auth_on_publish} and {@code on_deliver} call makes one), per payload size. With
 * {@code -prof gc} the bytes allocated per input show whether the payload is copied.
 *
 * <pre>
 * bench/run-jmh -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc HookInputBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HookInputBenchmark {
    @Param({"64", "65536"})
    public int payloadBytes;

    private Client client;
    private Message message;

    @Setup(Level.Trial)
    public void setUp() {
        client = new Client("", "bench", "u", ProtocolVersion.MQTT_3_1_1);
        message = new Message(1, "bench/topic", 1, false, new byte[payloadBytes], PublishProperties.NONE, null, 0);
    }

    @Benchmark
    public PublishInput publishInput() {
        return HookInputs.publish(client, ListenerInfo.DEFAULT, message, 1, false);
    }
}
