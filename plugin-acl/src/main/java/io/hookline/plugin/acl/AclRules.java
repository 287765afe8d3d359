package io.hookline.plugin.acl;

import io.hookline.api.hook.input.Client;
import io.hookline.api.mqtt.Topics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rules of an ACL file, mosquitto/VerneMQ syntax plus deny and peer rules:
 *
 * <pre>
 * # comment
 * topic [read|write|readwrite|deny] FILTER     before any "user" line: for everyone
 * user NAME                                      following "topic" lines: for NAME only
 * pattern [read|write|readwrite|deny] FILTER   for everyone, with %u %c %m substituted
 * peer allow|deny ADDRESS[/PREFIX]               peer-address rules (anywhere in the file)
 * </pre>
 *
 * Access defaults to readwrite. A matching deny rule wins over any allow rule; no matching
 * rule means "no opinion" (the chain asks the next handler). A subscription filter is allowed
 * when a read rule covers it, and refused only when a deny rule covers it (it could receive
 * nothing else); a filter that merely overlaps a deny rule ({@code #} over {@code topic deny
 * a/secret}) is allowed, and {@link #readDenied} keeps the denied topics from its subscriber at
 * delivery, as Mosquitto does. Immutable.
 */
final class AclRules {
    static final AclRules EMPTY = new AclRules(List.of(), Map.of(), List.of(), List.of(), List.of());

    /** What a client asks to do. */
    enum Access {
        READ,
        WRITE
    }

    /** The rules' answer. */
    enum Decision {
        ALLOW,
        DENY,
        NO_MATCH
    }

    private record Rule(String filter, boolean read, boolean write, boolean deny) {}

    private final List<Rule> everyone;
    private final Map<String, List<Rule>> byUser;
    private final List<Rule> patterns;
    private final List<AddressRange> peerAllow;
    private final List<AddressRange> peerDeny;
    // the deny rules alone, for the per-delivery check
    private final List<Rule> everyoneDeny;
    private final Map<String, List<Rule>> byUserDeny;
    private final List<Rule> patternDeny;

    private AclRules(
            List<Rule> everyone,
            Map<String, List<Rule>> byUser,
            List<Rule> patterns,
            List<AddressRange> peerAllow,
            List<AddressRange> peerDeny) {
        this.everyone = everyone;
        this.byUser = byUser;
        this.patterns = patterns;
        this.peerAllow = peerAllow;
        this.peerDeny = peerDeny;
        this.everyoneDeny = denyOnly(everyone);
        Map<String, List<Rule>> userDeny = new HashMap<>();
        byUser.forEach((u, rules) -> {
            List<Rule> d = denyOnly(rules);
            if (!d.isEmpty()) {
                userDeny.put(u, d);
            }
        });
        this.byUserDeny = Map.copyOf(userDeny);
        this.patternDeny = denyOnly(patterns);
    }

    private static List<Rule> denyOnly(List<Rule> rules) {
        return rules.stream().filter(Rule::deny).toList();
    }

    static AclRules parse(Path file, List<String> lines) throws FileFormatException {
        List<Rule> everyone = new ArrayList<>();
        Map<String, List<Rule>> byUser = new HashMap<>();
        List<Rule> patterns = new ArrayList<>();
        List<AddressRange> allow = new ArrayList<>();
        List<AddressRange> deny = new ArrayList<>();
        List<Rule> current = everyone;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int sp = firstSpace(line);
            String keyword = sp < 0 ? line : line.substring(0, sp);
            String rest = sp < 0 ? "" : line.substring(sp + 1).strip();
            switch (keyword) {
                case "user" -> {
                    if (rest.isEmpty()) {
                        throw new FileFormatException(file, i + 1, "'user' needs a name");
                    }
                    current = byUser.computeIfAbsent(rest, u -> new ArrayList<>());
                }
                case "topic" -> current.add(rule(file, i + 1, rest, false));
                case "pattern" -> patterns.add(rule(file, i + 1, rest, true));
                case "peer" -> {
                    int s2 = firstSpace(rest);
                    String verb = s2 < 0 ? rest : rest.substring(0, s2);
                    String addr = s2 < 0 ? "" : rest.substring(s2 + 1).strip();
                    try {
                        switch (verb) {
                            case "allow" -> allow.add(AddressRange.parse(addr));
                            case "deny" -> deny.add(AddressRange.parse(addr));
                            default -> throw new FileFormatException(file, i + 1, "expected 'peer allow|deny ADDRESS'");
                        }
                    } catch (IllegalArgumentException e) {
                        throw new FileFormatException(file, i + 1, e.getMessage());
                    }
                }
                default ->
                    throw new FileFormatException(
                            file, i + 1, "unknown keyword '" + keyword + "' (expected topic, user, pattern or peer)");
            }
        }
        Map<String, List<Rule>> users = new HashMap<>();
        byUser.forEach((u, rules) -> users.put(u, List.copyOf(rules)));
        return new AclRules(
                List.copyOf(everyone), Map.copyOf(users), List.copyOf(patterns), List.copyOf(allow), List.copyOf(deny));
    }

    private static Rule rule(Path file, int line, String rest, boolean pattern) throws FileFormatException {
        int sp = firstSpace(rest);
        String first = sp < 0 ? rest : rest.substring(0, sp);
        String access = first.toLowerCase(Locale.ROOT);
        String filter = rest;
        boolean read = true;
        boolean write = true;
        boolean deny = false;
        if (sp > 0
                && (access.equals("read")
                        || access.equals("write")
                        || access.equals("readwrite")
                        || access.equals("deny"))) {
            filter = rest.substring(sp + 1).strip();
            read = !access.equals("write");
            write = !access.equals("read");
            deny = access.equals("deny");
        }
        String check = pattern ? filter.replace("%u", "u").replace("%c", "c").replace("%m", "m") : filter;
        if (!Topics.isValidFilter(check)) {
            throw new FileFormatException(file, line, "not a valid topic filter: '" + filter + "'");
        }
        return new Rule(filter, read, write, deny);
    }

    private static int firstSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /**
     * @param topicOrFilter a topic name (WRITE) or a subscription filter (READ)
     */
    Decision check(Client client, Access access, String topicOrFilter) {
        // asked for every PUBLISH: indexed loops over the lists, no list or iterator made per call
        Decision d = scan(everyone, access, topicOrFilter);
        if (d == Decision.DENY) {
            return d;
        }
        boolean allowed = d == Decision.ALLOW;
        List<Rule> own = client.username() == null ? null : byUser.get(client.username());
        if (own != null) {
            d = scan(own, access, topicOrFilter);
            if (d == Decision.DENY) {
                return d;
            }
            allowed |= d == Decision.ALLOW;
        }
        if (patterns.isEmpty()) {
            return allowed ? Decision.ALLOW : Decision.NO_MATCH;
        }
        for (Rule r : patterns) {
            String filter = Topics.substitute(r.filter(), client.clientId(), client.username(), client.mountpoint());
            if (filter == null) {
                continue;
            }
            d = apply(r, filter, access, topicOrFilter);
            if (d == Decision.DENY) {
                return d;
            }
            allowed |= d == Decision.ALLOW;
        }
        return allowed ? Decision.ALLOW : Decision.NO_MATCH;
    }

    /** @return DENY when a rule of {@code rules} denies, else ALLOW when one allows, else NO_MATCH */
    private static Decision scan(List<Rule> rules, Access access, String topicOrFilter) {
        boolean allowed = false;
        for (int i = 0, n = rules.size(); i < n; i++) {
            Rule r = rules.get(i);
            Decision d = apply(r, r.filter(), access, topicOrFilter);
            if (d == Decision.DENY) {
                return d;
            }
            allowed |= d == Decision.ALLOW;
        }
        return allowed ? Decision.ALLOW : Decision.NO_MATCH;
    }

    private static Decision apply(Rule r, String filter, Access access, String topicOrFilter) {
        if (r.deny()) {
            // a subscription is refused only when it could receive nothing but denied topics; one that
            // overlaps a deny rule is granted and the denied topics are kept from it per delivery
            boolean hit = access == Access.WRITE
                    ? Topics.matches(filter, topicOrFilter)
                    : Topics.covers(filter, topicOrFilter);
            return hit ? Decision.DENY : Decision.NO_MATCH;
        }
        boolean permits = access == Access.WRITE ? r.write() : r.read();
        if (!permits) {
            return Decision.NO_MATCH;
        }
        boolean hit =
                access == Access.WRITE ? Topics.matches(filter, topicOrFilter) : Topics.covers(filter, topicOrFilter);
        return hit ? Decision.ALLOW : Decision.NO_MATCH;
    }

    /**
     * The per-delivery check: whether a deny rule for {@code client} matches {@code topic}, a
     * topic name as the client sees it. Allow rules are not asked: the subscription that matched
     * was granted already (by a read rule or by another handler).
     */
    boolean readDenied(Client client, String topic) {
        for (Rule r : everyoneDeny) {
            if (Topics.matches(r.filter(), topic)) {
                return true;
            }
        }
        if (client.username() != null) {
            for (Rule r : byUserDeny.getOrDefault(client.username(), List.of())) {
                if (Topics.matches(r.filter(), topic)) {
                    return true;
                }
            }
        }
        for (Rule r : patternDeny) {
            String filter = Topics.substitute(r.filter(), client.clientId(), client.username(), client.mountpoint());
            if (filter != null && Topics.matches(filter, topic)) {
                return true;
            }
        }
        return false;
    }

    /** @return true when the file has a deny rule: only then is a per-delivery check needed */
    boolean hasDenyRules() {
        return !everyoneDeny.isEmpty() || !byUserDeny.isEmpty() || !patternDeny.isEmpty();
    }

    /**
     * @return true when {@link #readDenied} depends on more than the user name: a {@code pattern
     *     deny} line, whose {@code %c %u %m} are substituted per client
     */
    boolean readDeniedPerClient() {
        return !patternDeny.isEmpty();
    }

    /** @return DENY for a denied peer, ALLOW for an allowed one, NO_MATCH otherwise */
    Decision peer(String address) {
        for (AddressRange r : peerDeny) {
            if (r.contains(address)) {
                return Decision.DENY;
            }
        }
        for (AddressRange r : peerAllow) {
            if (r.contains(address)) {
                return Decision.ALLOW;
            }
        }
        return Decision.NO_MATCH;
    }

    /** @return true when the file holds any topic or pattern rule */
    boolean hasTopicRules() {
        return !everyone.isEmpty() || !byUser.isEmpty() || !patterns.isEmpty();
    }

    int size() {
        int n = everyone.size() + patterns.size() + peerAllow.size() + peerDeny.size();
        for (List<Rule> r : byUser.values()) {
            n += r.size();
        }
        return n;
    }
}
