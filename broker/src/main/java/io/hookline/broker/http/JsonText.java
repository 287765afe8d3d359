package io.hookline.broker.http;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A minimal streaming JSON writer for the status and health answers (the broker module has no
 * JSON library; these answers are small and flat). Not thread-safe: one per answer.
 */
final class JsonText {
    private final StringBuilder out = new StringBuilder(256);
    private final Deque<Character> open = new ArrayDeque<>();
    private boolean needsComma;

    JsonText object() {
        return begin(null, '{', '}');
    }

    JsonText object(String name) {
        return begin(name, '{', '}');
    }

    JsonText array(String name) {
        return begin(name, '[', ']');
    }

    JsonText end() {
        out.append(open.pop());
        needsComma = true;
        return this;
    }

    JsonText field(String name, String value) {
        key(name);
        if (value == null) {
            out.append("null");
        } else {
            quote(value);
        }
        needsComma = true;
        return this;
    }

    JsonText field(String name, long value) {
        key(name);
        out.append(value);
        needsComma = true;
        return this;
    }

    /** Non-finite numbers are written as null, which JSON can represent. */
    JsonText field(String name, double value) {
        key(name);
        if (Double.isFinite(value)) {
            out.append(Math.round(value * 1000.0) / 1000.0);
        } else {
            out.append("null");
        }
        needsComma = true;
        return this;
    }

    JsonText field(String name, boolean value) {
        key(name);
        out.append(value);
        needsComma = true;
        return this;
    }

    /** An array element. */
    JsonText value(String value) {
        key(null);
        quote(value);
        needsComma = true;
        return this;
    }

    @Override
    public String toString() {
        if (!open.isEmpty()) {
            throw new IllegalStateException("unclosed JSON: " + open);
        }
        return out.toString();
    }

    private JsonText begin(String name, char start, char close) {
        key(name);
        out.append(start);
        open.push(close);
        needsComma = false;
        return this;
    }

    private void key(String name) {
        if (needsComma) {
            out.append(',');
        }
        if (name != null) {
            quote(name);
            out.append(':');
        }
    }

    private void quote(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    // control characters, and < > & so that the answer is inert if ever inlined in HTML
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
