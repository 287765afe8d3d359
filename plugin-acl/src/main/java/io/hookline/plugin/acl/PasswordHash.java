package io.hookline.plugin.acl;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The hash formats of mosquitto_passwd and vmq-passwd:
 * {@code $6$<salt>$<hash>} = base64(SHA-512(password || salt)) (mosquitto 1.x, vmq-passwd) and
 * {@code $7$<iterations>$<salt>$<hash>} = base64(PBKDF2-HMAC-SHA512) (mosquitto 2.x). Salt and
 * hash are standard base64. Immutable; verification compares in constant time.
 */
final class PasswordHash {
    /** What mosquitto_passwd uses for new {@code $7$} entries. */
    static final int DEFAULT_ITERATIONS = 101;

    private static final int SALT_BYTES = 12;
    private static final int HASH_BYTES = 64;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int iterations; // 0 for $6$
    private final byte[] salt;
    private final byte[] hash;

    private PasswordHash(int iterations, byte[] salt, byte[] hash) {
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /**
     * @param text the part after {@code user:}
     * @throws IllegalArgumentException saying what is wrong
     */
    static PasswordHash parse(String text) {
        String[] parts = text.split("\\$", -1);
        // "$6$salt$hash" -> ["", "6", salt, hash]; "$7$it$salt$hash" -> ["", "7", it, salt, hash]
        if (parts.length < 2 || !parts[0].isEmpty()) {
            throw new IllegalArgumentException("not a $6$ or $7$ password hash");
        }
        Base64.Decoder b64 = Base64.getDecoder();
        try {
            if (parts[1].equals("6") && parts.length == 4) {
                return new PasswordHash(0, b64.decode(parts[2]), checkedHash(b64.decode(parts[3])));
            }
            if (parts[1].equals("7") && parts.length == 5) {
                int it = Integer.parseInt(parts[2]);
                if (it < 1) {
                    throw new IllegalArgumentException("iterations must be positive: " + it);
                }
                return new PasswordHash(it, b64.decode(parts[3]), checkedHash(b64.decode(parts[4])));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("iterations are not a number: " + parts[2], e);
        }
        throw new IllegalArgumentException("unsupported hash format '$" + parts[1] + "$' (expected $6$ or $7$)");
    }

    /** @return a new {@code $7$} hash of {@code password} with a random salt */
    static PasswordHash create(byte[] password, int iterations) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return new PasswordHash(iterations, salt, pbkdf2(password, salt, iterations));
    }

    boolean matches(byte[] password) {
        byte[] computed = iterations == 0 ? sha512(password, salt) : pbkdf2(password, salt, iterations);
        return MessageDigest.isEqual(computed, hash);
    }

    /** @return the file form, {@code $6$...} or {@code $7$...} */
    String encode() {
        Base64.Encoder b64 = Base64.getEncoder();
        return iterations == 0
                ? "$6$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash)
                : "$7$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    static byte[] utf8(String password) {
        return password.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] checkedHash(byte[] h) {
        if (h.length != HASH_BYTES) {
            throw new IllegalArgumentException("hash must be " + HASH_BYTES + " bytes, is " + h.length);
        }
        return h;
    }

    private static byte[] sha512(byte[] password, byte[] salt) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-512");
            md.update(password);
            md.update(salt);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-512", e);
        }
    }

    /**
     * PBKDF2-HMAC-SHA512 over raw password bytes. The JDK's PBKDF2 SecretKeyFactory takes a
     * char[] and encodes it itself, which breaks for non-ASCII passwords compared with
     * mosquitto's byte-wise OpenSSL call; one 64-byte block is all we need, so compute it here.
     */
    private static byte[] pbkdf2(byte[] password, byte[] salt, int iterations) {
        try {
            Mac mac = Mac.getInstance("HmacSHA512");
            // SecretKeySpec refuses an empty key; HMAC pads short keys with zero bytes, so a
            // single zero byte is the same key as an empty one
            mac.init(new SecretKeySpec(password.length == 0 ? new byte[1] : password, "HmacSHA512"));
            mac.update(salt);
            mac.update(new byte[] {0, 0, 0, 1});
            byte[] u = mac.doFinal();
            byte[] out = u.clone();
            for (int i = 1; i < iterations; i++) {
                u = mac.doFinal(u);
                for (int j = 0; j < out.length; j++) {
                    out[j] ^= u[j];
                }
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK always has HmacSHA512", e);
        }
    }
}
