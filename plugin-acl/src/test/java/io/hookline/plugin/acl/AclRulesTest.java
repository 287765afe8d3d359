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
        // public/+ would also receive public/secret, which a deny rule covers
        assertEquals(DENY, r.check(client("x", "bob"), READ, "public/+"));
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
    void denyWinsOverAllowIncludingSubscriptionsThatOverlap() throws Exception {
        AclRules r = rules();
        assertEquals(DENY, r.check(client("x", null), READ, "public/secret/plans"));
        assertEquals(DENY, r.check(client("x", null), READ, "public/#"), "public/# would receive public/secret/...");
        assertEquals(DENY, r.check(client("x", null), WRITE, "public/secret/x"));
        assertEquals(ALLOW, r.check(client("x", null), READ, "public/open/+"));
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

    @Test
    void overlapFindsFiltersSharingATopic() {
        assertTrue(AclRules.overlaps("a/#", "a"));
        assertTrue(AclRules.overlaps("a/+/c", "+/b/#"));
        assertFalse(AclRules.overlaps("a/b", "a/c"));
        assertFalse(AclRules.overlaps("a/b/c", "a/b"));
    }
}
