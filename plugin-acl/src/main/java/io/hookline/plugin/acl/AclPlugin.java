package io.hookline.plugin.acl;

import io.hookline.api.Cancellable;
import io.hookline.api.ConfigKey;
import io.hookline.api.Plugin;
import io.hookline.api.PluginContext;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.hook.input.RegisterInput;
import io.hookline.api.hook.input.SubscribeInput;
import io.hookline.api.metrics.Counter;
import io.hookline.api.mqtt.TopicSubscription;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The ACL plugin: a mosquitto_passwd/vmq-passwd password file, an ACL file (topic, user,
 * pattern, deny rules) and peer-address rules, re-read when they change. Nothing in the broker
 * knows it; it is enabled with {@code plugins.acl = on}.
 *
 * <ul>
 *   <li>{@code auth_on_register(_m5)}: a denied peer is refused (0x8A banned / CONNACK 5) even
 *       with good credentials; an allowed peer without credentials is let in when
 *       {@code acl.peer_allow_anonymous = on}; a known user with the right password is
 *       allowed; a wrong password, an unknown user or a password without a user name is refused as
 *       bad credentials (4 / 0x86) whatever {@code allow_anonymous} says: anonymous means no
 *       credentials. Without a password file, credentials are {@code next}.</li>
 *   <li>{@code auth_on_publish(_m5)}: write rules; a deny rule refuses; no rule is {@code next}.</li>
 *   <li>{@code auth_on_subscribe(_m5)}: read rules per filter; when no filter matches any rule
 *       the answer is {@code next}, otherwise each filter is granted or refused on its own. A
 *       filter is refused only when a deny rule covers it; one that overlaps a deny rule
 *       ({@code #} over {@code topic deny a/secret}) is granted.</li>
 *   <li>a read check ({@link io.hookline.api.auth.ReadCheck}), installed while the ACL file has
 *       deny rules: a message on a denied topic is not delivered to that subscriber (dropped
 *       silently, as in Mosquitto), answers cached per user and topic ({@link ReadCache}).</li>
 * </ul>
 * An empty {@code acl.password_file} or {@code acl.acl_file} turns that part off.
 *
 * <p>Thread-safe: handlers run on many event loops and read the current immutable rule
 * snapshots ({@link WatchedFile#current()}); reloads run on the plugin's scheduler and swap
 * whole snapshots. The read check is installed before a snapshot with deny rules is swapped in
 * and removed after one without is (under {@code this}), so granted subscriptions that overlap
 * a deny rule are never served unchecked.
 */
public final class AclPlugin implements Plugin {
    public static final ConfigKey<String> PASSWORD_FILE = ConfigKey.string(
            "acl.password_file", "conf/passwd", "mosquitto_passwd or vmq-passwd file; empty = no password checks");
    public static final ConfigKey<String> ACL_FILE = ConfigKey.string(
            "acl.acl_file", "conf/acl.conf", "ACL file (topic/user/pattern/peer lines); empty = no topic rules");
    public static final ConfigKey<Duration> RELOAD_INTERVAL = ConfigKey.duration(
                    "acl.reload_interval",
                    Duration.ofSeconds(10),
                    "how often the files are checked for changes (seconds, or 500ms, 1m)")
            .live();
    public static final ConfigKey<Boolean> PEER_ALLOW_ANONYMOUS = ConfigKey.flag(
            "acl.peer_allow_anonymous", false, "let clients from 'peer allow' addresses in without credentials");

    private volatile WatchedFile<PasswordFile> passwords;
    private volatile WatchedFile<AclRules> acl;
    private Counter reloads;
    private Counter reloadFailures;
    private Cancellable reloadTask; // guarded by this
    private PluginContext context; // set at start
    private Cancellable readCheck; // guarded by this: installed while the rules have deny lines
    private volatile ReadCache readCache; // for one rules snapshot; replaced when the snapshot changes

    @Override
    public String name() {
        return "acl";
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(PASSWORD_FILE, ACL_FILE, RELOAD_INTERVAL, PEER_ALLOW_ANONYMOUS);
    }

    @Override
    public void start(PluginContext ctx) {
        System.Logger log = ctx.logger();
        String pw = ctx.config().get(PASSWORD_FILE).strip();
        String aclFile = ctx.config().get(ACL_FILE).strip();
        boolean peerAnonymous = ctx.config().get(PEER_ALLOW_ANONYMOUS);
        synchronized (this) {
            context = ctx;
            readCheck = null; // a restart: the broker removed the last one when the plugin stopped
            readCache = null;
        }
        passwords = pw.isEmpty() ? null : new WatchedFile<>(Path.of(pw), PasswordFile::parse, PasswordFile.EMPTY, log);
        acl = aclFile.isEmpty() ? null : new WatchedFile<>(Path.of(aclFile), this::parseAcl, AclRules.EMPTY, log);
        reloads = ctx.metrics().counter("reloads");
        reloadFailures = ctx.metrics().counter("reload_failures");
        ctx.metrics()
                .gauge(
                        "users",
                        () -> passwords == null ? 0 : passwords.current().size());
        ctx.metrics().gauge("rules", () -> acl == null ? 0 : acl.current().size());
        ctx.metrics().gauge("read_cache_entries", () -> {
            ReadCache c = readCache;
            return c == null ? 0 : c.size();
        });
        reload();

        // password hashing (PBKDF2) is CPU work: keep it off the event loops
        HandlerOptions blocking = HandlerOptions.DEFAULT.blocking();
        for (Hook<RegisterInput> h : Hooks.bothVersions(Hooks.AUTH_ON_REGISTER)) {
            ctx.register(h, blocking, in -> onRegister(in, peerAnonymous));
        }
        if (acl != null) {
            for (Hook<PublishInput> h : Hooks.bothVersions(Hooks.AUTH_ON_PUBLISH)) {
                ctx.register(h, this::onPublish);
            }
            ctx.register(Hooks.AUTH_ON_SUBSCRIBE, in -> onSubscribe(in, TopicSubscription.REFUSED));
            ctx.register(Hooks.AUTH_ON_SUBSCRIBE_M5, in -> onSubscribe(in, 0x87));
        }
        schedule(ctx, ctx.config().get(RELOAD_INTERVAL));
        AclCommands.register(ctx.commands(), this, pw.isEmpty() ? null : Path.of(pw));
        ctx.notifications(Hooks.ON_CONFIG_CHANGE, change -> {
            String value = change.changed().get(RELOAD_INTERVAL.name());
            if (value != null) {
                try {
                    schedule(ctx, RELOAD_INTERVAL.parse(value));
                } catch (IllegalArgumentException e) {
                    log.log(System.Logger.Level.ERROR, e.getMessage() + "; keeping the current interval");
                }
            }
        });
    }

    private synchronized void schedule(PluginContext ctx, Duration every) {
        if (reloadTask != null) {
            reloadTask.cancel();
        }
        reloadTask = ctx.scheduler().scheduleAtFixedRate(every, every, () -> reload(false));
    }

    /**
     * Re-reads both files now (also what {@code admin acl reload} should call); a broken file
     * keeps the last good rules.
     *
     * @return true when both files as they are now are in force (loaded and valid, or unchanged
     *     since they were): a file a periodic reload found broken stays a failure until fixed
     */
    public boolean reload() {
        return reload(true) && problems().isEmpty();
    }

    /** Why each file as it is on disk now is not in force (file:line: problem); empty when both are. */
    public List<String> problems() {
        List<String> out = new java.util.ArrayList<>();
        for (WatchedFile<?> f : new WatchedFile<?>[] {passwords, acl}) {
            if (f != null && f.problem() != null) {
                out.add(f.problem());
            }
        }
        return out;
    }

    private boolean reload(boolean force) {
        if (reloads == null) {
            throw new IllegalStateException("the acl plugin is not started");
        }
        boolean ok = true;
        for (WatchedFile<?> f : new WatchedFile<?>[] {passwords, acl}) {
            if (f == null) {
                continue;
            }
            switch (f.reload(force)) {
                case LOADED -> reloads.increment();
                case FAILED -> {
                    reloadFailures.increment();
                    ok = false;
                }
                default -> {}
            }
        }
        if (acl != null) {
            removeReadCheckUnlessDenyRules();
        }
        return ok;
    }

    // called by the acl file's reload with a parse that is about to be swapped in: a check for its
    // deny rules must be in place before a subscription can be granted under them
    private AclRules parseAcl(Path file, List<String> lines) throws FileFormatException {
        AclRules rules = AclRules.parse(file, lines);
        if (rules.hasDenyRules()) {
            installReadCheck();
        }
        return rules;
    }

    private synchronized void installReadCheck() {
        if (readCheck == null) {
            readCheck = context.registerReadCheck(this::mayRead);
        }
    }

    // after a swap: rules without deny lines need no per-delivery check, which then costs nothing
    private synchronized void removeReadCheckUnlessDenyRules() {
        if (readCheck != null && !acl.current().hasDenyRules()) {
            readCheck.cancel();
            readCheck = null;
            readCache = null;
        }
    }

    /** The read check: may {@code client} receive {@code topic}? Deny rules only, cached per snapshot. */
    boolean mayRead(Client client, String topic) {
        AclRules now = acl.current();
        ReadCache cache = readCache;
        if (cache == null || cache.rules() != now) {
            cache = new ReadCache(now); // the rules changed (or first use): no answer outlives its rules
            readCache = cache;
        }
        return cache.mayRead(client, topic);
    }

    private Answer onRegister(RegisterInput in, boolean peerAnonymous) {
        AclRules rules = acl == null ? AclRules.EMPTY : acl.current();
        AclRules.Decision peer = rules.peer(in.peerAddr());
        if (peer == AclRules.Decision.DENY) {
            return Answer.error("peer_denied", 0x8A);
        }
        String user = in.client().username();
        if (user == null && in.password() == null) {
            return peer == AclRules.Decision.ALLOW && peerAnonymous ? Answer.ok() : Answer.next();
        }
        if (passwords == null) {
            return Answer.next();
        }
        if (user == null) {
            return Answer.badCredentials(); // a password alone vouches for nobody
        }
        // the password file is the authority on user names: an unknown user gets the same answer
        // as a wrong password (no user enumeration), never the allow_anonymous fallback
        return switch (passwords
                .current()
                .check(user, in.password() == null ? null : in.password().toArray())) {
            case MATCH -> Answer.ok();
            case MISMATCH, UNKNOWN_USER -> Answer.badCredentials();
        };
    }

    private Answer onPublish(PublishInput in) {
        return switch (acl.current().check(in.client(), AclRules.Access.WRITE, in.topic())) {
            case ALLOW -> Answer.ok();
            case DENY -> Answer.error("acl_denied");
            case NO_MATCH -> Answer.next();
        };
    }

    private Answer onSubscribe(SubscribeInput in, int refusal) {
        AclRules rules = acl.current();
        List<TopicSubscription> out = new ArrayList<>(in.topics().size());
        boolean anyMatch = false;
        for (TopicSubscription t : in.topics()) {
            AclRules.Decision d = rules.check(in.client(), AclRules.Access.READ, t.topic());
            anyMatch |= d != AclRules.Decision.NO_MATCH;
            out.add(d == AclRules.Decision.ALLOW ? t : t.withQos(refusal));
        }
        return anyMatch ? Answer.ok(Modifiers.of(Modifier.TOPICS, out)) : Answer.next();
    }
}
