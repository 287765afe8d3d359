package io.hookline.broker.protocol;

import io.netty.util.AttributeKey;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * The certificate a TLS client presented and the listener verified. Immutable. The transport
 * puts it on the channel ({@link #ATTRIBUTE}) when the handshake completes, before any MQTT
 * packet is read.
 *
 * @param subject     the subject DN (RFC 2253), e.g. {@code CN=sensor-1,O=Acme}
 * @param commonName  the subject's CN, or null when it has none
 * @param fingerprint SHA-256 of the DER encoding, lower-case hex
 */
public record ClientCertificate(String subject, String commonName, String fingerprint) {

    public static final AttributeKey<ClientCertificate> ATTRIBUTE = AttributeKey.valueOf("hookline.clientCertificate");

    public static ClientCertificate of(X509Certificate certificate) {
        String subject = certificate.getSubjectX500Principal().getName(X500Principal.RFC2253);
        String cn = null;
        try {
            for (Rdn rdn : new LdapName(subject).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    cn = rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            // an RFC 2253 name from the JDK always parses; without a CN the identity is absent
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return new ClientCertificate(subject, cn, HexFormat.of().formatHex(digest));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint a certificate the handshake accepted", e);
        }
    }
}
