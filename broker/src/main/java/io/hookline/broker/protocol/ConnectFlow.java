package io.hookline.broker.protocol;

import io.hookline.api.hook.Hook;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.EnhancedAuthInput;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.hook.input.RegisterEvent;
import io.hookline.api.hook.input.RegisterInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Topics;
import io.hookline.broker.config.ProtocolSettings;
import io.hookline.broker.config.SharedSubscriptionPolicy;
import io.hookline.broker.hooks.EnhancedAuthVerdict;
import io.hookline.broker.hooks.HookGateway;
import io.hookline.broker.hooks.HookSession;
import io.hookline.broker.hooks.PublishVerdict;
import io.hookline.broker.hooks.RegisterVerdict;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.NetsplitGate;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.ReservedTopics;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.session.SessionHandover;
import io.hookline.broker.session.SessionRegistry.Attached;
import io.hookline.broker.session.SessionTerms;
import io.hookline.broker.session.Will;
import io.hookline.broker.util.StoreBatch;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * CONNECT → CONNACK: validation of the packet and its properties, limits, client id
 * assignment, the will, session attach or takeover, keep alive. Stateless; runs on the
 * connection's event loop.
 */
final class ConnectFlow {
    private ConnectFlow() {}

    /** The protocol level Netty decoded from this channel's CONNECT, or 4 when it did not get that far. */
    static int decodedVersion(ChannelHandlerContext ctx) {
        MqttVersion v = CodecVersion.of(ctx);
        return v == null ? 4 : v.protocolLevel();
    }

    /**
     * Puts back the version of the accepted CONNECT: Netty's decoder switches its (and the
     * encoder's) version on any CONNECT it reads, so a second one would change how we answer.
     */
    static void restoreCodecVersion(ChannelHandlerContext ctx, int version) {
        CodecVersion.set(
                ctx, version == 5 ? MqttVersion.MQTT_5 : version == 4 ? MqttVersion.MQTT_3_1_1 : MqttVersion.MQTT_3_1);
    }

    /** A refusal found while reading the CONNECT. */
    private static final class Refused extends Exception {
        final byte code;
        final String serverReference; // 0x9C Use another server: where to go; else null

        Refused(byte code, String why) {
            this(code, why, null);
        }

        Refused(byte code, String why, String serverReference) {
            super(why, null, false, false);
            this.code = code;
            this.serverReference = serverReference;
        }
    }

    static void connect(MqttConnection c, MqttConnectMessage m) {
        c.connectTimeout.cancel(false);
        c.connectTimeout = null; // let the cancelled task go: it would stay for the connection's life
        MqttConnectVariableHeader header = m.variableHeader();
        c.version = header.version();
        c.claimedUsername = m.payload().userName();
        Request request;
        try {
            request = validate(c, header, m.payload());
        } catch (Closed closed) {
            // malformed v3 CONNECT: the socket is closed, nothing to answer
            MqttConnection.log.debug(
                    "{} (client id '{}'): malformed CONNECT ({}), closed",
                    c.who(),
                    m.payload().clientIdentifier(),
                    closed.getMessage());
            return;
        } catch (Refused r) {
            io.hookline.api.mqtt.Properties reference = r.serverReference == null
                    ? null
                    : io.hookline.api.mqtt.Properties.builder()
                            .put(io.hookline.api.mqtt.PropertyKey.SERVER_REFERENCE, r.serverReference)
                            .build();
            refuse(c, m.payload().clientIdentifier(), r.code, null, r.getMessage(), reference, false);
            return;
        }
        if (request.authMethod() != null) {
            authenticate(c, request, request.authData(), false);
        } else {
            register(c, request);
        }
    }

    /** Sends the refusing CONNACK (v5 with a reason string when allowed) and closes. */
    private static void refuse(
            MqttConnection c,
            String clientId,
            byte code,
            Byte v3Code,
            String why,
            io.hookline.api.mqtt.Properties hookProperties,
            boolean authentication) {
        c.broker.metrics().count(Counter.CONNECTS_REFUSED);
        c.broker
                .events()
                .refused(
                        c.listener.mountpoint(),
                        clientId,
                        c.claimedUsername,
                        c.peerAddress(),
                        c.version != 5 && v3Code != null ? v3Code : code,
                        why,
                        authentication);
        MqttProperties props = null;
        if (c.version == 5) {
            props = HookInputs.nettyProperties(hookProperties, null);
            if (c.terms.problemInformation()
                    && props.getProperty(MqttPropertyType.REASON_STRING.value()) == null
                    && Packets.reasonStringFits(2, why, c.terms.clientMaximumPacketSize())) {
                props.add(new MqttProperties.StringProperty(MqttPropertyType.REASON_STRING.value(), why));
            }
        }
        c.state = MqttConnection.State.CLOSED;
        MqttMessage connack = c.version != 5 && v3Code != null
                ? Packets.connackV3(v3Code)
                : Packets.connack(c.version, code, false, props);
        Linger.writeAndClose(c.ctx, connack);
    }

    // ---- enhanced authentication (MQTT 5 AUTH) -------------------------------------------

    /** One step of on_auth_m5: at CONNECT, after each AUTH from the client, or for re-authentication. */
    static void authenticate(MqttConnection c, Request request, byte[] data, boolean reauthentication) {
        HookGateway hooks = c.broker.hooks();
        String method = reauthentication ? c.authMethod : request.authMethod();
        EnhancedAuthInput in = new EnhancedAuthInput(
                HookInputs.client(
                        c.listener.mountpoint(),
                        reauthentication ? c.clientId : request.clientId(),
                        c.username,
                        c.version),
                method,
                data == null ? Bytes.EMPTY : Bytes.of(data),
                reauthentication,
                io.hookline.api.mqtt.Properties.EMPTY);
        if (!reauthentication) {
            c.connectPending = true;
        }
        CompletableFuture<EnhancedAuthVerdict> call =
                hooks.onAuthM5(in, c.ctx.executor()).toCompletableFuture();
        c.authCall = call.isDone() ? null : call;
        c.inOrder(call, (verdict, error) -> {
            c.connectPending = false;
            c.authCall = null;
            if (c.state == MqttConnection.State.CLOSED) {
                return; // also when the call was cancelled: the client went away
            }
            if (verdict instanceof EnhancedAuthVerdict.Continue more) {
                c.authMethod = method;
                if (!reauthentication) {
                    c.pendingAuth = request;
                }
                c.ctx.writeAndFlush(
                        Packets.auth(ReasonCodes.CONTINUE_AUTHENTICATION, withMethod(more.properties(), method)));
            } else if (verdict instanceof EnhancedAuthVerdict.Success ok) {
                c.authMethod = method;
                c.pendingAuth = null;
                if (reauthentication) {
                    c.reauthenticating = false;
                    c.ctx.writeAndFlush(Packets.auth(
                            ReasonCodes.SUCCESS,
                            withMethod(
                                    ok.modifiers()
                                            .get(Modifier.PROPERTIES)
                                            .orElse(io.hookline.api.mqtt.Properties.EMPTY),
                                    method)));
                } else {
                    register(c, request);
                }
            } else {
                EnhancedAuthVerdict.Failed failed = (EnhancedAuthVerdict.Failed) verdict;
                if (reauthentication) {
                    c.disconnect((byte) failed.reasonCode(), failed.reason());
                } else {
                    refuse(
                            c,
                            request.clientId(),
                            (byte) failed.reasonCode(),
                            null,
                            failed.reason(),
                            failed.properties(),
                            true);
                }
            }
        });
    }

    /** An AUTH packet from the client: the next step of a CONNECT's exchange, or of a re-authentication. */
    static void auth(MqttConnection c, MqttMessage m) {
        MqttReasonCodeAndPropertiesVariableHeader v = (MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader();
        String method = Props.string(v.properties(), MqttPropertyType.AUTHENTICATION_METHOD);
        byte[] data = Props.binary(v.properties(), MqttPropertyType.AUTHENTICATION_DATA);
        byte reason = v.reasonCode();
        if (method == null || c.authMethod == null || !method.equals(c.authMethod)) {
            c.protocolError("AUTH without the authentication method of the CONNECT");
            return;
        }
        if (c.state == MqttConnection.State.CONNECTED) {
            // 0x19 starts a re-authentication; 0x18 continues the one under way (MQTT 5 §4.12.1)
            if (reason == ReasonCodes.REAUTHENTICATE && !c.reauthenticating
                    || reason == ReasonCodes.CONTINUE_AUTHENTICATION && c.reauthenticating) {
                c.reauthenticating = true;
                authenticate(c, null, data, true);
            } else {
                c.protocolError("AUTH 0x" + Integer.toHexString(reason & 0xFF) + " out of place");
            }
            return;
        }
        if (c.pendingAuth == null || reason != ReasonCodes.CONTINUE_AUTHENTICATION) {
            c.protocolError("AUTH out of place during CONNECT");
            return;
        }
        authenticate(c, c.pendingAuth, data, false);
    }

    private static io.hookline.api.mqtt.Properties withMethod(io.hookline.api.mqtt.Properties p, String method) {
        return p.get(io.hookline.api.mqtt.PropertyKey.AUTHENTICATION_METHOD).isPresent()
                ? p
                : p.toBuilder()
                        .put(io.hookline.api.mqtt.PropertyKey.AUTHENTICATION_METHOD, method)
                        .build();
    }

    // ---- registration --------------------------------------------------------------------

    /** What auth_on_register and the will's auth_on_publish decided. */
    private record Decision(
            RegisterVerdict verdict, HookSession session, PublishVerdict willVerdict, PublishInput willInput) {}

    /** Asks auth_on_register (and auth_on_publish for the will); completes the CONNECT in order. */
    private static void register(MqttConnection c, Request r) {
        HookGateway hooks = c.broker.hooks();
        InetSocketAddress peer = c.peerAddress();
        RegisterInput in = new RegisterInput(
                HookInputs.client(c.listener.mountpoint(), r.clientId(), c.username, c.version),
                peer == null ? "" : peer.getAddress().getHostAddress(),
                peer == null ? 0 : peer.getPort(),
                r.password(),
                r.header().isCleanSession(),
                r.hookProperties(),
                c.listener.name(),
                List.of());
        boolean anonymous = r.certified() || c.listener.allowAnonymous(c.settings());
        CompletableFuture<RegisterVerdict> verdict =
                hooks.authOnRegister(in, anonymous, c.ctx.executor()).toCompletableFuture();
        // cancelled by the connection if it closes first; then decision fails and opens no session
        c.authCall = verdict.isDone() ? null : verdict;
        CompletionStage<Decision> decision = verdict.thenCompose(v -> {
            if (!(v instanceof RegisterVerdict.Accepted a)) {
                return CompletableFuture.completedFuture(new Decision(v, null, null, null));
            }
            HookSession session = hooks.openSession(a);
            if (r.will() == null || !hooks.wantsAuthOnPublish(session)) {
                return CompletableFuture.completedFuture(new Decision(a, session, null, null));
            }
            Message w = r.will().message();
            PublishInput willIn = new PublishInput(
                    a.client(),
                    w.topic(),
                    w.qos(),
                    Bytes.of(w.payload()),
                    w.retain(),
                    HookInputs.properties(w.properties(), -1));
            CompletableFuture<PublishVerdict> willCall =
                    hooks.authOnPublish(session, willIn, c.ctx.executor()).toCompletableFuture();
            // on the event loop (the verdict completes there): the will's verdict is waited for too
            c.authCall = willCall.isDone() ? null : willCall;
            // failed or cancelled (the client left): no decision carries the session to close
            willCall.whenComplete((pv, t) -> {
                if (t != null) {
                    hooks.closeSession(session);
                }
            });
            return willCall.thenApply(pv -> new Decision(a, session, pv, willIn));
        });
        c.connectPending = true;
        c.inOrder(decision, (d, error) -> {
            c.connectPending = false;
            c.authCall = null;
            if (c.state != MqttConnection.State.AWAIT_CONNECT) {
                if (d != null && d.session() != null) {
                    hooks.closeSession(d.session());
                }
                return;
            }
            if (error != null) {
                MqttConnection.log.warn("{}: registration hooks failed", c.who(), error);
                refuse(c, r.clientId(), ReasonCodes.UNSPECIFIED_ERROR, null, "registration failed", null, false);
                return;
            }
            complete(c, r, d);
        });
    }

    /** A valid CONNECT, before the hooks decide. The will's topic is as the client wrote it. */
    record Request(
            MqttConnectVariableHeader header,
            String clientId,
            boolean assigned,
            Will will,
            boolean certified,
            Bytes password,
            io.hookline.api.mqtt.Properties hookProperties,
            String authMethod,
            byte[] authData) {}

    /** Checks everything the CONNECT itself says; throws the refusal, or closes (v3 malformed). */
    private static Request validate(MqttConnection c, MqttConnectVariableHeader header, MqttConnectPayload payload)
            throws Refused {
        ProtocolSettings s = c.settings();
        int version = c.version;
        MqttProperties props = header.properties();
        if (!c.listener.allowsVersion(version)) {
            throw new Refused(
                    ReasonCodes.UNSUPPORTED_PROTOCOL_VERSION,
                    "protocol level " + version + " is not accepted on listener '" + c.listener.name() + "'");
        }

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
            String bad = Packets.malformedProperties(MqttMessageType.CONNECT, props);
            if (bad == null && header.isWillFlag()) {
                bad = Packets.malformedWillProperties(payload.willProperties());
            }
            if (bad != null) {
                malformed(c, bad);
            }
            Integer problem = Props.integer(props, MqttPropertyType.REQUEST_PROBLEM_INFORMATION);
            Integer response = Props.integer(props, MqttPropertyType.REQUEST_RESPONSE_INFORMATION);
            if (problem != null && problem > 1 || response != null && response > 1) {
                throw new Refused(ReasonCodes.PROTOCOL_ERROR, "request problem/response information must be 0 or 1");
            }
            boolean problemInformation = problem == null || problem == 1;
            c.terms = c.terms.withClientLimits(
                    problemInformation, c.terms.clientReceiveMaximum(), c.terms.clientMaximumPacketSize());
            Integer receiveMaximum = Props.integer(props, MqttPropertyType.RECEIVE_MAXIMUM);
            if (receiveMaximum != null && receiveMaximum == 0) {
                throw new Refused(ReasonCodes.PROTOCOL_ERROR, "receive maximum 0");
            }
            Integer maxPacket = Props.integer(props, MqttPropertyType.MAXIMUM_PACKET_SIZE);
            if (maxPacket != null && maxPacket == 0) {
                throw new Refused(ReasonCodes.PROTOCOL_ERROR, "maximum packet size 0");
            }
            c.terms = c.terms.withClientLimits(
                    problemInformation,
                    receiveMaximum == null ? c.terms.clientReceiveMaximum() : receiveMaximum,
                    maxPacket == null
                            ? c.terms.clientMaximumPacketSize()
                            : maxPacket < 0 ? Integer.MAX_VALUE : maxPacket);
            Integer aliasMaximum = Props.integer(props, MqttPropertyType.TOPIC_ALIAS_MAXIMUM);
            int outboundAliases = Math.min(aliasMaximum == null ? 0 : aliasMaximum, s.outboundTopicAliasMaximum());
            c.outboundAliases = outboundAliases > 0 ? new OutboundAliases(outboundAliases) : null;
            if (Props.string(props, MqttPropertyType.AUTHENTICATION_METHOD) == null
                    && Props.binary(props, MqttPropertyType.AUTHENTICATION_DATA) != null) {
                throw new Refused(ReasonCodes.PROTOCOL_ERROR, "authentication data without a method");
            }
        }

        int maxConnections = s.maxConnections();
        if (maxConnections > 0 && c.broker.metrics().connections().get() > maxConnections) {
            c.broker
                    .metrics()
                    .limitHit(
                            Counter.LIMIT_MAX_CONNECTIONS,
                            c.who(),
                            "CONNECT refused: " + maxConnections + " connections open (listener.max_connections)");
            throw new Refused(
                    version == 5 ? ReasonCodes.QUOTA_EXCEEDED : ReasonCodes.SERVER_UNAVAILABLE,
                    "connection limit reached");
        }

        String netsplit = c.broker.netsplitRefusal(NetsplitGate.Action.REGISTER);
        if (netsplit != null) { // v5 0x88, 3.1.1 0x03: this node is cut off from its cluster (docs/cluster.md)
            throw new Refused(ReasonCodes.SERVER_UNAVAILABLE, netsplit);
        }
        String elsewhere = version == 5 ? c.broker.offloadTarget() : null; // null unless cluster offloading
        if (elsewhere != null
                && (clientId.isEmpty() || c.broker.sessions().get(c.listener.mountpoint(), clientId) == null)) {
            // a client with a session here stays here
            throw new Refused(
                    ReasonCodes.USE_ANOTHER_SERVER,
                    "use another server: " + elsewhere + " (cluster offloading)",
                    elsewhere);
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
            throw new Refused(
                    ReasonCodes.CLIENT_IDENTIFIER_NOT_VALID, "client id longer than " + s.maxClientIdSize() + " bytes");
        }
        c.clientId = clientId;
        c.username = payload.userName();
        boolean certified = false;
        if (c.listener.useIdentityAsUsername()) {
            ClientCertificate certificate = c.clientCertificate();
            if (certificate == null || certificate.commonName() == null) {
                throw new Refused(ReasonCodes.NOT_AUTHORIZED, "no client certificate CN to use as user name");
            }
            c.username = certificate.commonName();
            certified = true; // the TLS handshake verified who this is
        }

        Will will = header.isWillFlag() ? will(c, header, payload, s) : null;

        byte[] password = payload.passwordInBytes();
        return new Request(
                header,
                clientId,
                assigned,
                will,
                certified,
                password == null ? null : Bytes.of(password),
                version == 5 ? HookInputs.connectProperties(props) : io.hookline.api.mqtt.Properties.EMPTY,
                version == 5 ? Props.string(props, MqttPropertyType.AUTHENTICATION_METHOD) : null,
                version == 5 ? Props.binary(props, MqttPropertyType.AUTHENTICATION_DATA) : null);
    }

    /** The hooks accepted (or refused) the client: attach the session and answer CONNACK. */
    private static void complete(MqttConnection c, Request r, Decision d) {
        complete(c, r, d, false);
    }

    private static void complete(MqttConnection c, Request r, Decision d, boolean handedOver) {
        HookGateway hooks = c.broker.hooks();
        if (d.verdict() instanceof RegisterVerdict.Refused refused) {
            refuse(
                    c,
                    r.clientId(),
                    (byte) refused.mqtt5Code(),
                    (byte) refused.mqtt3Code(),
                    refused.reason(),
                    refused.properties(),
                    true);
            return;
        }
        RegisterVerdict.Accepted accepted = (RegisterVerdict.Accepted) d.verdict();
        if (d.willVerdict() instanceof PublishVerdict.Denied denied) {
            hooks.closeSession(d.session());
            refuse(
                    c,
                    r.clientId(),
                    (byte) denied.reasonCode(),
                    ReasonCodes.V3_NOT_AUTHORIZED,
                    "will not authorized: " + denied.reason(),
                    denied.properties(),
                    false);
            return;
        }
        if (!handedOver && handOver(c, r, d, accepted)) {
            return;
        }
        ProtocolSettings s = c.settings();
        int version = c.version;
        MqttConnectVariableHeader header = r.header();
        MqttProperties props = header.properties();
        Modifiers mods = accepted.modifiers();
        io.hookline.api.hook.input.Client who = accepted.client();
        String clientId = who.clientId();
        c.clientId = clientId;
        c.username = who.username();
        if (!who.mountpoint().equals(c.listener.mountpoint())) {
            c.listener = c.listener.withMountpoint(who.mountpoint());
        }
        c.broker
                .traces()
                .attachAtConnect(
                        c.ctx.channel(),
                        c.listener.mountpoint(),
                        clientId,
                        "CONNECT client_id="
                                + clientId + " username=" + c.username + " protocol=" + ClientEvents.protocol(c.version)
                                + " clean_start=" + header.isCleanSession() + " keep_alive="
                                + header.keepAliveTimeSeconds());
        c.hookSession = d.session();
        Will will = null;
        if (r.will() != null) {
            Message w = r.will().message();
            SubscriberId sender = SubscriberId.of(c.listener.mountpoint(), clientId);
            Message mounted = new Message(
                    0, c.listener.mount(w.topic()), w.qos(), w.retain(), w.payload(), w.properties(), sender, 0);
            if (d.willVerdict() instanceof PublishVerdict.Allowed allowed
                    && !allowed.modifiers().isEmpty()) {
                Message rewritten =
                        HookInputs.rewritten(c.broker.messages(), mounted, allowed.apply(d.willInput()), c.listener);
                mounted = new Message(
                        0,
                        rewritten.topic(),
                        rewritten.qos(),
                        rewritten.retain(),
                        rewritten.payload(),
                        rewritten.properties(),
                        sender,
                        0);
            }
            will = new Will(mounted, r.will().delaySeconds());
        }
        boolean cleanStart = mods.get(Modifier.CLEAN_SESSION).orElse(header.isCleanSession());
        boolean assigned = r.assigned() || !clientId.equals(r.clientId()) && version == 5;

        int keepAlive = header.keepAliveTimeSeconds();
        boolean keepAliveCapped = false;
        // 3.x clients cannot be told (no Server Keep Alive) but are held to the cap all the same
        if (keepAlive > s.maxKeepalive() || keepAlive == 0 && s.maxKeepalive() < 65535) {
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
            expiry = cleanStart ? 0 : s.persistentClientExpirySeconds();
        }
        if (version == 5 && mods.get(Modifier.SESSION_EXPIRY_INTERVAL).isPresent()) {
            long asked = mods.get(Modifier.SESSION_EXPIRY_INTERVAL).get();
            expiry = asked >= 0xFFFFFFFFL ? -1 : asked;
            expiryCapped = true;
        }

        SessionTerms sessionTerms = new SessionTerms(
                SubscriberId.of(c.listener.mountpoint(), clientId),
                cleanStart,
                version,
                expiry,
                c.username,
                will,
                mods.get(Modifier.MAX_ONLINE_MESSAGES).map(ConnectFlow::toInt).orElse(null),
                mods.get(Modifier.MAX_OFFLINE_MESSAGES).map(ConnectFlow::toInt).orElse(null),
                mods.get(Modifier.UPGRADE_QOS).orElse(s.upgradeOutgoingQos()));
        int aliases = version == 5
                ? (int) Math.min(mods.get(Modifier.TOPIC_ALIAS_MAX).orElse((long) s.topicAliasMaximum()), 65535)
                : 0;
        long retry = mods.get(Modifier.RETRY_INTERVAL).map(sec -> sec * 1000).orElse(s.retryIntervalMillis());
        ConnectionTerms terms = ConnectionTerms.shared(
                negotiated(c.terms, s, mods, keepAlive, aliases, version != 5 && retry > 0 ? retry : 0));
        c.terms = terms;
        c.messageRate = terms.maxMessageRate() > 0 ? new MessageRate(c.ctx.channel(), terms.maxMessageRate()) : null;
        Attached attached = c.broker.sessions().attach(sessionTerms, c);
        if (attached.displaced() != null) {
            attached.displaced().takeOver();
            c.broker.events().takenOver(c.listener.mountpoint(), clientId, c.username, c.peerAddress());
        }
        c.session = attached.session();
        c.hold.start(c.session);
        c.will = will;
        c.state = MqttConnection.State.CONNECTED;
        mods.get(Modifier.MAX_CONNECTION_LIFETIME)
                .filter(sec -> sec > 0)
                .ifPresent(sec -> c.lifetimeTask = c.ctx.executor()
                        .schedule(
                                () -> c.disconnect(ReasonCodes.MAXIMUM_CONNECT_TIME, "maximum connect time reached"),
                                sec,
                                TimeUnit.SECONDS));

        MqttProperties ack = version == 5
                ? connackProperties(
                        s,
                        assigned ? clientId : null,
                        expiryCapped ? expiry : null,
                        keepAliveCapped ? keepAlive : null,
                        terms.receiveMaximum(),
                        aliases)
                : null;
        if (ack != null) {
            HookInputs.nettyProperties(accepted.connackProperties(), ack);
            if (c.authMethod != null) {
                ack.add(new MqttProperties.StringProperty(
                        MqttPropertyType.AUTHENTICATION_METHOD.value(), c.authMethod));
            }
        }
        MqttMessage connack = Packets.connack(version, ReasonCodes.SUCCESS, attached.sessionPresent(), ack);

        if (keepAlive > 0 && c.keepAlive == null && c.ctx.channel().isActive()) {
            long timeoutMillis = keepAlive * 1500L; // 1.5 × keep alive (MQTT §3.1.2.10)
            c.keepAlive = KeepAlive.start(c, timeoutMillis);
        }
        if (attached.stored() == StoreBatch.DONE) { // nothing stored (clean session, memory stores): no wait
            connected(c, connack, keepAlive, cleanStart, attached.sessionPresent(), who, r);
            return;
        }
        // A persistent session's record: the CONNACK goes out only once it is stored, so that a
        // crash right after it cannot lose the session. Meanwhile the event loop goes on: later
        // packets wait in order (connackPending) and deliveries stay queued (not writable).
        c.connackPending = true;
        int keepAliveSent = keepAlive;
        c.order().hold(attached.stored(), (v, error) -> {
            c.connackPending = false;
            if (c.state != MqttConnection.State.CONNECTED) {
                return; // closed or taken over meanwhile: the session was detached with it
            }
            if (error != null) {
                MqttConnection.log.warn("{}: session not stored, CONNECT refused: {}", c.who(), error.toString());
                c.will = null; // it never connected: no will for it
                refuse(
                        c,
                        clientId,
                        ReasonCodes.QUOTA_EXCEEDED,
                        ReasonCodes.V3_SERVER_UNAVAILABLE,
                        "the session could not be stored",
                        null,
                        false);
                return;
            }
            connected(c, connack, keepAliveSent, cleanStart, attached.sessionPresent(), who, r);
        });
    }

    /**
     * A clustered broker first fetches the session from the node it lives on (docs/cluster.md,
     * session migration): true when the CONNECT waits for that (later packets wait behind it),
     * and completes once the session is here or known not to come.
     */
    private static boolean handOver(MqttConnection c, Request r, Decision d, RegisterVerdict.Accepted accepted) {
        SessionHandover handover = c.broker.sessions().handover();
        if (handover == SessionHandover.NONE) {
            return false;
        }
        io.hookline.api.hook.input.Client who = accepted.client();
        boolean cleanStart = accepted.modifiers()
                .get(Modifier.CLEAN_SESSION)
                .orElse(r.header().isCleanSession());
        CompletionStage<Void> here =
                handover.beforeAttach(SubscriberId.of(who.mountpoint(), who.clientId()), cleanStart);
        if (here == null) {
            return false;
        }
        c.connackPending = true;
        c.order().hold(here, (v, error) -> {
            c.connackPending = false;
            if (c.state != MqttConnection.State.AWAIT_CONNECT) {
                c.broker.hooks().closeSession(d.session());
                return; // the client left while its session was on its way
            }
            complete(c, r, d, true);
        });
        return true;
    }

    /** Sends the accepting CONNACK and starts the session: hooks, then what it has to send. */
    private static void connected(
            MqttConnection c,
            MqttMessage connack,
            int keepAlive,
            boolean cleanStart,
            boolean sessionPresent,
            io.hookline.api.hook.input.Client who,
            Request r) {
        HookGateway hooks = c.broker.hooks();
        c.ctx.write(connack, c.ctx.voidPromise());
        c.broker
                .events()
                .connected(
                        c.listener,
                        c.clientId,
                        c.username,
                        c.peerAddress(),
                        c.version,
                        keepAlive,
                        cleanStart,
                        sessionPresent);
        Hook<RegisterEvent> registered = c.hookSession.pick(Hooks.ON_REGISTER, Hooks.ON_REGISTER_M5);
        if (hooks.wants(registered)) {
            InetSocketAddress peer = c.peerAddress();
            hooks.notify(
                    registered,
                    new RegisterEvent(
                            who,
                            peer == null ? "" : peer.getAddress().getHostAddress(),
                            peer == null ? 0 : peer.getPort(),
                            r.hookProperties()));
        }
        // every accepted connection, new or resumed session, like VerneMQ: on_register, then on_client_wakeup
        c.broker.sessions().wakeup(c.session);
        c.session.resume(c);
    }

    private static Will will(
            MqttConnection c, MqttConnectVariableHeader header, MqttConnectPayload payload, ProtocolSettings s)
            throws Refused {
        String topic = payload.willTopic();
        if (topic != null && !Strings.wellFormed(topic)) {
            malformed(c, "ill-formed UTF-8 in the will topic"); // 5.0 §1.5.4: malformed, not 0x90
        }
        if (topic == null || !Topics.isValidTopicName(topic)) { // null: Netty's 32767-byte cap
            if (c.version != 5) {
                malformed(c, "invalid will topic");
            }
            throw new Refused(ReasonCodes.TOPIC_NAME_INVALID, "invalid will topic");
        }
        if (s.topicMaxDepth() > 0 && Topics.depth(topic) > s.topicMaxDepth()) {
            c.broker.metrics().count(Counter.LIMIT_TOPIC_DEPTH);
            if (c.version != 5) {
                c.close();
                throw new Closed("will topic deeper than topic_max_depth");
            }
            throw new Refused(
                    ReasonCodes.TOPIC_NAME_INVALID, "will topic deeper than topic_max_depth " + s.topicMaxDepth());
        }
        if (ReservedTopics.isReserved(c.listener.mount(topic))) {
            c.broker
                    .metrics()
                    .limitHit(
                            Counter.PUBLISHES_RESERVED_TOPIC,
                            c.who(),
                            "CONNECT refused: its will is addressed to $SYS, which the broker owns");
            throw new Refused(ReasonCodes.NOT_AUTHORIZED, "will topic in $SYS, which the broker owns");
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
        Message message = new Message(
                0,
                topic,
                Math.min(qos, s.maxQos()),
                header.isWillRetain(),
                body == null ? new byte[0] : body,
                properties,
                null,
                0);
        return new Will(message, delay);
    }

    /**
     * The connection's terms: the client's limits as read ({@code asked}), the broker's settings,
     * and the per-client limits a registration hook may set (VerneMQ's auth_on_register modifiers).
     * The retry_interval timer starts with the first QoS 1/2 packet sent (MqttConnection.armRetry).
     */
    private static ConnectionTerms negotiated(
            ConnectionTerms asked, ProtocolSettings s, Modifiers mods, int keepAlive, int aliases, long retryMillis) {
        int maxInflight = mods.get(Modifier.MAX_INFLIGHT_MESSAGES)
                .map(n -> toInt(Math.min(n, 65535)))
                .orElse(-1);
        int receiveMaximum =
                toInt(Math.max(1, Math.min(mods.get(Modifier.RECEIVE_MAX).orElse((long) s.receiveMaximum()), 65535)));
        int maxPayload = mods.get(Modifier.MAX_MESSAGE_SIZE)
                .filter(n -> n > 0)
                .map(ConnectFlow::toInt)
                .orElse(Integer.MAX_VALUE);
        long rate = mods.get(Modifier.MAX_MESSAGE_RATE).orElse((long) s.maxMessageRate());
        // validated by the hook engine: a known policy name
        SharedSubscriptionPolicy policy = mods.get(Modifier.SHARED_SUBSCRIPTION_POLICY)
                .map(SharedSubscriptionPolicy::parse)
                .orElse(null);
        return new ConnectionTerms(
                keepAlive,
                asked.clientReceiveMaximum(),
                asked.clientMaximumPacketSize(),
                asked.problemInformation(),
                receiveMaximum,
                maxInflight,
                maxPayload,
                Math.max(0, rate),
                policy,
                aliases,
                retryMillis);
    }

    private static int toInt(long n) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, n));
    }

    private static void malformed(MqttConnection c, String why) throws Refused {
        c.broker.metrics().count(Counter.MALFORMED_PACKETS);
        if (c.version == 5) {
            throw new Refused(ReasonCodes.MALFORMED_PACKET, why);
        }
        // MQTT 3.1.1: close without CONNACK
        c.close();
        throw new Closed(why);
    }

    /** Thrown after the connection was closed without a CONNACK; caught by nobody but the dispatcher. */
    static final class Closed extends RuntimeException {
        Closed(String why) {
            super(why, null, false, false);
        }
    }

    private static MqttProperties connackProperties(
            ProtocolSettings s,
            String assignedId,
            Long expiry,
            Integer serverKeepAlive,
            int receiveMaximum,
            int topicAliases) {
        MqttProperties p = new MqttProperties();
        if (assignedId != null) {
            p.add(new MqttProperties.StringProperty(MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER.value(), assignedId));
        }
        if (expiry != null) {
            p.add(new MqttProperties.IntegerProperty(
                    MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), expiry < 0 ? -1 : (int) (long) expiry));
        }
        if (serverKeepAlive != null) {
            p.add(new MqttProperties.IntegerProperty(MqttPropertyType.SERVER_KEEP_ALIVE.value(), serverKeepAlive));
        }
        if (receiveMaximum != 65535) {
            p.add(new MqttProperties.IntegerProperty(MqttPropertyType.RECEIVE_MAXIMUM.value(), receiveMaximum));
        }
        if (s.maxQos() < 2) {
            p.add(new MqttProperties.IntegerProperty(MqttPropertyType.MAXIMUM_QOS.value(), s.maxQos()));
        }
        if (!s.retainAvailable()) {
            p.add(new MqttProperties.IntegerProperty(MqttPropertyType.RETAIN_AVAILABLE.value(), 0));
        }
        if (s.maxMessageSize() != ProtocolSettings.PROTOCOL_MAX_PACKET_SIZE) {
            p.add(new MqttProperties.IntegerProperty(
                    MqttPropertyType.MAXIMUM_PACKET_SIZE.value(), s.maxPacketSizeAnnounced()));
        }
        if (topicAliases > 0) {
            p.add(new MqttProperties.IntegerProperty(MqttPropertyType.TOPIC_ALIAS_MAXIMUM.value(), topicAliases));
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
