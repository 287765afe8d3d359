package io.hookline.broker.protocol;

import io.netty.handler.codec.DecoderException;

/**
 * Why a packet the transport cut out is a Protocol Error (MQTT 5 reason 0x82) rather than a
 * Malformed Packet (0x81): a property repeated that may appear once (5.0 §2.2.2.2), a value
 * outside its range, or a packet other than CONNECT first. Carried as the decoder result of a
 * failed {@link io.netty.handler.codec.mqtt.MqttMessage}, as Netty's decoder carries its own.
 */
public final class ProtocolViolation extends DecoderException {

    public ProtocolViolation(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // a verdict on client input, not a fault of ours: no stack to keep
    }
}
