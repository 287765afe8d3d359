package io.hookline.plugin.acl;

import static io.hookline.plugin.acl.AclRules.Access.READ;
import static io.hookline.plugin.acl.AclRules.Access.WRITE;
import static io.hookline.plugin.acl.AclRules.Decision.ALLOW;
import static io.hookline.plugin.acl.AclRules.Decision.DENY;
import static io.hookline.plugin.acl.AclRules.Decision.NO_MATCH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.hook.input.Client;
import io.hookline.api.mqtt.ProtocolVersion;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class AclRulesTest {
    private static final Path FILE = Path.of("acl.conf");
    private static final String ACL = """
            # everyone
            topic read public/#
            topic deny public/secret/#
            pattern readwrite clients/%c/#
            pattern write users/%u/out

            user alice
            topic write sensors/+/temp
            topic admin/#

            user bob
            topic read sensors/#

            peer deny 192.168.66.0/24
            peer allow 10.0.0.0/8
            peer allow 2001:db8::/32
            """;

    private static Client client(String id, String user) {
        return new Client("", id, user, ProtocolVersion.MQTT_3_1_1);
    }

    private static AclRules rules() throws Exception {
        return AclRules.parse(FILE, ACL.lines().toList());
    }

    @Test
    void rulesBeforeAnyUserLineApplyToEveryone() throws Exception {
        AclRules r = rules();
        assertEquals(ALLOW, r.check(client("x", null), READ, "public/news"));
        assertEquals(ALLOW, r.check(client("x", "bob"), READ, "public/news/+"));
        // public/+ may also match public/secret: granted all the same, readDenied keeps that one from it
        assertEquals(ALLOW, r.check(client("x", "bob"), READ, "public/+"));
        assertEquals(NO_MATCH, r.check(client("x", null), WRITE, "public/news"), "read-only rule");
    }

    @Test
    void userSectionsApplyOnlyToThatUser() throws Exception {
        AclRules r = rules();
        assertEquals(ALLOW, r.check(client("x", "alice"), WRITE, "sensors/kitchen/temp"));
        assertEquals(NO_MATCH, r.check(client("x", "alice"), READ, "sensors/kitchen/temp"));
        assertEquals(ALLOW, r.check(client("x", "alice"), READ, "admin/users"));
        assertEquals(NO_MATCH, r.check(client("x", "bob"), WRITE, "sensors/kitchen/temp"));
        assertEquals(ALLOW, r.check(client("x", "bob"), READ, "sensors/+/temp"));
        assertEquals(NO_MATCH, r.check(client("x", "carol"), READ, "sensors/a"));
        assertEquals(NO_MATCH, r.check(client("x", null), READ, "admin/users"));
    }

    @Test
    void patternsSubstituteClientIdAndUsername() throws Exception {
        AclRules r = rules();
        assertEquals(ALLOW, r.check(client("c7", null), WRITE, "clients/c7/state"));
        assertEquals(NO_MATCH, r.check(client("c7", null), WRITE, "clients/c8/state"));
        assertEquals(ALLOW, r.check(client("c7", "dave"), WRITE, "users/dave/out"));
        assertEquals(NO_MATCH, r.check(client("c7", null), WRITE, "users/null/out"), "%u without user never matches");
        assertEquals(
                NO_MATCH,
                r.check(client("#", null), READ, "clients/x/y"),
                "a client id '#' does not widen the pattern");
    }

    @Test
    void denyWinsOverAllowButRefusesOnlyFiltersItCovers() throws Exception {
        AclRules r = rules();
        assertEquals(DENY, r.check(client("x", null), READ, "public/secret/plans"));
        assertEquals(DENY, r.check(client("x", null), READ, "public/secret/+"));
        assertEquals(DENY, r.check(client("x", null), READ, "public/secret/#"), "could receive nothing else");
        assertEquals(ALLOW, r.check(client("x", null), READ, "public/#"), "overlaps the deny rule: granted");
        assertEquals(DENY, r.check(client("x", null), WRITE, "public/secret/x"));
        assertEquals(ALLOW, r.check(client("x", null), READ, "public/open/+"));
    }

    @Test
    void readDeniedMatchesTopicsAgainstEveryonesTheUsersAndPatternDenyRules() throws Exception {
        AclRules r = AclRules.parse(
                FILE,
                List.of(
                        "topic read #",
                        "topic deny a/secret",
                        "pattern deny private/+/%c",
                        "user bob",
                        "topic deny bob/hidden/#"));
        assertTrue(r.hasDenyRules());
        assertTrue(r.readDeniedPerClient(), "a pattern deny line decides per client");
        assertTrue(r.readDenied(client("x", null), "a/secret"));
        assertFalse(r.readDenied(client("x", null), "a/public"));
        assertFalse(r.readDenied(client("x", null), "a/secret/below"), "deny a/secret is that topic alone");
        assertTrue(r.readDenied(client("x", "bob"), "bob/hidden"));
        assertTrue(r.readDenied(client("x", "bob"), "bob/hidden/deep/er"));
        assertFalse(r.readDenied(client("x", "alice"), "bob/hidden"), "bob's rules are bob's");
        assertTrue(r.readDenied(client("c9", null), "private/p/c9"));
        assertFalse(r.readDenied(client("c8", null), "private/p/c9"));
        assertFalse(r.readDenied(client("#", null), "private/p/x"), "a client id '#' matches nothing");
    }

    @Test
    void rulesWithoutDenyLinesNeedNoPerDeliveryCheck() throws Exception {
        AclRules r = AclRules.parse(FILE, List.of("topic read #", "user bob", "topic write bob/#"));
        assertFalse(r.hasDenyRules());
        assertFalse(AclRules.parse(FILE, List.of("topic deny a", "pattern read %c/#"))
                .readDeniedPerClient());
        assertTrue(AclRules.parse(FILE, List.of("user u", "topic deny a")).hasDenyRules());
    }

    @Test
    void peerRulesMatchCidrBlocksDenyFirst() throws Exception {
        AclRules r = rules();
        assertEquals(DENY, r.peer("192.168.66.12"));
        assertEquals(ALLOW, r.peer("10.20.30.40"));
        assertEquals(ALLOW, r.peer("::ffff:10.1.1.1"));
        assertEquals(ALLOW, r.peer("2001:db8:1::5"));
        assertEquals(NO_MATCH, r.peer("2001:db9::1"));
        assertEquals(NO_MATCH, r.peer("11.0.0.1"));
        assertEquals(NO_MATCH, r.peer("not-an-address"));
    }

    @Test
    void badLinesAreReportedWithTheirNumber() {
        var e = assertThrows(
                FileFormatException.class, () -> AclRules.parse(FILE, List.of("topic read a/#", "", "topik read b")));
        assertEquals(3, e.line());
        e = assertThrows(FileFormatException.class, () -> AclRules.parse(FILE, List.of("topic read a/#/b")));
        assertEquals(1, e.line());
        e = assertThrows(FileFormatException.class, () -> AclRules.parse(FILE, List.of("user")));
        assertTrue(e.getMessage().contains("name"));
        e = assertThrows(FileFormatException.class, () -> AclRules.parse(FILE, List.of("peer allow example.com")));
        assertTrue(e.getMessage().contains("example.com"));
    }
}
