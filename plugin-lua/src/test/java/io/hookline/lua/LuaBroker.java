package io.hookline.lua;

import io.hookline.broker.testsupport.TestBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A real broker with the Lua plugin on and scripts from a temporary directory. */
final class LuaBroker implements AutoCloseable {
    final TestBroker broker;
    final Path dir;

    private LuaBroker(TestBroker broker, Path dir) {
        this.broker = broker;
        this.dir = dir;
    }

    /** Writes {@code scripts} (name, source, name, source...) into {@code dir}, then starts the broker. */
    static LuaBroker start(Path dir, List<String> config, String... scripts) {
        for (int i = 0; i + 1 < scripts.length; i += 2) {
            write(dir.resolve(scripts[i]), scripts[i + 1]);
        }
        List<String> kv = new ArrayList<>(List.of(
                "plugins.lua",
                "on",
                "lua.script_dir",
                dir.toString(),
                "lua.reload_interval",
                "100ms",
                "allow_anonymous",
                "off"));
        kv.addAll(config);
        return new LuaBroker(TestBroker.start(kv.toArray(String[]::new)), dir);
    }

    static void write(Path file, String source) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, source);
            Files.move(
                    tmp,
                    file,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    LuaPlugin plugin() {
        return (LuaPlugin) broker.broker().plugins().plugin("lua").orElseThrow();
    }

    ScriptStatus status(String name) {
        return plugin().show().stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    io.hookline.lua.binding.KvStore kv() {
        return plugin().runtime().orElseThrow().kv();
    }

    int port() {
        return broker.port();
    }

    @Override
    public void close() {
        broker.close();
    }
}
