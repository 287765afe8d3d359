package io.hookline.lua;

import java.nio.file.Path;
import java.util.List;

/**
 * One row of {@code admin script show}.
 *
 * @param name the script's name ({@code lua.NAME.file}, or the file name without {@code .lua})
 * @param file the script file
 * @param version how many times it was (re)loaded successfully
 * @param states Lua states serving it
 * @param waiting calls waiting for a state now
 * @param queued calls so far that found every state busy and waited (all versions): more than a
 *     few means the script needs more states ({@code lua.NAME.num_states})
 * @param hooks the hooks it registered
 * @param calls calls so far (all versions)
 * @param errors calls that failed (script error, invalid answer)
 * @param timeouts calls cut off by {@code lua.call_timeout}
 * @param cancelled calls the broker cancelled (the client left) before they started: skipped,
 *     the script never ran for them; not counted in {@code calls}
 * @param averageMicros mean call time
 * @param p99Micros 99th percentile call time (bucket upper bound)
 * @param lastError the last load or reload error (the previous version kept serving), or null
 * @param problem why the script cannot serve at all (never loaded, or no Lua state left and
 *     none can be built), or null while it serves; reported by {@code /health}
 */
public record ScriptStatus(
        String name,
        Path file,
        int version,
        int states,
        int waiting,
        long queued,
        List<String> hooks,
        long calls,
        long errors,
        long timeouts,
        long cancelled,
        long averageMicros,
        long p99Micros,
        String lastError,
        String problem) {}
