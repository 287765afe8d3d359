package io.hookline.broker.protocol;

/**
 * Checks on decoded MQTT strings. Netty decodes UTF-8 leniently, replacing ill-formed
 * sequences with U+FFFD; we treat U+FFFD, U+0000 and unpaired surrogates as a malformed
 * string (MQTT 5 §1.5.4). The price: a client cannot use a literal U+FFFD in a topic.
 */
final class Strings {
    private Strings() {}

    static boolean wellFormed(String s) {
        if (s == null) {
            return true;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\u0000' || c == '\uFFFD') {
                return false;
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return false;
                }
            }
        }
        return true;
    }
}
