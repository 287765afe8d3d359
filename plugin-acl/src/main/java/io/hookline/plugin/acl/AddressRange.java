package io.hookline.plugin.acl;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 address or CIDR block ({@code 10.0.0.0/8}, {@code 2001:db8::/32},
 * {@code 127.0.0.1}). IPv4-mapped IPv6 peers ({@code ::ffff:10.1.2.3}) match IPv4 blocks.
 * Only literals: never a DNS lookup. Immutable.
 */
final class AddressRange {
    private final byte[] network;
    private final int prefix;
    private final String text;

    private AddressRange(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /** @throws IllegalArgumentException when {@code text} is not an address literal or CIDR block */
    static AddressRange parse(String text) {
        String t = text.strip();
        int slash = t.indexOf('/');
        byte[] addr = literal(slash < 0 ? t : t.substring(0, slash));
        if (addr == null) {
            throw new IllegalArgumentException("not an IP address or CIDR block: " + text);
        }
        int bits = addr.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in " + text, e);
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("prefix length must be 0.." + bits + " in " + text);
            }
        }
        return new AddressRange(mask(addr, prefix), prefix, t);
    }

    /** @return true when {@code peer} (a literal as the broker reports it) is in the range */
    boolean contains(String peer) {
        byte[] p = literal(peer);
        return p != null && p.length == network.length && Arrays.equals(mask(p, prefix), network);
    }

    @Override
    public String toString() {
        return text;
    }

    /** @return the address bytes (4 for IPv4 and mapped IPv6), or null when not a literal */
    static byte[] literal(String s) {
        String t = s.strip();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        if (t.isEmpty()) {
            return null;
        }
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            boolean ok = c == '.' || c == ':' || c == '%' || Character.digit(c, 16) >= 0;
            if (!ok) {
                return null; // a host name: refuse rather than resolve
            }
        }
        if (t.indexOf(':') < 0 && t.chars().filter(c -> c == '.').count() != 3) {
            return null;
        }
        try {
            byte[] b = InetAddress.getByName(t).getAddress();
            if (b.length == 16 && isMappedV4(b)) {
                return Arrays.copyOfRange(b, 12, 16);
            }
            return b;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean isMappedV4(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    private static byte[] mask(byte[] addr, int prefix) {
        byte[] out = addr.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xff << (8 - keep));
        }
        return out;
    }
}
