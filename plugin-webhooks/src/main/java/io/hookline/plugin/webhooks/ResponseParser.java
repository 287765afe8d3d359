package io.hookline.plugin.webhooks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Reads HTTP/1.x responses off one connection's bytes for {@link NettyHttpClient}, straight from
 * the buffers: the status, the four headers the client uses (framing, {@code connection},
 * {@code cache-control}, {@code hookline-cache-error}) and the body, with no header map and no
 * message objects per response. Bodies framed by {@code content-length}, by chunks (trailers
 * skipped) or by the connection's close; 1xx answers are skipped. Anything else is malformed.
 * Partial heads and chunk-size lines wait in a small buffer of their own until the rest arrives.
 *
 * <p>Thread-safety: one connection's, used on its event loop only.
 */
final class ResponseParser {
    /** The longest status line plus headers accepted (Netty's decoder took 4 KiB + 8 KiB). */
    static final int MAX_HEAD = 16 * 1024;

    private static final int MAX_CHUNK_LINE = 1024;
    private static final byte[] HTTP_1 = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

    /** Where a response goes, part by part. */
    interface Sink {
        /** The head of the (non-1xx) response. */
        void head(int status, boolean keepAlive, String cacheControl, String cacheErrors);

        /** @return false when reading stops (the call failed and closed the connection) */
        boolean content(ByteBuf chunk);

        /** The whole response was read; {@code reusable} when the connection can carry another call. */
        void end(boolean reusable);

        /** The bytes are not an HTTP/1.x response; nothing more is read. */
        void malformed(String why);
    }

    private enum State {
        HEAD,
        FIXED,
        CHUNK_SIZE,
        CHUNK_DATA,
        CHUNK_END,
        TRAILER,
        UNTIL_CLOSE,
        BROKEN
    }

    private final Sink sink;
    private State state = State.HEAD;
    private ByteBuf pending; // bytes of an unfinished head or line, else null
    private long left; // body bytes still to come in FIXED / CHUNK_DATA
    private boolean keepAlive;
    private boolean reading; // inside read(): a close meanwhile leaves the buffers to it

    ResponseParser(Sink sink) {
        this.sink = sink;
    }

    /** Reads {@code in} (released here) as far as it goes. */
    void read(ByteBufAllocator alloc, ByteBuf in) {
        ByteBuf buf = in;
        if (pending != null) {
            pending.writeBytes(in);
            in.release();
            buf = pending;
        }
        reading = true;
        try {
            parse(buf);
        } finally {
            reading = false;
            if (state == State.BROKEN || !buf.isReadable()) {
                buf.release();
                pending = null;
            } else if (buf == in) {
                pending = alloc.buffer(Math.max(256, buf.readableBytes()));
                pending.writeBytes(buf);
                in.release();
            } else {
                pending.discardReadBytes();
            }
        }
    }

    /** The connection closed: ends a body that runs until the close; nothing more is read. */
    void closed() {
        State was = state;
        state = State.BROKEN;
        if (pending != null && !reading) {
            pending.release();
            pending = null;
        }
        if (was == State.UNTIL_CLOSE) {
            sink.end(false);
        }
    }

    /** Nothing more is read (the connection is being closed). */
    void stop() {
        state = State.BROKEN;
    }

    private void parse(ByteBuf buf) {
        while (buf.isReadable()) {
            switch (state) {
                case HEAD -> {
                    if (!head(buf)) {
                        return;
                    }
                }
                case FIXED, CHUNK_DATA -> {
                    int n = (int) Math.min(left, buf.readableBytes());
                    ByteBuf part = buf.readSlice(n);
                    left -= n;
                    if (!sink.content(part)) {
                        state = State.BROKEN;
                        return;
                    }
                    if (left == 0) {
                        if (state == State.FIXED) {
                            finish(buf);
                        } else {
                            state = State.CHUNK_END;
                        }
                    }
                }
                case CHUNK_SIZE -> {
                    if (!chunkSize(buf)) {
                        return;
                    }
                }
                case CHUNK_END -> {
                    int eol = line(buf, 2);
                    if (eol < 0) {
                        return;
                    }
                    if (eol != buf.readerIndex() && !(eol == buf.readerIndex() + 1 && buf.getByte(eol - 1) == '\r')) {
                        broken("no line end after a chunk");
                        return;
                    }
                    buf.readerIndex(eol + 1);
                    state = State.CHUNK_SIZE;
                }
                case TRAILER -> {
                    int eol = line(buf, MAX_HEAD);
                    if (eol < 0) {
                        return;
                    }
                    boolean empty = eol == buf.readerIndex()
                            || (eol == buf.readerIndex() + 1 && buf.getByte(buf.readerIndex()) == '\r');
                    buf.readerIndex(eol + 1);
                    if (empty) {
                        finish(buf);
                    }
                }
                case UNTIL_CLOSE -> {
                    if (!sink.content(buf.readSlice(buf.readableBytes()))) {
                        state = State.BROKEN;
                        return;
                    }
                }
                case BROKEN -> {
                    buf.skipBytes(buf.readableBytes());
                    return;
                }
            }
        }
    }

    /**
     * @return the index of the next {@code '\n'}, or -1 when it has not arrived (then the
     *     connection is broken if more than {@code max} bytes came without one)
     */
    private int line(ByteBuf buf, int max) {
        int eol = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) '\n');
        if (eol < 0 && buf.readableBytes() > max) {
            broken("line too long");
        }
        return eol;
    }

    /** @return false when the head is not complete yet, or the response was malformed */
    private boolean head(ByteBuf buf) {
        int start = buf.readerIndex();
        int limit = Math.min(buf.writerIndex(), start + MAX_HEAD);
        // find the empty line that ends the head
        int end = -1; // its '\n'
        int blank = -1; // where it starts
        int i = start;
        while (i < limit) {
            int eol = buf.indexOf(i, limit, (byte) '\n');
            if (eol < 0) {
                break;
            }
            if (eol == i || (eol == i + 1 && buf.getByte(i) == '\r')) {
                end = eol;
                blank = i;
                break;
            }
            i = eol + 1;
        }
        if (end < 0) {
            if (buf.readableBytes() >= MAX_HEAD) {
                broken("response head over " + MAX_HEAD + " bytes");
            }
            return false;
        }
        // status line: HTTP/1.x SSS reason
        int eol = buf.indexOf(start, end + 1, (byte) '\n');
        int lineEnd = eol > start && buf.getByte(eol - 1) == '\r' ? eol - 1 : eol;
        if (lineEnd - start < 12 || !startsWith(buf, start, HTTP_1) || buf.getByte(start + 8) != ' ') {
            broken("invalid status line");
            return false;
        }
        byte minor = buf.getByte(start + 7);
        int status = digit(buf, start + 9) * 100 + digit(buf, start + 10) * 10 + digit(buf, start + 11);
        if ((minor != '0' && minor != '1')
                || status < 100
                || status > 999
                || (lineEnd - start > 12 && buf.getByte(start + 12) != ' ')) {
            broken("invalid status line");
            return false;
        }
        boolean http10 = minor == '0';
        String connection = null;
        String cacheControl = null;
        String cacheErrors = null;
        String transferEncoding = null;
        long length = -1;
        String last = null; // the last header we keep, for an obsolete folded line
        i = eol + 1;
        while (i < blank) {
            eol = buf.indexOf(i, end + 1, (byte) '\n');
            lineEnd = eol > i && buf.getByte(eol - 1) == '\r' ? eol - 1 : eol;
            byte first = buf.getByte(i);
            if (first == ' ' || first == '\t') {
                String more = buf.toString(i, lineEnd - i, StandardCharsets.ISO_8859_1)
                        .trim();
                if ("cache-control".equals(last)) {
                    cacheControl = cacheControl + " " + more;
                } else if ("connection".equals(last)) {
                    connection = connection + " " + more;
                }
                i = eol + 1;
                continue;
            }
            int colon = buf.indexOf(i, lineEnd, (byte) ':');
            if (colon <= i) {
                broken("invalid header line");
                return false;
            }
            last = null;
            int nameLength = colon - i;
            if (is(buf, i, nameLength, "content-length")) {
                long n = number(buf, colon + 1, lineEnd);
                if (n < 0 || (length >= 0 && n != length)) {
                    broken("invalid content-length");
                    return false;
                }
                length = n;
            } else if (is(buf, i, nameLength, "transfer-encoding")) {
                transferEncoding = value(buf, colon + 1, lineEnd);
            } else if (is(buf, i, nameLength, "connection")) {
                String v = value(buf, colon + 1, lineEnd);
                connection = connection == null ? v : connection + "," + v;
                last = "connection";
            } else if (cacheControl == null && is(buf, i, nameLength, "cache-control")) {
                cacheControl = value(buf, colon + 1, lineEnd);
                last = "cache-control";
            } else if (cacheErrors == null && is(buf, i, nameLength, AuthCache.CACHE_ERRORS_HEADER)) {
                cacheErrors = value(buf, colon + 1, lineEnd);
            }
            i = eol + 1;
        }
        buf.readerIndex(end + 1);
        if (status < 200) {
            return true; // 100 Continue and the like: the answer follows (state stays HEAD)
        }
        keepAlive = http10 ? hasToken(connection, "keep-alive") : !hasToken(connection, "close");
        boolean chunked = false;
        if (transferEncoding != null) {
            String[] codings = transferEncoding.split(",");
            chunked = codings[codings.length - 1].trim().equalsIgnoreCase("chunked");
        }
        sink.head(status, keepAlive, cacheControl, cacheErrors);
        if (state == State.BROKEN) {
            return false; // the sink gave up
        }
        if (status == 204 || status == 304) {
            finish(buf);
        } else if (chunked) {
            state = State.CHUNK_SIZE;
        } else if (transferEncoding == null && length >= 0) {
            left = length;
            state = State.FIXED;
            if (length == 0) {
                finish(buf);
            }
        } else {
            keepAlive = false;
            state = State.UNTIL_CLOSE;
        }
        return true;
    }

    /** @return false when the line has not arrived yet, or is malformed */
    private boolean chunkSize(ByteBuf buf) {
        int eol = line(buf, MAX_CHUNK_LINE);
        if (eol < 0) {
            return false;
        }
        long size = 0;
        int digits = 0;
        for (int i = buf.readerIndex(); i < eol; i++) {
            int h = Character.digit((char) (buf.getByte(i) & 0xFF), 16);
            if (h < 0) {
                break;
            }
            size = size * 16 + h;
            if (++digits > 8) {
                broken("chunk size too large");
                return false;
            }
        }
        if (digits == 0) {
            broken("invalid chunk size");
            return false;
        }
        buf.readerIndex(eol + 1);
        if (size == 0) {
            state = State.TRAILER;
        } else {
            left = size;
            state = State.CHUNK_DATA;
        }
        return true;
    }

    /** The response is complete; what follows belongs to no call, so the connection is not reused then. */
    private void finish(ByteBuf buf) {
        if (buf.isReadable()) {
            state = State.BROKEN; // out of step with the calls: the connection is closed
            buf.skipBytes(buf.readableBytes());
            sink.end(false);
        } else {
            state = State.HEAD;
            sink.end(keepAlive);
        }
    }

    private void broken(String why) {
        state = State.BROKEN;
        sink.malformed(why);
    }

    private static boolean startsWith(ByteBuf buf, int at, byte[] prefix) {
        for (int k = 0; k < prefix.length; k++) {
            if (buf.getByte(at + k) != prefix[k]) {
                return false;
            }
        }
        return true;
    }

    private static int digit(ByteBuf buf, int at) {
        byte b = buf.getByte(at);
        return b >= '0' && b <= '9' ? b - '0' : -1000;
    }

    /** @return true when the {@code length} bytes at {@code at} are {@code name}, ignoring ASCII case */
    private static boolean is(ByteBuf buf, int at, int length, String name) {
        if (length != name.length()) {
            return false;
        }
        for (int k = 0; k < length; k++) {
            int b = buf.getByte(at + k);
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != name.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** @return the header value between {@code from} and {@code to}, without surrounding white space */
    private static String value(ByteBuf buf, int from, int to) {
        while (from < to && (buf.getByte(from) == ' ' || buf.getByte(from) == '\t')) {
            from++;
        }
        while (to > from && (buf.getByte(to - 1) == ' ' || buf.getByte(to - 1) == '\t')) {
            to--;
        }
        return buf.toString(from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** @return the decimal number between {@code from} and {@code to} (white space around), or -1 */
    private static long number(ByteBuf buf, int from, int to) {
        long n = 0;
        int digits = 0;
        boolean trailing = false;
        for (int k = from; k < to; k++) {
            byte b = buf.getByte(k);
            if (b == ' ' || b == '\t') {
                trailing = digits > 0;
                continue;
            }
            if (b < '0' || b > '9' || trailing || ++digits > 18) {
                return -1;
            }
            n = n * 10 + (b - '0');
        }
        return digits == 0 ? -1 : n;
    }

    private static boolean hasToken(String list, String token) {
        if (list == null) {
            return false;
        }
        for (String t : list.split(",")) {
            if (t.trim().equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }
}
