package io.hookline.broker.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.Recipient;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.util.StoreBatch;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The data port takes frames only from members: a stranger's link is closed before anything it
 * sends is routed, and a member's messages arrive in the order they were sent.
 */
class DataPlaneGateTest {

    private final UUID member = UUID.randomUUID();
    private final List<String> routed = new CopyOnWriteArrayList<>();

    private final DataPlane.Receiver receiver = new DataPlane.Receiver() {
        @Override
        public boolean isMember(UUID node) {
            return node.equals(member);
        }

        @Override
        public CompletionStage<Void> publish(UUID from, Message message, Consumer<List<Recipient>> congested) {
            routed.add(from + " " + message.topic());
            return StoreBatch.DONE;
        }

        @Override
        public void takeover(UUID from, SubscriberId client) {
            routed.add(from + " takeover " + client.clientId());
        }
    };

    private static Message message(String topic) {
        return new Message(1, topic, 1, false, new byte[] {1}, PublishProperties.NONE, null, 0);
    }

    private static void send(OutputStream out, ByteBuf frame) throws Exception {
        byte[] bytes = new byte[frame.readableBytes()];
        frame.readBytes(bytes);
        frame.release();
        out.write(bytes);
        out.flush();
    }

    @Test
    void aStrangerIsClosedAndNothingItSentIsRouted() throws Exception {
        try (DataPlane plane = new DataPlane(receiver)) {
            InetSocketAddress bound = plane.bind("127.0.0.1", 0);
            try (Socket s = new Socket(bound.getAddress(), bound.getPort())) {
                send(s.getOutputStream(), Frames.hello(ByteBufAllocator.DEFAULT, UUID.randomUUID()));
                send(s.getOutputStream(), Frames.publish(ByteBufAllocator.DEFAULT, message("x")));
                InputStream in = s.getInputStream();
                assertEquals(-1, in.read(), "the link is closed");
            }
            try (Socket s = new Socket(bound.getAddress(), bound.getPort())) {
                send(s.getOutputStream(), Frames.publish(ByteBufAllocator.DEFAULT, message("y"))); // no HELLO
                assertEquals(-1, s.getInputStream().read(), "the link is closed");
            }
            assertTrue(routed.isEmpty(), routed.toString());
        }
    }

    @Test
    void aMembersFramesArriveInOrder() throws Exception {
        try (DataPlane receiving = new DataPlane(receiver);
                DataPlane sending = new DataPlane(receiver)) {
            InetSocketAddress bound = receiving.bind("127.0.0.1", 0);
            sending.setSelf(member);
            UUID node = UUID.randomUUID();
            for (int i = 0; i < 500; i++) {
                sending.publish(node, bound, message("t/" + i));
            }
            sending.takeover(node, bound, SubscriberId.of("c1"));
            org.awaitility.Awaitility.await().until(() -> routed.size() == 501);
            for (int i = 0; i < 500; i++) {
                assertEquals(member + " t/" + i, routed.get(i));
            }
            assertEquals(member + " takeover c1", routed.get(500));
            assertEquals(501, sending.sent());
            assertEquals(500, receiving.received());
        }
    }
}
