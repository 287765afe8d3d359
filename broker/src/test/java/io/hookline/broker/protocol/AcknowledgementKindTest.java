package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.RawClient.PUBACK;
import static io.hookline.broker.testsupport.RawClient.PUBCOMP;
import static io.hookline.broker.testsupport.RawClient.PUBLISH;
import static io.hookline.broker.testsupport.RawClient.PUBREC;
import static io.hookline.broker.testsupport.RawClient.PUBREL;
import static io.hookline.broker.testsupport.RawClient.SUBACK;
import static io.hookline.broker.testsupport.RawClient.ack;
import static io.hookline.broker.testsupport.RawClient.publish;
import static io.hookline.broker.testsupport.RawClient.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.RawClient.Packet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 15 item 4: an acknowledgement of the wrong kind for the message in flight under its
 * packet id (PUBREC or PUBCOMP for QoS 1, PUBACK for QoS 2, PUBCOMP before PUBREC) is a protocol
 * error, as in Mosquitto: MQTT 5 DISCONNECT 0x82, 3.1.1 a close. Acknowledgements for ids not in
 * flight stay harmless (a late duplicate looks the same), and PUBREL for an unknown id is answered
 * PUBCOMP 0x92, as the specification requires [MQTT-4.3.3-11].
 */
class AcknowledgementKindTest extends WireTestBase {

    private static final int PROTOCOL_ERROR = 0x82, PACKET_IDENTIFIER_NOT_FOUND = 0x92;

    /** {@code c}, subscribed to ack/# at QoS 2, receives a message published at {@code qos}. */
    private Packet receive(RawClient c, int qos) {
        c.send(subscribe(c.version(), 1, "ack/#", 2));
        c.expect(SUBACK);
        try (RawClient publisher = RawClient.connected(broker, 5, "ack-publisher")) {
            publisher.send(publish(5, "ack/x", qos, 5, bytes("m")));
            publisher.expect(qos == 1 ? PUBACK : PUBREC);
        }
        Packet p = c.expect(PUBLISH);
        assertEquals(qos, p.qos());
        return p;
    }

    @ParameterizedTest(name = "MQTT level {0}: QoS {1} message answered with packet type {2}")
    @CsvSource({"5, 1, 5", "5, 1, 7", "5, 2, 4", "5, 2, 7", "4, 1, 5", "4, 1, 7", "4, 2, 4", "4, 2, 7"})
    void acknowledgementOfTheWrongKindIsAProtocolError(int version, int qos, int ackType) {
        try (RawClient c = connected(version)) {
            Packet message = receive(c, qos);
            c.send(ack(ackType, message.packetId()));
            c.expectRefusal(PROTOCOL_ERROR);
        }
        assertCounted(Counter.PROTOCOL_ERRORS, 1);
    }

    @Test
    void rightAcknowledgementsStillCompleteTheFlows() {
        try (RawClient c = connected(5)) {
            Packet qos2 = receive(c, 2);
            c.send(ack(PUBREC, qos2.packetId()));
            c.expect(PUBREL);
            c.send(ack(PUBCOMP, qos2.packetId()));
            c.send(ack(PUBCOMP, qos2.packetId())); // a late duplicate: nothing in flight, ignored
            c.send(RawClient.pingreq());
            c.expect(RawClient.PINGRESP);
        }
    }

    @Test
    void pubrelForAnUnknownIdIsAnsweredPubcomp0x92() {
        try (RawClient c = connected(5)) {
            c.send(ack(PUBREL, 77));
            Packet pubcomp = c.expect(PUBCOMP);
            assertEquals(77, pubcomp.packetId());
            assertEquals(PACKET_IDENTIFIER_NOT_FOUND, pubcomp.reasonCode());
        }
    }
}
