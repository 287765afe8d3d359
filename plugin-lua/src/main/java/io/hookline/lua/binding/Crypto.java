package io.hookline.lua.binding;

import static io.hookline.lua.binding.Bindings.fn;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/**
 * {@code bcrypt.gen_salt([cost])}, {@code bcrypt.hashpw(password, salt_or_hash)} (BouncyCastle's
 * OpenBSDBCrypt; {@code $2a$}, {@code $2b$} and {@code $2y$} hashes, so pgcrypto's
 * {@code crypt(pw, gen_salt('bf'))} values check too), {@code crypto.hash(alg, data)} (raw digest
 * bytes) and {@code obf.encrypt/decrypt} (identity: passwords arrive in clear here).
 * Stateless; SecureRandom is thread-safe.
 */
final class Crypto {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern SALT = Pattern.compile("\\$(2[aby])\\$(\\d\\d)\\$([./A-Za-z0-9]{22}).*");
    private static final String ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final Map<String, String> DIGESTS = Map.of(
            "md5", "MD5", "sha", "SHA-1", "sha1", "SHA-1", "sha224", "SHA-224", "sha256", "SHA-256", "sha384",
            "SHA-384", "sha512", "SHA-512");
    private static final int DEFAULT_COST = 12;

    private Crypto() {}

    static LuaTable bcrypt() {
        LuaTable t = new LuaTable();
        t.set("gen_salt", fn("bcrypt.gen_salt", a -> {
            int cost = a.arg1().isnil() ? DEFAULT_COST : a.checkint(1);
            if (cost < 4 || cost > 31) {
                throw new LuaError("bad argument #1 'cost' to bcrypt.gen_salt (4..31 expected, got " + cost + ")");
            }
            byte[] salt = new byte[16];
            RANDOM.nextBytes(salt);
            return LuaValue.valueOf(String.format(Locale.ROOT, "$2a$%02d$", cost) + encode(salt));
        }));
        t.set("hashpw", fn("bcrypt.hashpw", a -> {
            if (!a.arg(1).isstring()) {
                throw LuaValues.bad("bcrypt.hashpw", 1, "password", "string", a.arg(1));
            }
            byte[] pw = HttpPools.rawBytes(a.arg(1).checkstring());
            String salt = LuaValues.string(a, 2, "bcrypt.hashpw", "salt_or_hash");
            Matcher m = SALT.matcher(salt);
            if (!m.matches()) {
                throw new LuaError("bad argument #2 'salt_or_hash' to bcrypt.hashpw (a bcrypt salt or hash like "
                        + "$2a$12$ + 22 characters expected)");
            }
            int cost = Integer.parseInt(m.group(2));
            if (cost < 4 || cost > 31) {
                throw new LuaError(
                        "bad argument #2 'salt_or_hash' to bcrypt.hashpw (cost 4..31 expected, got " + cost + ")");
            }
            // OpenBSDBCrypt hashes at most 72 bytes, as bcrypt always did
            byte[] capped = pw.length > 72 ? java.util.Arrays.copyOf(pw, 72) : pw;
            String version = m.group(1);
            return LuaValue.valueOf(OpenBSDBCrypt.generate(version, capped, decode(m.group(3)), cost));
        }));
        return t;
    }

    static LuaTable crypto() {
        LuaTable t = new LuaTable();
        t.set("hash", fn("crypto.hash", a -> {
            String alg = LuaValues.string(a, 1, "crypto.hash", "algorithm").toLowerCase(Locale.ROOT);
            String javaName = DIGESTS.get(alg);
            if (javaName == null) {
                throw new LuaError("bad argument #1 'algorithm' to crypto.hash (one of " + DIGESTS.keySet()
                        + " expected, got " + alg + ")");
            }
            if (!a.arg(2).isstring()) {
                throw LuaValues.bad("crypto.hash", 2, "data", "string", a.arg(2));
            }
            try {
                MessageDigest md = MessageDigest.getInstance(javaName);
                md.update(HttpPools.rawBytes(a.arg(2).checkstring()));
                return LuaValue.valueOf(md.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new LuaError("crypto.hash: " + javaName + " is not available: " + e.getMessage());
            }
        }));
        return t;
    }

    static LuaTable obf() {
        LuaTable t = new LuaTable();
        t.set("encrypt", fn("obf.encrypt", a -> {
            if (!a.arg1().isstring()) {
                throw LuaValues.bad("obf.encrypt", 1, "text", "string", a.arg1());
            }
            return a.arg1().checkstring();
        }));
        t.set("decrypt", fn("obf.decrypt", a -> {
            if (!a.arg1().isstring()) {
                throw LuaValues.bad("obf.decrypt", 1, "text", "string", a.arg1());
            }
            return a.arg1().checkstring();
        }));
        return t;
    }

    /** bcrypt's base64: its own alphabet, no padding. */
    static String encode(byte[] data) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < data.length) {
            int c1 = data[i++] & 0xff;
            sb.append(ALPHABET.charAt(c1 >> 2));
            c1 = (c1 & 0x03) << 4;
            if (i >= data.length) {
                sb.append(ALPHABET.charAt(c1));
                break;
            }
            int c2 = data[i++] & 0xff;
            c1 |= c2 >> 4;
            sb.append(ALPHABET.charAt(c1));
            c1 = (c2 & 0x0f) << 2;
            if (i >= data.length) {
                sb.append(ALPHABET.charAt(c1));
                break;
            }
            c2 = data[i++] & 0xff;
            c1 |= c2 >> 6;
            sb.append(ALPHABET.charAt(c1));
            sb.append(ALPHABET.charAt(c2 & 0x3f));
        }
        return sb.toString();
    }

    /** @return the 16 salt bytes of a 22-character bcrypt salt */
    static byte[] decode(String s) {
        byte[] out = new byte[16];
        int o = 0;
        int i = 0;
        while (o < 16) {
            int c1 = ALPHABET.indexOf(s.charAt(i++));
            int c2 = ALPHABET.indexOf(s.charAt(i++));
            out[o++] = (byte) ((c1 << 2) | ((c2 & 0x30) >> 4));
            if (o >= 16) {
                break;
            }
            int c3 = ALPHABET.indexOf(s.charAt(i++));
            out[o++] = (byte) (((c2 & 0x0f) << 4) | ((c3 & 0x3c) >> 2));
            if (o >= 16) {
                break;
            }
            int c4 = ALPHABET.indexOf(s.charAt(i++));
            out[o++] = (byte) (((c3 & 0x03) << 6) | c4);
        }
        return out;
    }
}
