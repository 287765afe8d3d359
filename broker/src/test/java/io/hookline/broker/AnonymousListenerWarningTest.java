package io.hookline.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.hookline.broker.testsupport.TestBroker;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A listener reachable from other machines that lets anonymous clients in is warned about at start. */
class AnonymousListenerWarningTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger(Broker.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    @BeforeEach
    void capture() {
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void release() {
        logger.detachAppender(appender);
    }

    private List<String> warnings() {
        return appender.list.stream()
                .filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("without credentials"))
                .toList();
    }

    @Test
    void wildcardListenerWithAnonymousOnIsWarnedAboutNamingTheKey() {
        try (TestBroker b = TestBroker.start("listener.tcp.default", "0.0.0.0:0", "allow_anonymous", "on")) {
            List<String> w = warnings();
            assertEquals(1, w.size(), w.toString());
            assertTrue(
                    w.get(0).contains("'default'") && w.get(0).contains("listener.tcp.default.allow_anonymous = off"),
                    w.get(0));
        }
    }

    @Test
    void perListenerOverrideDecidesTheWarning() {
        try (TestBroker b = TestBroker.start(
                "listener.tcp.default",
                "0.0.0.0:0",
                "listener.tcp.default.allow_anonymous",
                "off",
                "listener.tcp.open",
                "0.0.0.0:0",
                "allow_anonymous",
                "off",
                "listener.tcp.open.allow_anonymous",
                "on")) {
            List<String> w = warnings();
            assertEquals(1, w.size(), w.toString());
            assertTrue(w.get(0).contains("'open'") && w.get(0).contains("for this listener"), w.get(0));
        }
    }

    @Test
    void loopbackListenerOrAnonymousOffIsNotWarnedAbout() {
        try (TestBroker b = TestBroker.start("listener.tcp.default", "127.0.0.1:0", "allow_anonymous", "on")) {
            assertEquals(List.of(), warnings());
        }
        try (TestBroker b = TestBroker.start("listener.tcp.default", "0.0.0.0:0", "allow_anonymous", "off")) {
            assertEquals(List.of(), warnings());
        }
    }
}
