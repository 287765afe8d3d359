package io.hookline.api.hook;

import static io.hookline.api.hook.HookKind.AUTH;
import static io.hookline.api.hook.HookKind.NOTIFY;
import static io.hookline.api.hook.HookKind.REWRITE;

import io.hookline.api.hook.input.ClientEvent;
import io.hookline.api.hook.input.ConfigChange;
import io.hookline.api.hook.input.EnhancedAuthInput;
import io.hookline.api.hook.input.HookInput;
import io.hookline.api.hook.input.MessageDrop;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.hook.input.RegisterEvent;
import io.hookline.api.hook.input.RegisterInput;
import io.hookline.api.hook.input.SubscribeInput;
import io.hookline.api.hook.input.TopicsUnsubscribed;
import io.hookline.api.hook.input.UnsubscribeInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every hook of docs/hooks.md. The plain hooks are raised for MQTT 3.1/3.1.1 clients, the
 * {@code _m5} ones for MQTT 5 clients; both variants share the input record (MQTT 3 inputs have
 * empty properties), so one handler can serve both:
 *
 * <pre>{@code
 * for (Hook<PublishInput> h : Hooks.bothVersions(Hooks.AUTH_ON_PUBLISH)) {
 *     ctx.register(h, this::authorize);
 * }
 * }</pre>
 */
public final class Hooks {
    private static final List<Hook<?>> ALL = new ArrayList<>();

    private static final Set<Modifier<?>> REGISTER_MODS = Set.of(
            Modifier.CLIENT_ID,
            Modifier.MOUNTPOINT,
            Modifier.USERNAME,
            Modifier.CLEAN_SESSION,
            Modifier.MAX_MESSAGE_SIZE,
            Modifier.MAX_MESSAGE_RATE,
            Modifier.MAX_INFLIGHT_MESSAGES,
            Modifier.RETRY_INTERVAL,
            Modifier.UPGRADE_QOS,
            Modifier.MAX_ONLINE_MESSAGES,
            Modifier.MAX_OFFLINE_MESSAGES,
            Modifier.MAX_CONNECTION_LIFETIME,
            Modifier.SHARED_SUBSCRIPTION_POLICY,
            Modifier.PERMISSIONS);
    private static final Set<Modifier<?>> PUBLISH_MODS = Set.of(
            Modifier.TOPIC, Modifier.PAYLOAD, Modifier.QOS, Modifier.RETAIN, Modifier.MOUNTPOINT, Modifier.THROTTLE);

    public static final Hook<RegisterInput> AUTH_ON_REGISTER =
            hook("auth_on_register", AUTH, RegisterInput.class, REGISTER_MODS);
    public static final Hook<RegisterInput> AUTH_ON_REGISTER_M5 = hook(
            "auth_on_register_m5",
            AUTH,
            RegisterInput.class,
            plus(
                    REGISTER_MODS,
                    Modifier.SESSION_EXPIRY_INTERVAL,
                    Modifier.RECEIVE_MAX,
                    Modifier.TOPIC_ALIAS_MAX,
                    Modifier.PROPERTIES));
    public static final Hook<EnhancedAuthInput> ON_AUTH_M5 =
            hook("on_auth_m5", AUTH, EnhancedAuthInput.class, Set.of(Modifier.REASON_CODE, Modifier.PROPERTIES));
    public static final Hook<PublishInput> AUTH_ON_PUBLISH =
            hook("auth_on_publish", AUTH, PublishInput.class, PUBLISH_MODS);
    public static final Hook<PublishInput> AUTH_ON_PUBLISH_M5 =
            hook("auth_on_publish_m5", AUTH, PublishInput.class, plus(PUBLISH_MODS, Modifier.PROPERTIES));
    public static final Hook<SubscribeInput> AUTH_ON_SUBSCRIBE =
            hook("auth_on_subscribe", AUTH, SubscribeInput.class, Set.of(Modifier.TOPICS));
    public static final Hook<SubscribeInput> AUTH_ON_SUBSCRIBE_M5 =
            hook("auth_on_subscribe_m5", AUTH, SubscribeInput.class, Set.of(Modifier.TOPICS, Modifier.PROPERTIES));
    public static final Hook<UnsubscribeInput> ON_UNSUBSCRIBE =
            hook("on_unsubscribe", REWRITE, UnsubscribeInput.class, Set.of(Modifier.UNSUBSCRIBE_TOPICS));
    public static final Hook<UnsubscribeInput> ON_UNSUBSCRIBE_M5 = hook(
            "on_unsubscribe_m5",
            REWRITE,
            UnsubscribeInput.class,
            Set.of(Modifier.UNSUBSCRIBE_TOPICS, Modifier.PROPERTIES));
    public static final Hook<PublishInput> ON_DELIVER =
            hook("on_deliver", REWRITE, PublishInput.class, Set.of(Modifier.TOPIC, Modifier.PAYLOAD));
    public static final Hook<PublishInput> ON_DELIVER_M5 = hook(
            "on_deliver_m5",
            REWRITE,
            PublishInput.class,
            Set.of(Modifier.TOPIC, Modifier.PAYLOAD, Modifier.PROPERTIES));
    public static final Hook<RegisterEvent> ON_REGISTER = notify("on_register", RegisterEvent.class);
    public static final Hook<RegisterEvent> ON_REGISTER_M5 = notify("on_register_m5", RegisterEvent.class);
    public static final Hook<PublishInput> ON_PUBLISH = notify("on_publish", PublishInput.class);
    public static final Hook<PublishInput> ON_PUBLISH_M5 = notify("on_publish_m5", PublishInput.class);
    public static final Hook<SubscribeInput> ON_SUBSCRIBE = notify("on_subscribe", SubscribeInput.class);
    public static final Hook<SubscribeInput> ON_SUBSCRIBE_M5 = notify("on_subscribe_m5", SubscribeInput.class);
    public static final Hook<PublishInput> ON_OFFLINE_MESSAGE = notify("on_offline_message", PublishInput.class);
    public static final Hook<ClientEvent> ON_CLIENT_WAKEUP = notify("on_client_wakeup", ClientEvent.class);
    public static final Hook<ClientEvent> ON_CLIENT_OFFLINE = notify("on_client_offline", ClientEvent.class);
    public static final Hook<ClientEvent> ON_CLIENT_GONE = notify("on_client_gone", ClientEvent.class);
    public static final Hook<ClientEvent> ON_SESSION_EXPIRED = notify("on_session_expired", ClientEvent.class);
    public static final Hook<TopicsUnsubscribed> ON_TOPIC_UNSUBSCRIBED =
            notify("on_topic_unsubscribed", TopicsUnsubscribed.class);
    public static final Hook<MessageDrop> ON_MESSAGE_DROP = notify("on_message_drop", MessageDrop.class);
    public static final Hook<ConfigChange> ON_CONFIG_CHANGE = notify("on_config_change", ConfigChange.class);

    private static final List<Hook<?>> FROZEN = List.copyOf(ALL);
    private static final Map<String, Hook<?>> BY_NAME =
            FROZEN.stream().collect(Collectors.toUnmodifiableMap(Hook::name, Function.identity()));

    private Hooks() {}

    /** @return every hook, ordered by {@link Hook#id()} */
    public static List<Hook<?>> all() {
        return FROZEN;
    }

    /** @return the hook called {@code name} (e.g. from a webhook registration) */
    public static Optional<Hook<?>> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /**
     * @return the hook and its {@code _m5} twin, when it has one (both take the same input);
     *     the hook alone otherwise
     */
    @SuppressWarnings("unchecked")
    public static <I extends HookInput> List<Hook<I>> bothVersions(Hook<I> hook) {
        String base = hook.isMqtt5() ? hook.name().substring(0, hook.name().length() - 3) : hook.name();
        Hook<?> v3 = BY_NAME.get(base);
        Hook<?> v5 = BY_NAME.get(base + "_m5");
        if (v3 == null || v5 == null) {
            return List.of(hook);
        }
        return List.of((Hook<I>) v3, (Hook<I>) v5);
    }

    private static <I extends HookInput> Hook<I> hook(
            String name, HookKind kind, Class<I> type, Set<Modifier<?>> mods) {
        Hook<I> h = new Hook<>(ALL.size(), name, kind, type, mods);
        ALL.add(h);
        return h;
    }

    private static <I extends HookInput> Hook<I> notify(String name, Class<I> type) {
        return hook(name, NOTIFY, type, Set.of());
    }

    private static Set<Modifier<?>> plus(Set<Modifier<?>> base, Modifier<?>... more) {
        var s = new java.util.HashSet<Modifier<?>>(base);
        s.addAll(List.of(more));
        return Set.copyOf(s);
    }
}
