package io.hookline.plugin.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Netty client's HTTP/1.x response reader on byte streams cut in every place. */
class ResponseParserTest {
    /** Records what the parser reported, as text. */
    private static final class Log implements ResponseParser.Sink {
        final List<String> events = new ArrayList<>();
        final StringBuilder body = new StringBuilder();

        @Override
        public void head(int status, boolean keepAlive, String cacheControl, String cacheErrors) {
            events.add("head " + status + " keepAlive=" + keepAlive + " cc=" + cacheControl + " ce=" + cacheErrors);
        }

        @Override
        public boolean content(ByteBuf chunk) {
            body.append(chunk.toString(StandardCharsets.ISO_8859_1));
            return true;
        }

        @Override
        public void end(boolean reusable) {
            events.add("end reusable=" + reusable + " body=" + body);
            body.setLength(0);
        }

        @Override
        public void malformed(String why) {
            events.add("malformed " + why);
        }
    }

    /** @return the events of reading {@code text} in pieces of {@code step} bytes, then (if asked) a close */
    private static List<String> read(String text, int step, boolean close) {
        Log log = new Log();
        ResponseParser p = new ResponseParser(log);
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i += step) {
            ByteBuf piece = Unpooled.buffer().writeBytes(bytes, i, Math.min(step, bytes.length - i));
            p.read(ByteBufAllocator.DEFAULT, piece);
            assertEquals(0, piece.refCnt(), "each piece is released");
        }
        if (close) {
            p.closed();
        }
        return log.events;
    }

    private static void sameInEveryCut(String text, boolean close, String... expected) {
        for (int step = 1; step <= text.length(); step++) {
            assertEquals(List.of(expected), read(text, step, close), "pieces of " + step);
        }
    }

    @Test
    void aContentLengthAnswerWithTheHeadersTheClientUses() {
        sameInEveryCut(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: max-age=30\r\n"
                        + "Hookline-Cache-Error: true\r\nContent-Length: 15\r\n\r\n{\"result\":\"ok\"}",
                false,
                "head 200 keepAlive=true cc=max-age=30 ce=true",
                "end reusable=true body={\"result\":\"ok\"}");
    }

    @Test
    void chunksWithExtensionsAndTrailersAfterAnInformationalAnswer() {
        sameInEveryCut(
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5;x=y\r\nhello\r\nA\r\n, world..!\r\n0\r\nX-Trailer: 1\r\n\r\n",
                false,
                "head 200 keepAlive=true cc=null ce=null",
                "end reusable=true body=hello, world..!");
    }

    @Test
    void http10WithoutLengthRunsUntilTheCloseAndIsNotReused() {
        sameInEveryCut(
                "HTTP/1.0 200 OK\r\n\r\n{}",
                true,
                "head 200 keepAlive=false cc=null ce=null",
                "end reusable=false body={}");
        assertEquals(
                List.of("head 500 keepAlive=false cc=null ce=null", "end reusable=false body="),
                read("HTTP/1.1 500 Oops\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 100, false));
    }

    @Test
    void bytesThatAreNoHttpResponseAreMalformed() {
        assertEquals(List.of("malformed invalid status line"), read("NOT HTTP AT ALL\r\n\r\n", 100, false));
        assertEquals(List.of("malformed invalid header line"), read("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", 100, false));
        assertEquals(
                List.of("malformed invalid content-length"),
                read("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", 100, false));
        assertEquals(
                List.of("head 200 keepAlive=true cc=null ce=null", "malformed invalid chunk size"),
                read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 100, false));
    }

    @Test
    void bytesAfterAWholeAnswerMakeItsConnectionNotReusable() {
        assertEquals(
                List.of("head 200 keepAlive=true cc=null ce=null", "end reusable=false body={}"),
                read("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\n", 1000, false));
    }
}
