package dev.pushback.dsl.tls;

import java.io.ByteArrayOutputStream;

/**
 * The little of DER (ITU-T X.690) that wrapping a traditional private key into PKCS#8 needs:
 * reading one element (tag, length, contents) at a time, and writing the few element kinds a
 * PrivateKeyInfo is made of. Not a general ASN.1 parser: it knows single-byte tags and definite
 * lengths only, which is all DER allows for these structures.
 */
final class Der {
    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int SEQUENCE = 0x30;
    /** [0] EXPLICIT, constructed: where SEC1 keeps an EC key's curve. */
    static final int CONTEXT_0 = 0xA0;

    private Der() {}

    /** One element read from {@code bytes}: its tag, and where its contents start and end. */
    record Element(int tag, byte[] bytes, int start, int end) {
        /** The contents as their own array. */
        byte[] contents() {
            return java.util.Arrays.copyOfRange(bytes, start, end);
        }

        /** The whole element, tag and length included, starting at {@code from}. */
        byte[] encoded(int from) {
            return java.util.Arrays.copyOfRange(bytes, from, end);
        }

        /** A reader of the elements inside this constructed one. */
        Reader children() {
            return new Reader(bytes, start, end);
        }
    }

    /** Reads the elements of a region one after another. */
    static final class Reader {
        private final byte[] bytes;
        private int position;
        private final int end;

        Reader(byte[] bytes) {
            this(bytes, 0, bytes.length);
        }

        private Reader(byte[] bytes, int start, int end) {
            this.bytes = bytes;
            this.position = start;
            this.end = end;
        }

        boolean hasNext() {
            return position < end;
        }

        /** The next element's tag, without reading it; -1 at the end. */
        int peekTag() {
            return position < end ? bytes[position] & 0xFF : -1;
        }

        /** Reads the next element; {@code what} names it in the error when it is not {@code tag}. */
        Element next(int tag, String what) throws DerException {
            if (position >= end) {
                throw new DerException("ends before its " + what);
            }
            int actual = bytes[position] & 0xFF;
            if (actual != tag) {
                throw new DerException(String.format("has tag 0x%02x where its %s (tag 0x%02x) should be", actual, what, tag));
            }
            int at = position + 1;
            if (at >= end) {
                throw new DerException("ends inside the length of its " + what);
            }
            int first = bytes[at++] & 0xFF;
            long length;
            if (first < 0x80) {
                length = first;
            } else {
                int count = first & 0x7F;
                if (count == 0 || count > 4 || at + count > end) {
                    throw new DerException("has a bad length for its " + what);
                }
                length = 0;
                for (int i = 0; i < count; i++) {
                    length = (length << 8) | (bytes[at++] & 0xFF);
                }
            }
            if (length > end - at) {
                throw new DerException("is shorter than the length of its " + what + " says");
            }
            position = at + (int) length;
            return new Element(tag, bytes, at, position);
        }

        /** Where the next element starts: to copy an element whole. */
        int position() {
            return position;
        }
    }

    /** A malformed structure; the message says what is wrong, for the caller to prefix with the file. */
    static final class DerException extends Exception {
        private static final long serialVersionUID = 1L;

        DerException(String message) {
            super(message);
        }
    }

    // ---------------------------------------------------------------- writing

    /** An element with {@code tag} around {@code contents}. */
    static byte[] element(int tag, byte[]... contents) {
        int length = 0;
        for (byte[] part : contents) {
            length += part.length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else if (length < 0x100) {
            out.write(0x81);
            out.write(length);
        } else if (length < 0x10000) {
            out.write(0x82);
            out.write(length >>> 8);
            out.write(length);
        } else {
            out.write(0x83);
            out.write(length >>> 16);
            out.write(length >>> 8);
            out.write(length);
        }
        for (byte[] part : contents) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static byte[] sequence(byte[]... contents) {
        return element(SEQUENCE, contents);
    }

    static byte[] octetString(byte[] contents) {
        return element(OCTET_STRING, contents);
    }

    /** A small non-negative INTEGER (a version number). */
    static byte[] integer(int value) {
        if (value < 0 || value > 0x7F) {
            throw new IllegalArgumentException("only small versions are written: " + value);
        }
        return element(INTEGER, new byte[] {(byte) value});
    }

    static byte[] nullElement() {
        return element(NULL);
    }

    /** An OBJECT IDENTIFIER from its dotted form, such as {@code 1.2.840.113549.1.1.1}. */
    static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeArc(out, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            writeArc(out, Long.parseLong(arcs[i]));
        }
        return element(OID, out.toByteArray());
    }

    private static void writeArc(ByteArrayOutputStream out, long arc) {
        int groups = 1;
        for (long rest = arc >>> 7; rest != 0; rest >>>= 7) {
            groups++;
        }
        for (int i = groups - 1; i >= 0; i--) {
            int group = (int) ((arc >>> (7 * i)) & 0x7F);
            out.write(i == 0 ? group : group | 0x80);
        }
    }

    /** The dotted form of an OBJECT IDENTIFIER's contents. */
    static String oidString(byte[] contents) throws DerException {
        if (contents.length == 0) {
            throw new DerException("has an empty object identifier");
        }
        StringBuilder dotted = new StringBuilder();
        long arc = 0;
        boolean first = true;
        for (int i = 0; i < contents.length; i++) {
            arc = (arc << 7) | (contents[i] & 0x7F);
            if ((contents[i] & 0x80) == 0) {
                if (first) {
                    long top = Math.min(arc / 40, 2);
                    dotted.append(top).append('.').append(arc - top * 40);
                    first = false;
                } else {
                    dotted.append('.').append(arc);
                }
                arc = 0;
            } else if (i == contents.length - 1) {
                throw new DerException("has an object identifier cut short");
            }
        }
        return dotted.toString();
    }
}
