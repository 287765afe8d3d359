package io.hookline.broker.testsupport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The broker processes of one test, killed (SIGKILL) after it. Registered as an extension it
 * runs after the test's own {@code @AfterEach}, so clients closed there go first:
 *
 * <pre>{@code
 * @RegisterExtension
 * final BrokerProcesses processes = new BrokerProcesses();
 * }</pre>
 */
public final class BrokerProcesses implements AfterEachCallback, AutoCloseable {
    // confined to the test's thread
    private final List<BrokerProcess> started = new ArrayList<>();

    /** {@link BrokerProcess#start(Path, List, String...)}, killed after the test. */
    public BrokerProcess start(Path dir, List<String> jvmArgs, String... keyValues) throws IOException {
        return add(BrokerProcess.start(dir, jvmArgs, keyValues));
    }

    /** Kills {@code process} after the test (one started some other way); returns it. */
    public BrokerProcess add(BrokerProcess process) {
        started.add(process);
        return process;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    /** Kills every process started so far, in the order they started, and forgets them. */
    @Override
    public void close() {
        started.forEach(BrokerProcess::close);
        started.clear();
    }
}
