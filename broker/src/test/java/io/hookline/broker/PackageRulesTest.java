package io.hookline.broker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The broker's package rules (docs/design/packages.md): no package loops, and each layer uses
 * only the layers below it. A new package must be placed in a layer here and in the doc.
 */
class PackageRulesTest {

    private static final String ROOT = "io.hookline.broker";

    /**
     * Each layer, top to bottom, with the packages in it and the layers it may use. session and
     * hooks sit side by side: protocol drives both, neither knows the other. config, metrics and
     * util are the foundation: they use no other broker package.
     */
    private static final Map<String, Layer> LAYERS = new LinkedHashMap<>();

    private record Layer(String packages, List<String> mayUse) {}

    /**
     * Every layer below the wiring, top to bottom. http, admin, transport and protocol may use all
     * the layers after them here; the others name theirs.
     */
    private static final List<String> TOP_DOWN = List.of(
            "http",
            "admin",
            "cluster",
            "transport",
            "protocol",
            "session",
            "hooks",
            "store",
            "routing",
            "config",
            "metrics",
            "util");

    static {
        layer("wiring", ROOT, TOP_DOWN.toArray(String[]::new));
        layer("http", ROOT + ".http..", below("http"));
        layer("admin", ROOT + ".admin..", below("admin"));
        layer("transport", ROOT + ".transport..", below("transport"));
        layer("cluster", ROOT + ".cluster..", "session", "store", "routing", "config", "metrics", "util");
        layer("protocol", ROOT + ".protocol..", below("protocol"));
        layer("session", ROOT + ".session..", "store", "routing", "config", "metrics", "util");
        layer("hooks", ROOT + ".hooks..", "config", "metrics", "util");
        layer("store", ROOT + ".store..", "routing", "config", "metrics", "util");
        layer("routing", ROOT + ".routing..", "config", "metrics", "util");
        layer("config", ROOT + ".config..");
        layer("metrics", ROOT + ".metrics..");
        layer("util", ROOT + ".util..");
    }

    private static void layer(String name, String packages, String... mayUse) {
        LAYERS.put(name, new Layer(packages, List.of(mayUse)));
    }

    /** The layers after {@code name} in {@link #TOP_DOWN}. */
    private static String[] below(String name) {
        return TOP_DOWN.subList(TOP_DOWN.indexOf(name) + 1, TOP_DOWN.size()).toArray(String[]::new);
    }

    private static JavaClasses classes;
    private static JavaClasses api;

    @BeforeAll
    static void importBroker() {
        ClassFileImporter importer =
                new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS);
        classes = importer.importPackages(ROOT);
        assertFalse(classes.isEmpty(), "no broker classes found on the class path");
        api = importer.importPackages("io.hookline.api");
        assertFalse(api.isEmpty(), "no plugin-api classes found on the class path");
    }

    @Test
    void topLevelPackagesAreFreeOfCycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    /** Finer than the top level: every package on its own, the root (Broker, Main) and sub-packages included. */
    @Test
    void everyPackageIsFreeOfCycles() {
        slices().assignedFrom(new SliceAssignment() {
                    @Override
                    public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
                        String pkg = javaClass.getPackageName();
                        return pkg.equals(ROOT) || pkg.startsWith(ROOT + ".")
                                ? SliceIdentifier.of(pkg)
                                : SliceIdentifier.ignore();
                    }

                    @Override
                    public String getDescription() {
                        return "every package of " + ROOT;
                    }
                })
                .should()
                .beFreeOfCycles()
                .check(classes);
    }

    @Test
    void layersUseOnlyTheLayersBelowThem() {
        LayeredArchitecture rule = layeredArchitecture().consideringOnlyDependenciesInLayers();
        for (Map.Entry<String, Layer> e : LAYERS.entrySet()) {
            rule = rule.layer(e.getKey()).definedBy(e.getValue().packages());
        }
        for (Map.Entry<String, Layer> e : LAYERS.entrySet()) {
            List<String> mayUse = e.getValue().mayUse();
            rule = mayUse.isEmpty()
                    ? rule.whereLayer(e.getKey()).mayNotAccessAnyLayer()
                    : rule.whereLayer(e.getKey()).mayOnlyAccessLayers(mayUse.toArray(String[]::new));
        }
        rule.ensureAllClassesAreContainedInArchitecture()
                .because("each package has its place in docs/design/packages.md; a new one is placed there first")
                .check(classes);
    }

    /** plugin-api is what plugins compile against: it must not lead them into the broker or Netty. */
    @Test
    void pluginApiKnowsNeitherTheBrokerNorNetty() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(ROOT + "..", "io.netty..")
                .because("plugins compile against plugin-api alone")
                .check(api);
    }

    /** One topic library (plugin-api's), so that the router and an ACL decision cannot disagree on a topic. */
    @Test
    void topicRulesLiveOnlyInPluginApi() {
        noClasses()
                .should()
                .haveSimpleName("Topics")
                .because("topic validation and matching are io.hookline.api.mqtt.Topics, shared with plugins")
                .check(classes);
    }
}
