package io.hookline.broker.protocol;

import io.hookline.broker.config.ProtocolSettings;
import java.util.Set;

/**
 * What a connection knows of the listener that accepted it: its name and kind, the mountpoint
 * (a topic prefix that isolates this listener's clients; hooks see it as {@code mountpoint}),
 * the {@code allow_anonymous} override, the MQTT protocol levels it accepts and whether the
 * client certificate's CN becomes the user name. Immutable, shared by the listener's connections.
 *
 * @param allowAnonymous   null = the broker-wide {@code allow_anonymous}
 * @param protocolVersions protocol levels: 3 = 3.1, 4 = 3.1.1, 5 = 5.0
 */
public record ListenerInfo(
        String name,
        String kind,
        String mountpoint,
        Boolean allowAnonymous,
        Set<Integer> protocolVersions,
        boolean useIdentityAsUsername) {

    /** A plain TCP listener without overrides (what a connection built without listener details gets). */
    public static final ListenerInfo DEFAULT = new ListenerInfo("default", "tcp", "", null, Set.of(3, 4, 5), false);

    public ListenerInfo {
        protocolVersions = Set.copyOf(protocolVersions);
        mountpoint = mountpoint == null ? "" : mountpoint;
    }

    /** The same listener with another mountpoint (auth_on_register's mountpoint modifier). */
    public ListenerInfo withMountpoint(String newMountpoint) {
        return new ListenerInfo(name, kind, newMountpoint, allowAnonymous, protocolVersions, useIdentityAsUsername);
    }

    public boolean allowsVersion(int protocolLevel) {
        return protocolVersions.contains(protocolLevel);
    }

    /** The listener's override, else the broker-wide setting. */
    public boolean allowAnonymous(ProtocolSettings settings) {
        return allowAnonymous == null ? settings.allowAnonymous() : allowAnonymous;
    }

    /** A client's topic or filter as routed: with the mountpoint in front. */
    public String mount(String topic) {
        return mountpoint.isEmpty() ? topic : mountpoint + topic;
    }

    /** A routed topic as this listener's clients see it: without the mountpoint. */
    public String unmount(String topic) {
        return unmount(mountpoint, topic);
    }

    /** {@code topic} as a client behind {@code mountpoint} sees it. */
    public static String unmount(String mountpoint, String topic) {
        return !mountpoint.isEmpty() && topic.startsWith(mountpoint) ? topic.substring(mountpoint.length()) : topic;
    }
}
