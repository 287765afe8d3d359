package io.hookline.broker.hooks.testplugins;

import io.hookline.api.Plugin;
import io.hookline.api.PluginContext;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hooks;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code memory_hog}, for the out-of-memory test in a broker process: a PUBLISH to {@code hog/oom}
 * makes auth_on_publish hold on to memory until the heap is gone. Off unless {@code plugins.memory_hog = on}.
 */
public final class MemoryHogPlugin implements Plugin {
    private static final List<byte[]> HELD = new ArrayList<>(); // guarded by HELD

    @Override
    public String name() {
        return "memory_hog";
    }

    @Override
    public void start(PluginContext ctx) {
        ctx.register(Hooks.AUTH_ON_PUBLISH, in -> {
            if (in.topic().equals("hog/oom")) {
                synchronized (HELD) {
                    while (true) {
                        HELD.add(new byte[1 << 20]);
                    }
                }
            }
            return Answer.next();
        });
    }
}
