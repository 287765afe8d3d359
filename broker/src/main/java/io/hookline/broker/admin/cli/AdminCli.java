package io.hookline.broker.admin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bin/admin}: a thin client of the management HTTP API. Finds the command in the tree
 * the broker describes ({@code /api/v1/_commands}), sends it (GET for reading commands, POST
 * with a JSON body for changing ones), prints tables, texts or a stream. Exit codes: 0 done,
 * 1 refused (message on stderr), 2 broker unreachable. Confined to the main thread.
 */
@Command(
        name = "admin",
        mixinStandardHelpOptions = false,
        sortOptions = false,
        description = "Manage a running Hookline broker through its HTTP API.")
public final class AdminCli {
    static final int OK = 0;
    static final int REFUSED = 1;
    static final int UNREACHABLE = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(
            names = "--url",
            paramLabel = "URL",
            description =
                    "management API (default: listener.http.default of conf/broker.conf, else http://127.0.0.1:8888)")
    String url;

    @Option(
            names = "--api-key",
            paramLabel = "KEY",
            description = "API key (default: $HOOKLINE_API_KEY, else data_dir/admin.key of conf/broker.conf)")
    String apiKey;

    @Option(names = "--json", description = "print the broker's JSON answer as it is")
    boolean json;

    @Option(names = "--config", paramLabel = "FILE", description = "broker.conf to read data_dir and the URL from")
    Path config;

    @Option(
            names = {"-h", "--help"},
            description = "help for the command words given (or all commands)")
    boolean help;

    @Parameters(paramLabel = "WORDS", description = "command words, then key=value arguments and --flags")
    List<String> rest = new ArrayList<>();

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Path home;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    AdminCli(PrintStream out, PrintStream err, Map<String, String> env, Path home) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.home = home;
    }

    public static void main(String[] args) {
        Path home = Path.of(System.getProperty("hookline.home", "."));
        // a command-line tool: stdout and stderr are its interface
        System.exit(run(args, System.out, System.err, System.getenv(), home));
    }

    /** Runs one invocation; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env, Path home) {
        AdminCli cli = new AdminCli(out, err, env, home);
        CommandLine cl = new CommandLine(cli);
        cl.setStopAtPositional(true);
        cl.setUnmatchedOptionsArePositionalParams(true);
        try {
            cl.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            err.println("admin: " + e.getMessage());
            return REFUSED;
        }
        return cli.execute(cl);
    }

    private int execute(CommandLine cl) {
        List<String> words = new ArrayList<>();
        List<String> params = new ArrayList<>();
        for (String a : rest) {
            switch (a) {
                case "--json" -> json = true;
                case "--help", "-h" -> help = true;
                default -> {
                    if (params.isEmpty() && !a.startsWith("-") && !a.contains("=")) {
                        words.add(a);
                    } else {
                        params.add(a);
                    }
                }
            }
        }
        LocalConfig local = LocalConfig.read(config != null ? config : home.resolve("conf/broker.conf"), env, home);
        String base = (url != null ? url : local.url()).replaceAll("/+$", "");
        String key = apiKey != null ? apiKey : env.getOrDefault("HOOKLINE_API_KEY", local.adminKey());
        Api api = new Api(http, base, key);
        try {
            if (help || words.isEmpty()) {
                return help(cl, api, words);
            }
            JsonNode tree = api.commands();
            Tree.Found found = Tree.find(tree, words);
            if (found == null) {
                err.println("admin: " + Tree.unknown(tree, words));
                return REFUSED;
            }
            params = Tree.joinFlagValues(found.command(), params);
            List<String> positional = new ArrayList<>(words.subList(found.length(), words.size()));
            for (String p : params) {
                if (!p.startsWith("-") && !p.contains("=")) {
                    positional.add(p);
                }
            }
            List<String> cmdWords = words.subList(0, found.length());
            if (found.command().path("changes_state").asBoolean()) {
                return print(api.send(api.post(cmdWords, positional, body(params))));
            }
            HttpRequest request = api.get(cmdWords, positional, params);
            if (found.command().path("streams").asBoolean()) {
                return stream(api, request);
            }
            return print(api.send(request));
        } catch (Unreachable e) {
            err.println("admin: cannot reach the broker at " + base + ": " + e.getMessage());
            return UNREACHABLE;
        } catch (Refused e) {
            err.println("admin: " + e.getMessage());
            return REFUSED;
        }
    }

    private int help(CommandLine cl, Api api, List<String> words) {
        JsonNode tree;
        try {
            tree = api.commands();
        } catch (Refused e) {
            out.print(cl.getUsageMessage(CommandLine.Help.Ansi.OFF));
            err.println("admin: the command list is not available: " + e.getMessage());
            return REFUSED;
        }
        String text = Tree.usage(
                tree, words, cl.getHelp().description() + cl.getHelp().optionList());
        if (text == null) {
            err.println("admin: " + Tree.unknown(tree, words));
            return REFUSED;
        }
        out.print(text);
        return OK;
    }

    private static ObjectNode body(List<String> params) {
        ObjectNode body = JSON.createObjectNode();
        for (String p : params) {
            int eq = p.indexOf('=');
            if (p.startsWith("--")) {
                body.put(eq < 0 ? p : p.substring(0, eq), eq < 0 ? "" : p.substring(eq + 1));
            } else if (eq > 0) {
                body.put(p.substring(0, eq), p.substring(eq + 1));
            }
        }
        return body;
    }

    private int print(HttpResponse<String> r) {
        return print(r.statusCode(), r.body());
    }

    private int print(int status, String text) {
        JsonNode body;
        try {
            body = JSON.readTree(text);
        } catch (IOException e) {
            throw new Refused("HTTP " + status + ": " + text);
        }
        if (status >= 400 || "error".equals(body.path("type").asText())) {
            if (json) {
                out.println(text);
            }
            throw new Refused(body.path("error").asText("HTTP " + status));
        }
        if (json) {
            out.println(text);
            return OK;
        }
        if ("text".equals(body.path("type").asText())) {
            out.println(body.path("text").asText());
        } else {
            out.print(TableText.render(body.path("table")));
            if (body.has("next_offset")) {
                out.println("(" + body.path("table").size() + " of "
                        + body.path("total").asInt() + " rows; next page: --offset="
                        + body.path("next_offset").asInt() + ")");
            }
            if (body.path("note").isTextual()) {
                out.println(body.path("note").asText());
            }
        }
        return OK;
    }

    private int stream(Api api, HttpRequest request) {
        HttpResponse<InputStream> r = api.stream(request);
        if (r.statusCode() != 200) {
            try (InputStream in = r.body()) {
                return print(r.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new Unreachable(e.toString());
            }
        }
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isEmpty()) { // empty lines are the broker's heartbeats
                    out.println(line);
                    out.flush();
                }
            }
        } catch (IOException e) {
            throw new Unreachable("the stream broke: " + e.getMessage());
        }
        return OK;
    }

    /** The broker could not be reached. */
    static final class Unreachable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unreachable(String message) {
            super(message);
        }
    }

    /** The broker refused (or answered something that is not the API). */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /** The HTTP side: builds requests from words and parameters, maps network failures to {@link Unreachable}. */
    record Api(HttpClient http, String base, String key) {
        JsonNode commands() {
            HttpResponse<String> r = send(request("_commands").GET().build());
            try {
                JsonNode node = JSON.readTree(r.body());
                if (r.statusCode() != 200) {
                    throw new Refused(node.path("error").asText("HTTP " + r.statusCode()));
                }
                return node;
            } catch (IOException e) {
                throw new Refused("HTTP " + r.statusCode() + " from " + base + " is not the Hookline API");
            }
        }

        HttpRequest get(List<String> words, List<String> positional, List<String> params) {
            StringBuilder query = new StringBuilder();
            for (String p : params) {
                if (p.startsWith("-") || p.contains("=")) {
                    int eq = p.indexOf('=');
                    query.append(query.isEmpty() ? "?" : "&")
                            .append(enc(eq < 0 ? p : p.substring(0, eq)))
                            .append(eq < 0 ? "" : "=" + enc(p.substring(eq + 1)));
                }
            }
            return request(path(words, positional) + query).GET().build();
        }

        HttpRequest post(List<String> words, List<String> positional, ObjectNode body) {
            return request(path(words, positional))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                    .build();
        }

        private static String path(List<String> words, List<String> positional) {
            List<String> all = new ArrayList<>(words);
            all.addAll(positional);
            return String.join("/", all.stream().map(Api::enc).toList());
        }

        private HttpRequest.Builder request(String path) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/v1/" + path));
            if (key != null && !key.isEmpty()) {
                b.header("x-api-key", key);
            }
            return b;
        }

        HttpResponse<String> send(HttpRequest request) {
            try {
                return http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (ConnectException | HttpConnectTimeoutException e) {
                throw new Unreachable(e.getMessage() == null ? e.toString() : e.getMessage());
            } catch (IOException e) {
                throw new Unreachable(e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Unreachable("interrupted");
            }
        }

        HttpResponse<InputStream> stream(HttpRequest request) {
            try {
                return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw new Unreachable(e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Unreachable("interrupted");
            }
        }

        private static String enc(String s) {
            return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
        }
    }
}
