package io.hookline.broker.transport;

import io.hookline.broker.transport.ListenerSettings.TlsSettings;
import io.hookline.broker.transport.MqttListener.ListenerException;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * Builds a listener's server-side {@link SslContext} (JDK provider) from PEM files, checking
 * each file and that the key belongs to the certificate, so a bad file stops the start with a
 * message naming the listener and the file. Stateless.
 */
final class ServerTls {

    private ServerTls() {}

    private static final Pattern PEM_BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)\\s*-----END \\1-----");
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA"};

    /** Loads and checks the files; {@code listenerKey} starts every message ({@code listener.ssl.NAME}). */
    static SslContext build(String listenerKey, TlsSettings tls) throws ListenerException {
        if (tls.certfile() == null) {
            throw new ListenerException(
                    listenerKey + ": no certfile configured (set " + listenerKey
                            + ".certfile or listener.ssl.certfile)",
                    null);
        }
        if (tls.keyfile() == null) {
            throw new ListenerException(
                    listenerKey + ": no keyfile configured (set " + listenerKey + ".keyfile or listener.ssl.keyfile)",
                    null);
        }
        if (tls.cafile() == null && tls.requireCertificate()) {
            throw new ListenerException(
                    listenerKey + ": require_certificate needs a cafile to check" + " client certificates against",
                    null);
        }
        List<X509Certificate> chain = certificates(listenerKey, "certfile", tls.certfile());
        PrivateKey key = privateKey(listenerKey, tls.keyfile());
        if (!matches(key, chain.get(0))) {
            throw new ListenerException(
                    listenerKey + ": keyfile " + tls.keyfile() + " does not match certfile " + tls.certfile(), null);
        }
        SSLParameters supported = supportedParameters();
        checkSupported(listenerKey, "tls_versions", tls.versions(), supported.getProtocols());
        checkSupported(listenerKey, "ciphers", tls.ciphers(), supported.getCipherSuites());
        SslContextBuilder builder = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                .sslProvider(SslProvider.JDK);
        if (!tls.versions().isEmpty()) {
            builder.protocols(tls.versions());
        }
        if (!tls.ciphers().isEmpty()) {
            builder.ciphers(tls.ciphers());
        }
        if (tls.cafile() != null) {
            List<X509Certificate> cas = certificates(listenerKey, "cafile", tls.cafile());
            builder.trustManager(cas.toArray(X509Certificate[]::new))
                    .clientAuth(tls.requireCertificate() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        try {
            SslContext context = builder.build();
            context.newEngine(ByteBufAllocator.DEFAULT); // fails now, not per connection, on a bad combination
            return context;
        } catch (IOException | RuntimeException e) {
            throw new ListenerException(
                    listenerKey + ": cannot set up TLS with certfile " + tls.certfile() + ": " + e.getMessage(), e);
        }
    }

    /**
     * What the files look like now (modification time and size of each), to tell when they
     * changed; an unreadable file counts as a change so the reload reports it.
     */
    static List<Object> stamp(TlsSettings tls) {
        List<Object> stamp = new ArrayList<>();
        for (Path file : Arrays.asList(tls.certfile(), tls.keyfile(), tls.cafile())) {
            if (file == null) {
                stamp.add(null);
                continue;
            }
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                stamp.add(a.lastModifiedTime().toMillis() + "/" + a.size());
            } catch (IOException e) {
                stamp.add("missing");
            }
        }
        return stamp;
    }

    static List<X509Certificate> certificates(String listenerKey, String what, Path file) throws ListenerException {
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Pem block : pemBlocks(listenerKey, what, file)) {
                if (block.type().equals("CERTIFICATE")) {
                    certificates.add(
                            (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
                }
            }
        } catch (CertificateException e) {
            throw new ListenerException(
                    listenerKey + ": " + what + " " + file + ": not a valid certificate: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new ListenerException(listenerKey + ": " + what + " " + file + ": no PEM certificate in it", null);
        }
        return certificates;
    }

    private static PrivateKey privateKey(String listenerKey, Path file) throws ListenerException {
        for (Pem block : pemBlocks(listenerKey, "keyfile", file)) {
            switch (block.type()) {
                case "PRIVATE KEY" -> {
                    PrivateKey key = pkcs8(block.der());
                    if (key == null) {
                        throw new ListenerException(
                                listenerKey + ": keyfile " + file + ": the private key's algorithm is not supported",
                                null);
                    }
                    return key;
                }
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" ->
                    throw new ListenerException(
                            listenerKey + ": keyfile "
                                    + file + ": a traditional OpenSSL key; convert it to PKCS#8: openssl pkcs8 -topk8"
                                    + " -nocrypt -in " + file + " -out key.pk8.pem",
                            null);
                case "ENCRYPTED PRIVATE KEY" ->
                    throw new ListenerException(
                            listenerKey + ": keyfile " + file + ": the key is encrypted; decrypt it: openssl pkcs8 -in "
                                    + file + " -out key.pem",
                            null);
                default -> {
                    // certificates may share the file with the key
                }
            }
        }
        throw new ListenerException(listenerKey + ": keyfile " + file + ": no PEM private key in it", null);
    }

    private static PrivateKey pkcs8(byte[] der) {
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (NoSuchAlgorithmException | InvalidKeySpecException e) {
                // not this algorithm: try the next
            }
        }
        return null;
    }

    /** Whether {@code key} is the private half of the certificate's public key: sign with one, verify with the other. */
    private static boolean matches(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "DSA" -> "SHA256withDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return true; // cannot tell here; the handshake will
        }
        if (!Objects.equals(
                normalise(key.getAlgorithm()),
                normalise(certificate.getPublicKey().getAlgorithm()))) {
            return false;
        }
        try {
            byte[] data = new byte[32];
            new SecureRandom().nextBytes(data);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(data);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(data);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String normalise(String algorithm) {
        return algorithm.startsWith("Ed") ? "EdDSA" : algorithm;
    }

    private record Pem(String type, byte[] der) {}

    private static List<Pem> pemBlocks(String listenerKey, String what, Path file) throws ListenerException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new ListenerException(listenerKey + ": " + what + " " + file + ": file not found", e);
        } catch (AccessDeniedException e) {
            throw new ListenerException(listenerKey + ": " + what + " " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new ListenerException(
                    listenerKey + ": " + what + " " + file + ": cannot read it (" + e.getMessage() + ")", e);
        }
        List<Pem> blocks = new ArrayList<>();
        Matcher m = PEM_BLOCK.matcher(text);
        while (m.find()) {
            try {
                blocks.add(new Pem(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new ListenerException(
                        listenerKey + ": " + what + " " + file + ": a PEM block is not valid" + " base64", e);
            }
        }
        return blocks;
    }

    private static SSLParameters supportedParameters() {
        try {
            return SSLContext.getDefault().getSupportedSSLParameters();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no default TLS context", e);
        }
    }

    private static void checkSupported(String listenerKey, String setting, List<String> wanted, String[] supported)
            throws ListenerException {
        List<String> known = Arrays.asList(supported);
        for (String w : wanted) {
            if (!known.contains(w)) {
                throw new ListenerException(
                        listenerKey + ": " + setting + ": '" + w + "' is not supported by this" + " JDK"
                                + (setting.equals("tls_versions")
                                        ? " (supported: " + String.join(", ", known) + ")"
                                        : ""),
                        null);
            }
        }
    }
}
