package io.hookline.plugin.webhooks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** Without TCP_NODELAY a request body written in two pieces waits ~40 ms for the endpoint's delayed ACK. */
class NoDelaySocketFactoryTest {
    @Test
    void everySocketItMakesHasTcpNoDelay() throws Exception {
        NoDelaySocketFactory f = new NoDelaySocketFactory();
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
                Socket unconnected = f.createSocket();
                Socket byAddress = f.createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                Socket byName = f.createSocket("127.0.0.1", server.getLocalPort())) {
            assertTrue(unconnected.getTcpNoDelay(), "the way OkHttp asks: unconnected, then connect");
            assertTrue(byAddress.getTcpNoDelay());
            assertTrue(byName.getTcpNoDelay());
        }
    }
}
