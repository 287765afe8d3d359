package io.hookline.broker.hooks;

import io.hookline.api.auth.SessionPermissions;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.HookKind;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.EnhancedAuthInput;
import io.hookline.api.hook.input.HookInput;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.hook.input.RegisterInput;
import io.hookline.api.hook.input.SubscribeInput;
import io.hookline.api.hook.input.UnsubscribeInput;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.TopicSubscription;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The facade the protocol core calls at each point of the message flow (see README.md next to
 * this class). Each method picks the plain or {@code _m5} hook from the client's protocol
 * version, applies session permissions, runs the chain and maps the outcome to a verdict the
 * protocol turns into CONNACK/PUBACK/SUBACK/DISCONNECT codes.
 *
 * <p>Threading: call from the client's event loop and pass that event loop as {@code caller}.
 * Inline handlers run on the calling thread; whenever a handler ran elsewhere the verdict is
 * completed on {@code caller}. The returned stages never complete exceptionally, unless the
 * caller cancels one it may cancel (the registration hooks, when the client goes away). When nothing
 * is installed the answer is a shared, already completed {@link CompletableFuture}
 * ({@code stage.toCompletableFuture()} returns it without copying), and the {@code wants...}
 * guards let the protocol skip building the input at all: no allocation on the fast path.
 *
 * <p>Thread-safe; one instance per broker.
 */
public final class HookGateway {
    private static final CompletableFuture<PublishVerdict> PUBLISH_ALLOWED = done(PublishVerdict.ALLOWED);
    private static final PublishVerdict.Denied NOT_PERMITTED =
            new PublishVerdict.Denied(Answer.Error.NOT_AUTHORIZED, 0x87, Properties.EMPTY);
    private static final CompletableFuture<PublishVerdict> PUBLISH_NOT_PERMITTED = done(NOT_PERMITTED);
    private static final CompletableFuture<SubscribeVerdict> SUBSCRIBE_AS_REQUESTED =
            done(SubscribeVerdict.AS_REQUESTED);
    private static final CompletableFuture<DeliverRewrite> DELIVER_UNCHANGED = done(DeliverRewrite.UNCHANGED);
    private static final CompletableFuture<UnsubscribeRewrite> UNSUBSCRIBE_UNCHANGED =
            done(UnsubscribeRewrite.UNCHANGED);
    private static final int V5_NOT_AUTHORIZED = 0x87;

    private final HookEngine engine;
    private final ReadChecks readChecks = new ReadChecks();
    // key: mountpoint NUL client id; the latest connection of a client wins (takeover)
    private final Map<String, HookSession> sessions = new ConcurrentHashMap<>();

    public HookGateway(HookEngine engine) {
        this.engine = Objects.requireNonNull(engine);
    }

    public HookEngine engine() {
        return engine;
    }

    /** The plugins' read checks, asked per routed delivery (see {@link ReadChecks}). */
    public ReadChecks readChecks() {
        return readChecks;
    }

    // ---- CONNECT -------------------------------------------------------------------------

    /**
     * {@code auth_on_register(_m5)}. Always runs the chain (also with allow_anonymous on);
     * undecided means {@code allowAnonymous}. When the client goes away before the verdict,
     * cancel the returned stage ({@code toCompletableFuture().cancel(false)}): the chain stops
     * and the handler waited for is cancelled; the stage then completes with a
     * {@link java.util.concurrent.CancellationException}.
     *
     * @param allowAnonymous the listener's effective {@code allow_anonymous}
     */
    public CompletionStage<RegisterVerdict> authOnRegister(RegisterInput in, boolean allowAnonymous, Executor caller) {
        Hook<RegisterInput> hook = in.client().version().isMqtt5() ? Hooks.AUTH_ON_REGISTER_M5 : Hooks.AUTH_ON_REGISTER;
        if (engine.isEmpty(hook)) {
            return done(undecidedRegister(in, allowAnonymous));
        }
        return ask(hook, in, caller, false, true, o -> switch (o.status()) {
            case ALLOWED -> accepted(in.client(), o.modifiers());
            case DENIED -> RegisterVerdict.refusal(o.error());
            case UNDECIDED -> undecidedRegister(in, allowAnonymous);
        });
    }

    /**
     * {@code on_auth_m5}: one step of MQTT 5 enhanced authentication (CONNECT with an
     * authentication method, then each AUTH packet). No handler, or all {@code next}: 0x8C.
     * Cancellable like {@link #authOnRegister}.
     */
    public CompletionStage<EnhancedAuthVerdict> onAuthM5(EnhancedAuthInput in, Executor caller) {
        if (engine.isEmpty(Hooks.ON_AUTH_M5)) {
            return done(badMethod(in));
        }
        return ask(Hooks.ON_AUTH_M5, in, caller, false, true, o -> switch (o.status()) {
            case ALLOWED ->
                o.modifiers().get(Modifier.REASON_CODE).orElse(0) == 0x18
                        ? new EnhancedAuthVerdict.Continue(
                                o.modifiers().get(Modifier.PROPERTIES).orElse(Properties.EMPTY))
                        : new EnhancedAuthVerdict.Success(o.modifiers());
            case DENIED ->
                new EnhancedAuthVerdict.Failed(
                        o.error().reason(),
                        o.error().reasonCode().orElse(V5_NOT_AUTHORIZED),
                        o.error().properties());
            case UNDECIDED -> badMethod(in);
        });
    }

    /**
     * Registers an accepted connection (after CONNACK is decided) so plugins can reach its
     * permissions; replaces an older connection of the same client (takeover).
     */
    public HookSession openSession(RegisterVerdict.Accepted accepted) {
        HookSession s = new HookSession(accepted.client(), accepted.permissions());
        sessions.put(s.key(), s);
        return s;
    }

    /** Forgets a closed connection (no-op when a newer connection of the client took over). */
    public void closeSession(HookSession session) {
        sessions.remove(session.key(), session);
    }

    /** @return the live hook session of a client */
    public Optional<HookSession> session(String mountpoint, String clientId) {
        return Optional.ofNullable(sessions.get(HookSession.key(mountpoint, clientId)));
    }

    /**
     * Replaces (or with null drops) the permissions of a connected client without a reconnect.
     *
     * @return false when the client is not connected
     */
    public boolean setPermissions(String mountpoint, String clientId, SessionPermissions permissions) {
        HookSession s = sessions.get(HookSession.key(mountpoint, clientId));
        if (s == null) {
            return false;
        }
        s.permissions(permissions);
        return true;
    }

    // ---- PUBLISH -------------------------------------------------------------------------

    /** @return false when {@link #authOnPublish} would allow at once: skip building the input */
    public boolean wantsAuthOnPublish(HookSession s) {
        return s.permissions() != null || !engine.isEmpty(s.pick(Hooks.AUTH_ON_PUBLISH, Hooks.AUTH_ON_PUBLISH_M5));
    }

    /**
     * {@code auth_on_publish(_m5)} for a PUBLISH or the will. Session permissions first; then
     * the chain. Undecided: allowed only when nothing at all decides authorization. Cancellable
     * like {@link #authOnRegister} (the will's call at CONNECT is, when the client goes away).
     */
    public CompletionStage<PublishVerdict> authOnPublish(HookSession s, PublishInput in, Executor caller) {
        Hook<PublishInput> hook = s.pick(Hooks.AUTH_ON_PUBLISH, Hooks.AUTH_ON_PUBLISH_M5);
        SessionPermissions p = s.permissions();
        if (p != null) {
            switch (PermissionCheck.publish(p, s.client(), in.topic(), in.qos(), in.retain())) {
                case ALLOW:
                    return PUBLISH_ALLOWED;
                case DENY:
                    return PUBLISH_NOT_PERMITTED;
                default:
                    break;
            }
        }
        if (engine.isEmpty(hook)) {
            return p != null ? PUBLISH_NOT_PERMITTED : PUBLISH_ALLOWED;
        }
        return ask(hook, in, caller, p != null, true, o -> switch (o.status()) {
            case ALLOWED ->
                o.modifiers().isEmpty() ? PublishVerdict.ALLOWED : new PublishVerdict.Allowed(o.modifiers());
            case DENIED ->
                new PublishVerdict.Denied(
                        o.error().reason(),
                        o.error().reasonCode().orElse(V5_NOT_AUTHORIZED),
                        o.error().properties());
            case UNDECIDED -> o.anyHandler() ? NOT_PERMITTED : PublishVerdict.ALLOWED;
        });
    }

    // ---- SUBSCRIBE / UNSUBSCRIBE ---------------------------------------------------------

    /** @return false when {@link #authOnSubscribe} would grant as requested at once */
    public boolean wantsAuthOnSubscribe(HookSession s) {
        return s.permissions() != null || !engine.isEmpty(s.pick(Hooks.AUTH_ON_SUBSCRIBE, Hooks.AUTH_ON_SUBSCRIBE_M5));
    }

    /**
     * {@code auth_on_subscribe(_m5)}: a verdict per filter. Filters covered by the session
     * permissions are granted (QoS capped) without asking; the chain is asked about the rest.
     */
    public CompletionStage<SubscribeVerdict> authOnSubscribe(HookSession s, SubscribeInput in, Executor caller) {
        Hook<SubscribeInput> hook = s.pick(Hooks.AUTH_ON_SUBSCRIBE, Hooks.AUTH_ON_SUBSCRIBE_M5);
        SessionPermissions p = s.permissions();
        if (p == null) {
            if (engine.isEmpty(hook)) {
                return SUBSCRIBE_AS_REQUESTED;
            }
            return ask(hook, in, caller, false, false, o -> subscribeVerdict(s, o, in.topics()));
        }
        List<TopicSubscription> requested = in.topics();
        TopicSubscription[] result = new TopicSubscription[requested.size()];
        List<Integer> askAt = new ArrayList<>();
        List<TopicSubscription> ask = new ArrayList<>();
        for (int i = 0; i < result.length; i++) {
            TopicSubscription t = requested.get(i);
            int granted = PermissionCheck.subscribe(p, s.client(), t.topic(), t.qos());
            if (granted == PermissionCheck.NO_MATCH) {
                askAt.add(i);
                ask.add(t);
            } else {
                result[i] = t.withQos(granted);
            }
        }
        if (ask.isEmpty() || engine.isEmpty(hook)) {
            for (int i : askAt) {
                result[i] = requested.get(i).withQos(refusalCode(s, null));
            }
            return done(new SubscribeVerdict.Decided(Arrays.asList(result)));
        }
        SubscribeInput rest = new SubscribeInput(in.client(), ask, in.properties());
        return ask(hook, rest, caller, true, false, o -> {
            SubscribeVerdict v = subscribeVerdict(s, o, ask);
            List<TopicSubscription> decided = v instanceof SubscribeVerdict.Decided d ? d.topics() : ask;
            for (int j = 0; j < askAt.size(); j++) {
                result[askAt.get(j)] = decided.get(j);
            }
            return new SubscribeVerdict.Decided(Arrays.asList(result));
        });
    }

    /** @return false when {@link #onUnsubscribe} would leave the list unchanged at once */
    public boolean wantsOnUnsubscribe(HookSession s) {
        return !engine.isEmpty(s.pick(Hooks.ON_UNSUBSCRIBE, Hooks.ON_UNSUBSCRIBE_M5));
    }

    /** {@code on_unsubscribe(_m5)}: may rewrite the filter list; never refuses. */
    public CompletionStage<UnsubscribeRewrite> onUnsubscribe(HookSession s, UnsubscribeInput in, Executor caller) {
        Hook<UnsubscribeInput> hook = s.pick(Hooks.ON_UNSUBSCRIBE, Hooks.ON_UNSUBSCRIBE_M5);
        if (engine.isEmpty(hook)) {
            return UNSUBSCRIBE_UNCHANGED;
        }
        return ask(
                hook,
                in,
                caller,
                false,
                false,
                o -> o.status() == ChainOutcome.Status.ALLOWED
                        ? o.modifiers()
                                .get(Modifier.UNSUBSCRIBE_TOPICS)
                                .<UnsubscribeRewrite>map(UnsubscribeRewrite.Rewritten::new)
                                .orElse(UnsubscribeRewrite.UNCHANGED)
                        : UnsubscribeRewrite.UNCHANGED);
    }

    // ---- DELIVER -------------------------------------------------------------------------

    /** @return false when {@link #onDeliver} would deliver unchanged at once */
    public boolean wantsOnDeliver(HookSession receiver) {
        return !engine.isEmpty(receiver.pick(Hooks.ON_DELIVER, Hooks.ON_DELIVER_M5));
    }

    /**
     * {@code on_deliver(_m5)} for one outgoing PUBLISH to {@code receiver} ({@code in.client()}
     * is the receiver). Call on the receiver's event loop; never refuses.
     */
    public CompletionStage<DeliverRewrite> onDeliver(HookSession receiver, PublishInput in, Executor caller) {
        Hook<PublishInput> hook = receiver.pick(Hooks.ON_DELIVER, Hooks.ON_DELIVER_M5);
        if (engine.isEmpty(hook)) {
            return DELIVER_UNCHANGED;
        }
        return ask(
                hook,
                in,
                caller,
                false,
                false,
                o -> o.status() == ChainOutcome.Status.ALLOWED && !o.modifiers().isEmpty()
                        ? new DeliverRewrite.Rewritten(o.modifiers())
                        : DeliverRewrite.UNCHANGED);
    }

    // ---- NOTIFY --------------------------------------------------------------------------

    /** @return true when {@code hook} has handlers: build the input only then */
    public boolean wants(Hook<?> hook) {
        return !engine.isEmpty(hook);
    }

    /**
     * Tells a NOTIFY hook (on_register, on_publish, on_subscribe, on_client_wakeup, ...).
     * Returns at once after running the non-blocking handlers inline; never fails.
     */
    public <I extends HookInput> void notify(Hook<I> hook, I input) {
        if (hook.kind() != HookKind.NOTIFY) {
            throw new IllegalArgumentException(hook.name() + " is not a NOTIFY hook");
        }
        if (!engine.isEmpty(hook)) {
            engine.notify(hook, input);
        }
    }

    // ---- mapping -------------------------------------------------------------------------

    private SubscribeVerdict subscribeVerdict(HookSession s, ChainOutcome o, List<TopicSubscription> requested) {
        switch (o.status()) {
            case ALLOWED:
                return o.modifiers()
                        .get(Modifier.TOPICS)
                        .<SubscribeVerdict>map(SubscribeVerdict.Decided::new)
                        .orElse(SubscribeVerdict.AS_REQUESTED);
            case DENIED:
                return refuseAll(requested, refusalCode(s, o.error()));
            case UNDECIDED:
            default:
                return o.anyHandler() ? refuseAll(requested, refusalCode(s, null)) : SubscribeVerdict.AS_REQUESTED;
        }
    }

    private static SubscribeVerdict refuseAll(List<TopicSubscription> requested, int code) {
        List<TopicSubscription> out = new ArrayList<>(requested.size());
        for (TopicSubscription t : requested) {
            out.add(t.withQos(code));
        }
        return new SubscribeVerdict.Decided(out);
    }

    private static int refusalCode(HookSession s, Answer.Error error) {
        if (!s.isMqtt5()) {
            return TopicSubscription.REFUSED;
        }
        return error == null ? V5_NOT_AUTHORIZED : error.reasonCode().orElse(V5_NOT_AUTHORIZED);
    }

    private static RegisterVerdict undecidedRegister(RegisterInput in, boolean allowAnonymous) {
        return allowAnonymous
                ? new RegisterVerdict.Accepted(in.client(), Modifiers.NONE, null)
                : new RegisterVerdict.Refused(
                        Answer.Error.NOT_AUTHORIZED,
                        RegisterVerdict.V3_NOT_AUTHORIZED,
                        RegisterVerdict.V5_NOT_AUTHORIZED,
                        Properties.EMPTY);
    }

    private static RegisterVerdict.Accepted accepted(Client c, Modifiers m) {
        Client client = new Client(
                m.get(Modifier.MOUNTPOINT).orElse(c.mountpoint()),
                m.get(Modifier.CLIENT_ID).orElse(c.clientId()),
                m.get(Modifier.USERNAME).orElse(c.username()),
                c.version());
        return new RegisterVerdict.Accepted(
                client, m, m.get(Modifier.PERMISSIONS).orElse(null));
    }

    private static EnhancedAuthVerdict badMethod(EnhancedAuthInput in) {
        return new EnhancedAuthVerdict.Failed(
                "no handler accepts authentication method " + in.authMethod(),
                EnhancedAuthVerdict.BAD_AUTHENTICATION_METHOD,
                Properties.EMPTY);
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    /**
     * Runs {@code hook}'s chain and maps its outcome to a verdict. When every handler answers
     * inline the chain runs right here without a run object or a future, and the verdict is
     * produced at once (the common answers are shared, already completed constants).
     *
     * @param cancellable whether cancelling the verdict must stop the run (see {@link #mapCancellable})
     */
    private <I extends HookInput, V> CompletionStage<V> ask(
            Hook<I> hook,
            I in,
            Executor caller,
            boolean countsAsHandler,
            boolean cancellable,
            Function<ChainOutcome, V> f) {
        ChainOutcome now = engine.runInline(hook, in, countsAsHandler);
        if (now != null) {
            return shared(f.apply(now));
        }
        CompletableFuture<ChainOutcome> run = engine.run(hook, in, caller, countsAsHandler);
        return cancellable ? mapCancellable(run, f) : map(run, f);
    }

    /**
     * Maps a chain outcome to a verdict; when every handler answered inline the verdict is
     * produced right here (the common answers are shared constants), with no dependent stage.
     */
    private static <V> CompletionStage<V> map(CompletableFuture<ChainOutcome> run, Function<ChainOutcome, V> f) {
        if (!run.isDone()) {
            return run.thenApply(f);
        }
        return shared(f.apply(run.join()));
    }

    /**
     * {@link #map}, and cancelling the verdict cancels the run (a bare {@code thenApply} stage
     * would only cancel itself). The fast path is the same: a decided run makes no stage.
     */
    private static <V> CompletionStage<V> mapCancellable(
            CompletableFuture<ChainOutcome> run, Function<ChainOutcome, V> f) {
        if (run.isDone()) {
            return shared(f.apply(run.join()));
        }
        CompletableFuture<V> verdict = run.thenApply(f);
        verdict.whenComplete((v, t) -> {
            if (verdict.isCancelled()) {
                run.cancel(false);
            }
        });
        return verdict;
    }

    @SuppressWarnings("unchecked")
    private static <V> CompletableFuture<V> shared(V verdict) {
        Object v = verdict;
        if (v == PublishVerdict.ALLOWED) {
            return (CompletableFuture<V>) PUBLISH_ALLOWED;
        }
        if (v == NOT_PERMITTED) {
            return (CompletableFuture<V>) PUBLISH_NOT_PERMITTED;
        }
        if (v == SubscribeVerdict.AS_REQUESTED) {
            return (CompletableFuture<V>) SUBSCRIBE_AS_REQUESTED;
        }
        if (v == DeliverRewrite.UNCHANGED) {
            return (CompletableFuture<V>) DELIVER_UNCHANGED;
        }
        if (v == UnsubscribeRewrite.UNCHANGED) {
            return (CompletableFuture<V>) UNSUBSCRIBE_UNCHANGED;
        }
        return CompletableFuture.completedFuture(verdict);
    }
}
