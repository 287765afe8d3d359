package io.hookline.lua;

import io.hookline.broker.testsupport.AdminHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** script load|reload|unload|show through the management API of a real broker. */
class ScriptCommandsTest {

    private static final String ALLOW_ALL = "hooks = { auth_on_register = function(reg) return true end }";

    @Test
    void scriptsAreLoadedShownReloadedAndUnloadedThroughTheApi(@TempDir Path dir, @TempDir Path data,
                                                              @TempDir Path outside) {
        try (LuaBroker lua = LuaBroker.start(dir, List.of("listener.http.default", "127.0.0.1:0",
                "data_dir", data.toString()), "first.lua", ALLOW_ALL)) {
            AdminHttp admin = new AdminHttp(lua.broker.httpPort(), AdminHttp.adminKey(data));

            AdminHttp.Answer shown = admin.get("/api/v1/script/show");
            assertEquals(200, shown.status(), shown.body());
            assertTrue(shown.body().contains("\"name\":\"first\""), shown.body());

            // outside the watched script_dir: there the watcher could load it before the command does
            Path extra = outside.resolve("extra.lua");
            LuaBroker.write(extra, ALLOW_ALL.replace("true", "false"));
            AdminHttp.Answer loaded = admin.post("/api/v1/script/load?path=" + extra);
            assertEquals(200, loaded.status(), loaded.body());
            assertTrue(loaded.body().contains("auth_on_register"), loaded.body());

            AdminHttp.Answer again = admin.post("/api/v1/script/load?path=" + extra);
            assertEquals(409, again.status(), again.body());

            LuaBroker.write(extra, "hooks = {");   // a syntax error: refused, the old version keeps serving
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
}
