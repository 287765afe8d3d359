package io.hookline.lua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.testsupport.AdminHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** script load|reload|unload|show through the management API of a real broker. */
class ScriptCommandsTest {

    private static final String ALLOW_ALL = "hooks = { auth_on_register = function(reg) return true end }";

    @Test
    void scriptsAreLoadedShownReloadedAndUnloadedThroughTheApi(@TempDir Path dir, @TempDir Path data) throws Exception {
        try (LuaBroker lua = LuaBroker.start(
                dir,
                List.of("listener.http.default", "127.0.0.1:0", "data_dir", data.toString()),
                "first.lua",
                ALLOW_ALL)) {
            AdminHttp admin = new AdminHttp(lua.broker.httpPort(), AdminHttp.adminKey(data));

            AdminHttp.Answer shown = admin.get("/api/v1/script/show");
            assertEquals(200, shown.status(), shown.body());
            assertTrue(shown.body().contains("\"name\":\"first\""), shown.body());

            // in a subdirectory of script_dir: the watcher (only *.lua directly in it) leaves it to the command
            Path extra = dir.resolve("manual").resolve("extra.lua");
            Files.createDirectories(extra.getParent());
            LuaBroker.write(extra, ALLOW_ALL.replace("true", "false"));
            AdminHttp.Answer loaded = admin.post("/api/v1/script/load?path=" + extra);
            assertEquals(200, loaded.status(), loaded.body());
            assertTrue(loaded.body().contains("auth_on_register"), loaded.body());

            AdminHttp.Answer again = admin.post("/api/v1/script/load?path=" + extra);
            assertEquals(409, again.status(), again.body());

            LuaBroker.write(extra, "hooks = {"); // a syntax error: refused, the old version keeps serving
            AdminHttp.Answer broken = admin.post("/api/v1/script/reload?path=" + extra);
            assertEquals(400, broken.status(), broken.body());
            assertTrue(broken.error().contains("previous version keeps serving"), broken.body());
            assertEquals(1, lua.status("extra").version());

            AdminHttp.Answer unloaded = admin.post("/api/v1/script/unload?path=" + extra);
            assertEquals(200, unloaded.status(), unloaded.body());
            AdminHttp.Answer unknown = admin.post("/api/v1/script/unload?path=" + dir.resolve("nope.lua"));
            assertEquals(404, unknown.status(), unknown.body());

            AdminHttp.Answer get = admin.get("/api/v1/script/load?path=" + extra);
            assertEquals(405, get.status(), "a changing command refuses GET: " + get.body());
        }
    }

    /** Issue 16 item 8: script load reads only regular files inside lua.script_dir, bounded in size. */
    @Test
    void loadRefusesFilesOutsideTheScriptDirDevicesAndOversizedFiles(
            @TempDir Path dir, @TempDir Path data, @TempDir Path outside) throws Exception {
        try (LuaBroker lua = LuaBroker.start(
                dir,
                List.of(
                        "listener.http.default",
                        "127.0.0.1:0",
                        "data_dir",
                        data.toString(),
                        "lua.max_script_size",
                        "4096"),
                "first.lua",
                ALLOW_ALL)) {
            AdminHttp admin = new AdminHttp(lua.broker.httpPort(), AdminHttp.adminKey(data));
            Path secret = outside.resolve("secret.lua");
            Files.writeString(secret, "hooks = { auth_on_register = function(reg) return false end }");
            Path link = dir.resolve("manual").resolve("link.lua");
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, secret);
            Path big = dir.resolve("manual").resolve("big.lua");
            Files.writeString(big, "-- " + "x".repeat(5000) + "\n" + ALLOW_ALL);

            for (Path refused : List.of(secret, link, Path.of("/dev/zero"), Path.of("/etc/passwd"))) {
                AdminHttp.Answer a = admin.post("/api/v1/script/load?path=" + refused);
                assertEquals(400, a.status(), refused + ": " + a.body());
                assertTrue(a.error().contains("outside lua.script_dir"), a.body());
            }
            AdminHttp.Answer directory = admin.post("/api/v1/script/load?path=" + dir.resolve("manual"));
            assertEquals(400, directory.status(), directory.body());
            assertTrue(directory.error().contains("not a regular file"), directory.body());
            AdminHttp.Answer tooBig = admin.post("/api/v1/script/load?path=" + big);
            assertEquals(400, tooBig.status(), tooBig.body());
            assertTrue(tooBig.error().contains("above lua.max_script_size (4096)"), tooBig.body());

            assertEquals(
                    List.of("first"),
                    lua.plugin().show().stream().map(ScriptStatus::name).toList(),
                    "nothing refused got loaded");
            String metrics = io.hookline.broker.testsupport.Survival.get(lua.broker.httpPort(), "/metrics")
                    .body();
            assertTrue(metrics.contains("script_loads_refused"), "the refusals are counted in /metrics");
            io.hookline.broker.testsupport.Survival.assertHealthy(lua.broker.httpPort());
        }
    }
}
