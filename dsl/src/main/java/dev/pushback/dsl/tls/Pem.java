package dev.pushback.dsl.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The blocks of a PEM file (RFC 7468) as openssl and certbot write them: {@code -----BEGIN
 * LABEL-----}, base64 lines, {@code -----END LABEL-----}. Text between blocks is skipped (openssl
 * prints a certificate's text form before it, certbot's chain files have none); RFC 1421 headers
 * inside a block ({@code Proc-Type: 4,ENCRYPTED}) are kept, so that an encrypted traditional key can
 * be refused by name. Every error names the file and the line.
 */
final class Pem {
    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";

    /** One block: its label, whether it had RFC 1421 headers saying it is encrypted, its bytes, and where it starts. */
    record Block(String label, boolean encryptedHeaders, byte[] der, int line) {}

    private Pem() {}

    /**
     * Reads {@code file}; {@code role} says what it is for in error messages ("certificate chain",
     * "private key").
     */
    static List<Block> read(Path file, String role) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1); // PEM is ASCII; a stray byte is no reason to fail here
        } catch (NoSuchFileException e) {
            throw new IOException(where(file, role) + ": no such file", e);
        } catch (IOException e) {
            throw new IOException(where(file, role) + ": cannot be read: " + e, e);
        }
        List<Block> blocks = new ArrayList<>();
        String[] lines = text.split("\r?\n|\r", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (!line.startsWith(BEGIN)) {
                continue;
            }
            int beginLine = i + 1;
            if (!line.endsWith(DASHES) || line.length() < BEGIN.length() + DASHES.length()) {
                throw new IOException(where(file, role) + ": line " + beginLine + ": a malformed BEGIN line: " + line);
            }
            String label = line.substring(BEGIN.length(), line.length() - DASHES.length());
            String end = END + label + DASHES;
            StringBuilder base64 = new StringBuilder();
            boolean headers = false;
            boolean encrypted = false;
            boolean ended = false;
            for (i++; i < lines.length; i++) {
                String body = lines[i].strip();
                if (body.equals(end)) {
                    ended = true;
                    break;
                }
                if (body.startsWith(END) || body.startsWith(BEGIN)) {
                    throw new IOException(where(file, role) + ": line " + (i + 1) + ": " + body
                        + " where " + end + " should close the block begun on line " + beginLine);
                }
                if (body.indexOf(':') > 0 && base64.length() == 0) { // RFC 1421 headers come first
                    headers = true;
                    encrypted |= body.equals("Proc-Type: 4,ENCRYPTED") || body.startsWith("DEK-Info:");
                    continue;
                }
                if (headers && body.isEmpty()) {
                    continue; // the blank line after the headers
                }
                base64.append(body);
            }
            if (!ended) {
                throw new IOException(where(file, role) + ": the block " + BEGIN + label + DASHES + " begun on line "
                    + beginLine + " has no " + end + " (the file is cut short?)");
            }
            byte[] der;
            try {
                der = Base64.getDecoder().decode(base64.toString());
            } catch (IllegalArgumentException e) {
                throw new IOException(where(file, role) + ": the " + label + " block on line " + beginLine
                    + " is not valid base64: " + e.getMessage(), e);
            }
            if (der.length == 0) {
                throw new IOException(where(file, role) + ": the " + label + " block on line " + beginLine + " is empty");
            }
            blocks.add(new Block(label, encrypted, der, beginLine));
        }
        return blocks;
    }

    /** How an error names the file: its role and its path. */
    static String where(Path file, String role) {
        return "TLS " + role + " " + file;
    }

    /** The labels of {@code blocks}, for an error that found none it wanted. */
    static String labels(List<Block> blocks) {
        if (blocks.isEmpty()) {
            return "no PEM block at all (is it DER, or not a PEM file?)";
        }
        List<String> labels = new ArrayList<>();
        for (Block block : blocks) {
            labels.add(block.label());
        }
        return "only " + String.join(", ", labels);
    }
}
