package dev.pushback.dsl.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.List;
import java.util.Map;

import dev.pushback.dsl.tls.Der.DerException;

/**
 * A private key from a PEM file, in any of the forms openssl writes by default or with {@code
 * -traditional}: PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) and
 * SEC1 EC ({@code BEGIN EC PRIVATE KEY}). The JDK reads only PKCS#8, so the traditional forms are
 * wrapped into a PKCS#8 PrivateKeyInfo (RFC 5208) here: the key's own DER goes into its OCTET
 * STRING, with the algorithm's identifier beside it — for EC, the curve taken from the key's
 * parameters. Encrypted keys are refused with the openssl command that decrypts them.
 */
final class PrivateKeys {
    static final String RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
    static final String EC_PUBLIC_KEY = "1.2.840.10045.2.1";

    /** PKCS#8 algorithm identifiers the JDK's TLS can sign with, and the JDK's name for each. */
    private static final Map<String, String> ALGORITHMS = Map.of(
        RSA_ENCRYPTION, "RSA",
        "1.2.840.113549.1.1.10", "RSASSA-PSS",
        EC_PUBLIC_KEY, "EC",
        "1.3.101.112", "Ed25519",
        "1.3.101.113", "Ed448");

    private static final String ROLE = "private key";

    private PrivateKeys() {}

    /** The one private key in {@code file}. */
    static PrivateKey read(Path file) throws IOException {
        List<Pem.Block> blocks = Pem.read(file, ROLE);
        String where = Pem.where(file, ROLE);
        byte[] ecParameters = null;
        for (Pem.Block block : blocks) {
            if (block.label().equals("EC PARAMETERS")) {
                ecParameters = block.der(); // openssl ecparam -genkey writes the curve in a block of its own first
            }
        }
        for (Pem.Block block : blocks) {
            String at = where + ": the " + block.label() + " block on line " + block.line();
            switch (block.label()) {
                case "PRIVATE KEY":
                    return pkcs8(block.der(), at);
                case "RSA PRIVATE KEY":
                    refuseEncrypted(block, file, at);
                    return generate("RSA", wrapRsa(block.der()), at);
                case "EC PRIVATE KEY":
                    refuseEncrypted(block, file, at);
                    return generate("EC", wrapEc(block.der(), ecParameters, at), at);
                case "ENCRYPTED PRIVATE KEY":
                    throw new IOException(at + " is an encrypted PKCS#8 key, which is not supported; decrypt it first: "
                        + decryptCommand(file));
                case "DSA PRIVATE KEY":
                    throw new IOException(at + " is a DSA key: TLS 1.3 cannot use DSA; use an RSA, EC or Ed25519 key");
                case "OPENSSH PRIVATE KEY":
                    throw new IOException(at + " is an OpenSSH key, not a TLS one; write the key with openssl"
                        + " (openssl genpkey, or the key certbot wrote)");
                default:
                    break;
            }
        }
        throw new IOException(where + ": no private key (BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)"
            + " in it; it holds " + Pem.labels(blocks));
    }

    private static void refuseEncrypted(Pem.Block block, Path file, String at) throws IOException {
        if (block.encryptedHeaders()) {
            throw new IOException(at + " is encrypted (Proc-Type: 4,ENCRYPTED), which is not supported; decrypt it first: "
                + decryptCommand(file));
        }
    }

    private static String decryptCommand(Path file) {
        return "openssl pkey -in " + file + " -out " + file + ".decrypted (it asks for the pass phrase), and give that file";
    }

    /** A PKCS#8 key: the algorithm is named by its PrivateKeyInfo. */
    private static PrivateKey pkcs8(byte[] der, String at) throws IOException {
        String oid;
        try {
            Der.Reader info = new Der.Reader(der).next(Der.SEQUENCE, "PrivateKeyInfo").children();
            info.next(Der.INTEGER, "version");
            Der.Reader algorithm = info.next(Der.SEQUENCE, "algorithm identifier").children();
            oid = Der.oidString(algorithm.next(Der.OID, "algorithm").contents());
        } catch (DerException e) {
            throw new IOException(at + " is not a PKCS#8 PrivateKeyInfo: it " + e.getMessage(), e);
        }
        String algorithm = ALGORITHMS.get(oid);
        if (algorithm == null) {
            throw new IOException(at + " is a key of algorithm " + oid + ", which TLS here cannot use (RSA, RSASSA-PSS, EC,"
                + " Ed25519 and Ed448 can be)");
        }
        return generate(algorithm, der, at);
    }

    /** PKCS#1 RSAPrivateKey into PrivateKeyInfo { 0, { rsaEncryption, NULL }, OCTET STRING { key } }. */
    static byte[] wrapRsa(byte[] pkcs1) {
        return Der.sequence(
            Der.integer(0),
            Der.sequence(Der.oid(RSA_ENCRYPTION), Der.nullElement()),
            Der.octetString(pkcs1));
    }

    /**
     * SEC1 ECPrivateKey { 1, OCTET STRING key, [0] curve OPTIONAL, [1] public key OPTIONAL } into
     * PrivateKeyInfo { 0, { id-ecPublicKey, curve }, OCTET STRING { key } }: the curve is the
     * key's own {@code [0]}, or an {@code EC PARAMETERS} block's when the key has none.
     */
    static byte[] wrapEc(byte[] sec1, byte[] separateParameters, String at) throws IOException {
        byte[] curve = null;
        try {
            Der.Reader key = new Der.Reader(sec1).next(Der.SEQUENCE, "ECPrivateKey").children();
            key.next(Der.INTEGER, "version");
            key.next(Der.OCTET_STRING, "private key");
            if (key.peekTag() == Der.CONTEXT_0) {
                Der.Reader parameters = key.next(Der.CONTEXT_0, "parameters").children();
                if (parameters.peekTag() != Der.OID) {
                    throw new IOException(at + " gives its curve as explicit parameters, which are not supported;"
                        + " write it with a named curve: openssl ec -in KEY -param_enc named_curve -out KEY.named");
                }
                int start = parameters.position();
                curve = parameters.next(Der.OID, "curve").encoded(start);
            }
            if (curve == null && separateParameters != null) {
                Der.Reader parameters = new Der.Reader(separateParameters);
                int start = parameters.position();
                curve = parameters.next(Der.OID, "curve of the EC PARAMETERS block").encoded(start);
            }
        } catch (DerException e) {
            throw new IOException(at + " is not a SEC1 ECPrivateKey: it " + e.getMessage(), e);
        }
        if (curve == null) {
            throw new IOException(at + " names no curve in its parameters (and the file has no EC PARAMETERS block);"
                + " write it again with openssl ec -in KEY -out KEY.withcurve");
        }
        return Der.sequence(
            Der.integer(0),
            Der.sequence(Der.oid(EC_PUBLIC_KEY), curve),
            Der.octetString(sec1));
    }

    private static PrivateKey generate(String algorithm, byte[] pkcs8, String at) throws IOException {
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IOException(at + " is not a valid " + algorithm + " key"
                + (algorithm.equals("EC") ? " on a curve this JDK supports" : "") + ": " + e.getMessage(), e);
        }
    }
}
