package io.hookline.bench.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class TargetTest {

    @Test
    void aClusterTargetSendsSubscribersToItsNodesInTurn() {
        Target t = Target.parse("cluster=127.0.0.1:1883@42/127.0.0.1:1884,127.0.0.1:1885");
        assertEquals(new InetSocketAddress("127.0.0.1", 1883), t.address());
        assertEquals(42, t.pid());
        assertEquals(new InetSocketAddress("127.0.0.1", 1884), t.subscriberAddress(0));
        assertEquals(new InetSocketAddress("127.0.0.1", 1885), t.subscriberAddress(1));
        assertEquals(new InetSocketAddress("127.0.0.1", 1884), t.subscriberAddress(2));
    }

    @Test
    void aSingleBrokerTakesItsSubscribersItself() {
        Target t = Target.parse("single=127.0.0.1:1883");
        assertEquals(t.address(), t.subscriberAddress(3));
    }

    @Test
    void aNodeOffLoopbackIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Target.parse("x=127.0.0.1:1/192.0.2.1:1883"));
        assertThrows(IllegalArgumentException.class, () -> Target.parse("x=127.0.0.1:1/nothing"));
    }
}
