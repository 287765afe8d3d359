package io.hookline.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** listener.max_connections = auto: the open-file limit minus what everything else may need. */
class OpenFilesTest {

    @Test
    void aTenthAtLeast512AndTheManagementListenersUpToHalf() {
        assertEquals(18_000, new OpenFiles(20_000, 1024).defaultMaxConnections()); // a tenth: 2,000
        assertEquals(1_048_576 - 104_857, new OpenFiles(1_048_576, 1024).defaultMaxConnections());
        assertEquals(4_096 - 1_280, new OpenFiles(4_096, 1024).defaultMaxConnections()); // 1024 + 256
        assertEquals(512, new OpenFiles(1_024, 1024).defaultMaxConnections()); // at most half
        assertEquals(288, new OpenFiles(800, 128).defaultMaxConnections()); // at least 512
        assertEquals(OpenFiles.UNKNOWN_LIMIT_CONNECTIONS, new OpenFiles(-1, 1024).defaultMaxConnections());
    }
}
