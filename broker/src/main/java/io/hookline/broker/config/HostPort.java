package io.hookline.broker.config;

import java.net.InetSocketAddress;
import java.util.regex.Pattern;

/**
 * A host and a port, as in {@code 127.0.0.1:1883}, {@code [::1]:1883} or {@code localhost:1883}.
 * The host is an IPv4 address, an IPv6 address (kept without brackets) or a host name; it is
 * checked for syntax only, never resolved. Port 0 asks the OS for a free port.
 */
public record HostPort(String host, int port) {

    private static final String EXAMPLES = "e.g. 127.0.0.1:1883, [::1]:1883, localhost:1883";
    private static final Pattern HOST_LABEL = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?");
    private static final Pattern DIGITS_AND_DOTS = Pattern.compile("[0-9.]+");
    private static final Pattern HEX_GROUP = Pattern.compile("[0-9A-Fa-f]{1,4}");
    private static final Pattern ZONE = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Pattern OCTET = Pattern.compile("[0-9]{1,3}");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

    public HostPort {
        if (host == null || !isValidHost(host)) {
            throw new IllegalArgumentException("'" + host + "' is not a valid host name or IP address");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not between 0 and 65535");
        }
    }

    /**
     * Parses {@code host:port}; IPv6 addresses must be in brackets ({@code [::1]:1883}).
     *
     * @throws IllegalArgumentException with a message that quotes {@code s} and says what is wrong
     */
    public static HostPort parse(String s) {
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw notHostPort(s);
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
            if (!isIpv6(host)) {
                throw new IllegalArgumentException("'" + s + "': '" + host + "' is not an IPv6 address");
            }
        } else {
            int colon = s.lastIndexOf(':');
            if (colon <= 0) {
                throw notHostPort(s);
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new IllegalArgumentException("'" + s + "': put an IPv6 address in brackets, e.g. [::1]:1883");
            }
            if (!isValidHost(host)) {
                throw new IllegalArgumentException(
                        "'" + s + "': '" + host + "' is not a valid host name or IP address");
            }
        }
        if (!PORT.matcher(port).matches() || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException("'" + s + "': port must be a whole number between 0 and 65535");
        }
        return new HostPort(host, Integer.parseInt(port));
    }

    /** A socket address for binding or connecting; resolves a host name. */
    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** {@code host:port}, with an IPv6 host in brackets; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    private static IllegalArgumentException notHostPort(String s) {
        return new IllegalArgumentException("'" + s + "' is not host:port (" + EXAMPLES + ")");
    }

    private static boolean isValidHost(String host) {
        if (host.indexOf(':') >= 0) {
            return isIpv6(host);
        }
        if (DIGITS_AND_DOTS.matcher(host).matches()) {
            return isIpv4(host);
        }
        if (host.isEmpty() || host.length() > 253) {
            return false;
        }
        for (String label : host.split("\\.", -1)) {
            if (label.length() > 63 || !HOST_LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (!OCTET.matcher(part).matches() || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    /** RFC 4291 text forms: eight groups, one "::" for a run of zero groups, an IPv4 tail, a zone. */
    private static boolean isIpv6(String s) {
        String address = s;
        int percent = s.indexOf('%');
        if (percent >= 0) {
            if (!ZONE.matcher(s.substring(percent + 1)).matches()) {
                return false;
            }
            address = s.substring(0, percent);
        }
        int gap = address.indexOf("::");
        if (gap >= 0 && gap != address.lastIndexOf("::")) {
            return false;
        }
        String[] groups =
                gap >= 0 ? join(split(address.substring(0, gap)), split(address.substring(gap + 2))) : split(address);
        int count = 0;
        for (int i = 0; i < groups.length; i++) {
            if (i == groups.length - 1 && groups[i].indexOf('.') >= 0) {
                if (!isIpv4(groups[i])) {
                    return false;
                }
                count += 2;
            } else if (HEX_GROUP.matcher(groups[i]).matches()) {
                count++;
            } else {
                return false;
            }
        }
        return gap >= 0 ? count <= 7 : count == 8;
    }

    private static String[] split(String groups) {
        return groups.isEmpty() ? new String[0] : groups.split(":", -1);
    }

    private static String[] join(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
