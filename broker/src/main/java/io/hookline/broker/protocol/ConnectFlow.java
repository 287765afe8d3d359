package io.hookline.broker.protocol;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.Topics;
import io.hookline.broker.session.SessionRegistry.Attached;
import io.hookline.broker.session.Will;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * CONNECT → CONNACK: validation of the packet and its properties, limits, client id
 * assignment, the will, session attach or takeover, keep alive. Stateless; runs on the
 * connection's event loop.
 */
final class ConnectFlow {
    private ConnectFlow() {
    }

    /** The attribute in which Netty's codec keeps the protocol version it decoded. */
    private static final AttributeKey<MqttVersion> CODEC_VERSION = AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");

    /** The protocol level Netty decoded from this channel's CONNECT, or 4 when it did not get that far. */
    static int decodedVersion(ChannelHandlerContext ctx) {
        MqttVersion v = ctx.channel().attr(CODEC_VERSION).get();
        return v == null ? 4 : v.protocolLevel();
    }

    /** A refusal found while reading the CONNECT. */
    private static final class Refused extends Exception {
        final byte code;

        Refused(byte code, String why) {
            super(why, null, false, false);
            this.code = code;
        }
    }

    static void connect(MqttConnection c, MqttConnectMessage m) {
        c.connectTimeout.cancel(false);
        MqttConnectVariableHeader header = m.variableHeader();
        c.version = header.version();
        try {
            accept(c, header, m.payload());
        } catch (Closed alreadyClosed) {
            // malformed v3 CONNECT: the socket is closed, nothing to answer
        } catch (Refused r) {
            c.broker.metrics().count(Counter.CONNECTS_REFUSED);
            MqttConnection.log.debug("{}: CONNECT refused ({}): {}", c.who(), r.code & 0xFF, r.getMessage());
            MqttProperties props = null;
            if (c.version == 5 && c.problemInformation) {
                props = new MqttProperties();
                props.add(new MqttProperties.StringProperty(MqttPropertyType.REASON_STRING.value(), r.getMessage()));
            }
            c.state = MqttConnection.State.CLOSED;
            c.ctx.writeAndFlush(Packets.connack(c.version, r.code, false, props))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static void accept(MqttConnection c, MqttConnectVariableHeader header, MqttConnectPayload payload)
            throws Refused {
        ProtocolSettings s = c.settings();
        int version = c.version;
        MqttProperties props = header.properties();

        // flags the spec makes malformed (3.1.1 §3.1.2.6, §3.1.2.9; 5.0 §3.1.2.7)
        if (!header.isWillFlag() && (header.willQos() != 0 || header.isWillRetain()) || header.willQos() > 2) {
            malformed(c, "will QoS/retain set without the will flag, or will QoS 3");
        }
        if (version == 4 && header.hasPassword() && !header.hasUserName()) {
            malformed(c, "password flag without user name flag");
        }
        String clientId = payload.clientIdentifier();
        if (!Strings.wellFormed(clientId) || !Strings.wellFormed(payload.userName())) {
            malformed(c, "ill-formed UTF-8 in client id or user name");
        }

        if (version == 5) {
            Integer problem = Props.integer(props, MqttPropertyType.REQUEST_PROBLEM_INFORMATION);
            Integer response = Props.integer(props, MqttPropertyType.REQUEST_RESPONSE_INFORMATION);
            if (problem != null && problem > 1 || response != null && response > 1) {
                throw new Refused(ReasonCodes.PROTOCOL_ERROR, "request problem/response information must be 0 or 1");
            }
            c.problemInformation = problem == null || problem == 1;
            Integer receiveMaximum = Props.integer(props, MqttPropertyType.RECEIVE_MAXIMUM);
            if (receiveMaximum != null) {
                if (receiveMaximum == 0) {
                    throw new Refused(ReasonCodes.PROTOCOL_ERROR, "receive maximum 0");
                }
                c.clientReceiveMaximum = receiveMaximum;
            }
            Integer maxPacket = Props.integer(props, MqttPropertyType.MAXIMUM_PACKET_SIZE);
            if (maxPacket != null) {
                if (maxPacket == 0) {
                    throw new Refused(ReasonCodes.PROTOCOL_ERROR, "maximum packet size 0");
                }
                c.clientMaximumPacketSize = maxPacket < 0 ? Integer.MAX_VALUE : maxPacket;
            }
            if (Props.string(props, MqttPropertyType.AUTHENTICATION_METHOD) != null) {
                // enhanced authentication arrives with the hook engine (on_auth_m5)
                throw new Refused(ReasonCodes.BAD_AUTHENTICATION_METHOD, "no enhanced authentication method is supported");
            }
        }

        int maxConnections = s.maxConnections();
        if (maxConnections > 0 && c.broker.metrics().connections().get() > maxConnections) {
            c.broker.metrics().count(Counter.LIMIT_MAX_CONNECTIONS);
            throw new Refused(version == 5 ? ReasonCodes.QUOTA_EXCEEDED : ReasonCodes.SERVER_UNAVAILABLE,
                    "connection limit reached");
        }

        boolean assigned = false;
        if (clientId.isEmpty()) {
            if (version != 5 && !header.isCleanSession()) {
                throw new Refused(ReasonCodes.CLIENT_IDENTIFIER_NOT_VALID, "empty client id needs a clean session");
            }
            clientId = "hookline-" + UUID.randomUUID();
            assigned = true;
        }
        if (io.netty.buffer.ByteBufUtil.utf8Bytes(clientId) > s.maxClientIdSize()) {
            c.broker.metrics().count(Counter.LIMIT_CLIENT_ID_SIZE);
            throw new Refused(ReasonCodes.CLIENT_IDENTIFIER_NOT_VALID,
                    "client id longer than " + s.maxClientIdSize() + " bytes");
        }
        c.clientId = clientId;
        c.username = payload.userName();

        Will will = header.isWillFlag() ? will(c, header, payload, s) : null;

        // Seam for the hook engine: auth_on_register (and auth_on_publish for the will) go here.
        // With no plugin the chain is undecided, so allow_anonymous decides (HOOKS.md).
        if (!s.allowAnonymous()) {
            throw new Refused(ReasonCodes.NOT_AUTHORIZED, "not authorized");
        }

        int keepAlive = header.keepAliveTimeSeconds();
        boolean keepAliveCapped = false;
        if (version == 5 && (keepAlive > s.maxKeepalive() || keepAlive == 0 && s.maxKeepalive() < 65535)) {
            keepAlive = s.maxKeepalive();
            keepAliveCapped = true;
            c.broker.metrics().count(Counter.LIMIT_KEEPALIVE_CAPPED);
        }

        long expiry;
        boolean expiryCapped = false;
        if (version == 5) {
            Integer asked = Props.integer(props, MqttPropertyType.SESSION_EXPIRY_INTERVAL);
            long seconds = asked == null ? 0 : Integer.toUnsignedLong(asked);
            expiry = seconds == 0xFFFFFFFFL ? -1 : seconds;
            long cap = s.maxSessionExpirySeconds();
            if (cap >= 0 && (expiry < 0 || expiry > cap)) {
                expiry = cap;
                expiryCapped = true;
            }
        } else {
            expiry = header.isCleanSession() ? 0 : s.persistentClientExpirySeconds();
        }

        Attached attached = c.broker.sessions().attach(clientId, header.isCleanSession(), c, version, expiry);
        if (attached.displaced() != null) {
            attached.displaced().takeOver();
        }
        c.session = attached.session();
        c.will = will;
        c.state = MqttConnection.State.CONNECTED;
        if (version == 5 && s.topicAliasMaximum() > 0) {
            c.inboundAliases = new String[s.topicAliasMaximum() + 1];
        }

        MqttProperties ack = version == 5 ? connackProperties(s, assigned ? clientId : null,
                expiryCapped ? expiry : null, keepAliveCapped ? keepAlive : null) : null;
        c.ctx.write(Packets.connack(version, ReasonCodes.SUCCESS, attached.sessionPresent(), ack), c.ctx.voidPromise());

        if (keepAlive > 0) {
            long timeoutMillis = keepAlive * 1500L;  // 1.5 × keep alive (MQTT §3.1.2.10)
            c.ctx.pipeline().addBefore(c.ctx.name(), "keepalive",
                    new IdleStateHandler(timeoutMillis, 0, 0, TimeUnit.MILLISECONDS));
        }
        long retry = s.retryIntervalMillis();
        if (version != 5 && retry > 0) {
            c.retryTask = c.ctx.executor().scheduleAtFixedRate(
                    () -> c.session.retryOlderThan(c, TimeUnit.MILLISECONDS.toNanos(retry)),
                    retry, retry, TimeUnit.MILLISECONDS);
        }
        MqttConnection.log.debug("{} connected (MQTT {}, clean start {}, session present {})",
                c.who(), version == 5 ? "5" : version == 4 ? "3.1.1" : "3.1",
                header.isCleanSession(), attached.sessionPresent());
        c.session.resume(c);
    }

    private static Will will(MqttConnection c, MqttConnectVariableHeader header, MqttConnectPayload payload,
                             ProtocolSettings s) throws Refused {
        String topic = payload.willTopic();
        if (topic == null || !Strings.wellFormed(topic) || !Topics.isValidTopicName(topic)) {
            if (c.version != 5) {
                malformed(c, "invalid will topic");
            }
            throw new Refused(ReasonCodes.TOPIC_NAME_INVALID, "invalid will topic");
        }
        int qos = header.willQos();
        if (c.version == 5) {
            if (qos > s.maxQos()) {
                throw new Refused(ReasonCodes.QOS_NOT_SUPPORTED, "will QoS above the maximum QoS " + s.maxQos());
            }
            if (header.isWillRetain() && !s.retainAvailable()) {
                throw new Refused(ReasonCodes.RETAIN_NOT_SUPPORTED, "retained messages are not available");
            }
        }
        long delay = 0;
        PublishProperties properties = PublishProperties.NONE;
        if (c.version == 5) {
            MqttProperties willProps = payload.willProperties();
            Integer d = Props.integer(willProps, MqttPropertyType.WILL_DELAY_INTERVAL);
            delay = d == null ? 0 : Integer.toUnsignedLong(d);
            properties = Props.publish(willProps);
        }
        byte[] body = payload.willMessageInBytes();
        // expiry is stamped when the will is published, not now
        Message message = new Message(topic, Math.min(qos, s.maxQos()), header.isWillRetain(),
                body == null ? new byte[0] : body, properties, c.clientId, 0);
        return new Will(message, delay);
    }

    private static void malformed(MqttConnection c, String why) throws Refused {
        c.broker.metrics().count(Counter.MALFORMED_PACKETS);
        if (c.version == 5) {
            throw new Refused(ReasonCodes.MALFORMED_PACKET, why);
        }
        // MQTT 3.1.1: close without CONNACK
        MqttConnection.log.debug("{}: malformed CONNECT ({}), closing", c.who(), why);
        c.close();
        throw new Closed();
    }

    /** Thrown after the connection was closed without a CONNACK; caught by nobody but the dispatcher. */
    static final class Closed extends RuntimeException {
        Closed() {
            super(null, null, false, false);
        }
    }

    private static MqttProperties connackProperties(ProtocolSettings s, String assignedId, Long expiry,
                                                    Integer serverKeepAlive) {
        MqttProperties p = new MqttProperties();
        if (assignedId != null) {
            p.add(new MqttProperties.StringProperty(MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER.value(), assignedId));
        }
        if (expiry != null) {
            p.add(new MqttProperties.IntegerProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(),
                    expiry < 0 ? -1 : (int) (long) expiry));
        }
        if (serverKeepAlive != null) {
            p.add(new MqttProperties.IntegerProperty(MqttPropertyType.SERVER_KEEP_ALIVE.value(), serverKeepAlive));
        }
        if (s.receiveMaximum() != 65535) {
            p.add(new MqttProperties.IntegerProperty(MqttPropertyType.RECEIVE_MAXIMUM.value(), s.receiveMaximum()));
        }
        if (s.maxQos() < 2) {
            p.add(new MqttProperties.IntegerProperty(MqttPropertyType.MAXIMUM_QOS.value(), s.maxQos()));
        }
        if (!s.retainAvailable()) {
            p.add(new MqttProperties.IntegerProperty(MqttPropertyType.RETAIN_AVAILABLE.value(), 0));
        }
        if (s.maxMessageSize() != ProtocolSettings.PROTOCOL_MAX_PACKET_SIZE) {
            p.add(new MqttProperties.IntegerProperty(MqttPropertyType.MAXIMUM_PACKET_SIZE.value(),
                    s.maxPacketSizeAnnounced()));
        }
        if (s.topicAliasMaximum() > 0) {
            p.add(new MqttProperties.IntegerProperty(MqttPropertyType.TOPIC_ALIAS_MAXIMUM.value(), s.topicAliasMaximum()));
        }
        if (!s.wildcardSubscriptionAvailable()) {
            p.add(new MqttProperties.IntegerProperty(MqttPropertyType.WILDCARD_SUBSCRIPTION_AVAILABLE.value(), 0));
        }
        if (!s.subscriptionIdentifierAvailable()) {
            p.add(new MqttProperties.IntegerProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER_AVAILABLE.value(), 0));
        }
        if (!s.sharedSubscriptionAvailable()) {
            p.add(new MqttProperties.IntegerProperty(MqttPropertyType.SHARED_SUBSCRIPTION_AVAILABLE.value(), 0));
        }
        return p;
    }
}
