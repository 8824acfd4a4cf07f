package dev.pushback.dsl.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.util.ArrayList;
import java.util.List;

/**
 * X.509 certificates from PEM files, and the check that a private key is the one its certificate
 * was issued for — so a mismatched pair fails when the config is made, naming both files, not at
 * every client's handshake with an alert that says nothing.
 */
final class Certificates {
    private Certificates() {}

    /** Every {@code BEGIN CERTIFICATE} block of {@code file}, in order; at least one. */
    static List<X509Certificate> read(Path file, String role) throws IOException {
        List<Pem.Block> blocks = Pem.read(file, role);
        String where = Pem.where(file, role);
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        List<X509Certificate> certificates = new ArrayList<>();
        for (Pem.Block block : blocks) {
            if (!block.label().equals("CERTIFICATE")) {
                continue; // a key or parameters kept in the same file
            }
            try {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
            } catch (CertificateException e) {
                throw new IOException(where + ": the CERTIFICATE block on line " + block.line()
                    + " is not a valid X.509 certificate: " + e.getMessage(), e);
            }
        }
        if (certificates.isEmpty()) {
            throw new IOException(where + ": no certificate (BEGIN CERTIFICATE) in it; it holds " + Pem.labels(blocks));
        }
        return List.copyOf(certificates);
    }

    /**
     * Fails unless {@code key} belongs to {@code certificate}'s public key: the same RSA modulus,
     * or for other algorithms a signature made with the key that the certificate's key verifies.
     *
     * @param what names the key and the certificate's source for the error
     */
    static void checkKeyMatches(PrivateKey key, X509Certificate certificate, String what) throws IOException {
        PublicKey publicKey = certificate.getPublicKey();
        String subject = certificate.getSubjectX500Principal().getName();
        if (key instanceof RSAKey rsa && publicKey instanceof RSAKey rsaPublic) {
            if (!rsa.getModulus().equals(rsaPublic.getModulus())) {
                throw mismatch(what, subject);
            }
            return;
        }
        String keyAlgorithm = family(key.getAlgorithm());
        String certificateAlgorithm = family(publicKey.getAlgorithm());
        if (!keyAlgorithm.equals(certificateAlgorithm)) {
            throw new IOException(what + ": the private key is " + key.getAlgorithm() + " but the certificate (" + subject
                + ") is for a " + publicKey.getAlgorithm() + " key: they are not a pair");
        }
        try {
            String algorithm = switch (keyAlgorithm) {
                case "EC" -> "SHA256withECDSA";
                case "EdDSA" -> "EdDSA";
                default -> throw new IOException(what + ": cannot check a " + key.getAlgorithm() + " key against its certificate");
            };
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            if (!verifier.verify(signature)) {
                throw mismatch(what, subject);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(what + ": the private key does not fit the certificate (" + subject + "): " + e.getMessage(), e);
        }
    }

    /** Ed25519 and Ed448 keys name themselves EdDSA or by curve, depending on how they were made. */
    private static String family(String algorithm) {
        return algorithm.startsWith("Ed") ? "EdDSA" : algorithm.equals("RSASSA-PSS") ? "RSA" : algorithm;
    }

    private static IOException mismatch(String what, String subject) {
        return new IOException(what + ": the private key does not belong to the first certificate (" + subject
            + "); the server's own certificate must come first in the chain, and the key must be its key");
    }
}
