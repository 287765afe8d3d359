package io.hookline.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.status.Status;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** conf/logback.xml, which bin/broker hands to logback, must configure without errors. */
class ShippedLogbackTest {

    @Test
    void shippedLogbackConfigLoadsCleanly() throws Exception {
        LoggerContext context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(Path.of("../conf/logback.xml").toFile());
        List<Status> errors = context.getStatusManager().getCopyOfStatusList().stream()
                .filter(s -> s.getLevel() >= Status.WARN)
                .toList();
        assertEquals(List.of(), errors);
        assertEquals(Level.INFO, context.getLogger("io.hookline").getEffectiveLevel());
        assertEquals(Level.WARN, context.getLogger("io.netty").getEffectiveLevel());
        context.stop();
    }
}
