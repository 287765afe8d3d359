package io.hookline.broker.hooks.plugins;

import io.hookline.api.Plugin;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds plugins with {@link ServiceLoader}: on the classpath and in each jar of a
 * {@code plugins/} directory (one class loader per jar, parent = the broker's). A jar or
 * provider that fails to load is reported and skipped; the broker starts anyway.
 */
public final class PluginLoader {
    /** The service file a plugin jar must contain. */
    public static final String SERVICE_FILE = "META-INF/services/" + Plugin.class.getName();

    private static final Logger LOG = LoggerFactory.getLogger(PluginLoader.class);
    // a broken service file can make the iterator fail on every step; never loop forever
    private static final int MAX_PROVIDER_ERRORS = 100;

    private PluginLoader() {}

    /**
     * A plugin found, with where it came from.
     *
     * @param plugin the instance
     * @param source "classpath" or the jar's path
     */
    public record Found(Plugin plugin, String source) {}

    /**
     * Something that could not be loaded.
     *
     * @param source "classpath" or the jar's path
     * @param message what went wrong
     */
    public record LoadFailure(String source, String message) {}

    /** Everything found and everything that failed. */
    public record Discovery(List<Found> plugins, List<LoadFailure> failures) {}

    /**
     * @param parent the broker's class loader
     * @param pluginsDir directory of drop-in jars, or null; missing is fine
     */
    public static Discovery discover(ClassLoader parent, Path pluginsDir) {
        List<Found> found = new ArrayList<>();
        List<LoadFailure> failures = new ArrayList<>();
        collect(ServiceLoader.load(Plugin.class, parent), null, "classpath", found, failures);
        if (pluginsDir != null && Files.isDirectory(pluginsDir)) {
            List<Path> jars;
            try (Stream<Path> s = Files.list(pluginsDir)) {
                jars = s.filter(p -> p.getFileName().toString().endsWith(".jar"))
                        .sorted()
                        .toList();
            } catch (IOException e) {
                failures.add(report(pluginsDir.toString(), "cannot list directory: " + e));
                jars = List.of();
            }
            for (Path jar : jars) {
                loadJar(jar, parent, found, failures);
            }
        }
        return new Discovery(List.copyOf(found), List.copyOf(failures));
    }

    private static void loadJar(Path jar, ClassLoader parent, List<Found> found, List<LoadFailure> failures) {
        String source = jar.toString();
        try (JarFile jf = new JarFile(jar.toFile())) {
            if (jf.getEntry(SERVICE_FILE) == null) {
                failures.add(report(source, "no " + SERVICE_FILE + " in the jar"));
                return;
            }
        } catch (IOException e) {
            failures.add(report(source, "not a readable jar: " + e.getMessage()));
            return;
        }
        URL url;
        try {
            url = jar.toUri().toURL();
        } catch (MalformedURLException e) {
            failures.add(report(source, e.toString()));
            return;
        }
        // the loader stays open as long as the plugin's classes may be used
        URLClassLoader loader = new URLClassLoader("plugin:" + jar.getFileName(), new URL[] {url}, parent);
        int before = found.size();
        collect(ServiceLoader.load(Plugin.class, loader), loader, source, found, failures);
        if (found.size() == before) {
            failures.add(report(source, "no loadable plugin in the jar"));
        }
    }

    private static void collect(
            ServiceLoader<Plugin> sl,
            ClassLoader onlyFrom,
            String source,
            List<Found> found,
            List<LoadFailure> failures) {
        Iterator<ServiceLoader.Provider<Plugin>> it = sl.stream().iterator();
        int errors = 0;
        while (errors < MAX_PROVIDER_ERRORS) {
            try {
                if (!it.hasNext()) {
                    return;
                }
                ServiceLoader.Provider<Plugin> p = it.next();
                if (onlyFrom != null && p.type().getClassLoader() != onlyFrom) {
                    continue; // found through the parent: already listed as classpath
                }
                found.add(new Found(p.get(), source));
            } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
                errors++;
                failures.add(report(source, e.toString()));
            }
        }
    }

    private static LoadFailure report(String source, String message) {
        LOG.error("plugin from {} skipped: {}", source, message);
        return new LoadFailure(source, message);
    }
}
