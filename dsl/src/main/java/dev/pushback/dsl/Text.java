package dev.pushback.dsl;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import dev.pushback.compiler.Transform;

/** Charset conversions for byte feeds. */
final class Text {
    private Text() {}

    /**
     * Lines' bytes to text, without their {@code "\n"} or {@code "\r\n"}, through one reused byte array: the line's String is the only thing
     * made per line. One per feed; it runs on the catalyst thread only.
     */
    static final class LineDecoder {
        private final Charset charset;
        private byte[] h_bytes = new byte[128];

        LineDecoder(Charset charset) {
            this.charset = charset;
        }

        String decode(ByteBuffer line) {
            int end = line.limit();
            if (end > line.position() && line.get(end - 1) == '\n') {
                end--;
                if (end > line.position() && line.get(end - 1) == '\r') {
                    end--;
                }
            }
            int length = end - line.position();
            if (h_bytes.length < length) {
                h_bytes = new byte[Math.max(length, 2 * h_bytes.length)];
            }
            line.get(line.position(), h_bytes, 0, length);
            return new String(h_bytes, 0, length, charset);
        }
    }

    /**
     * Text to bytes, each element optionally followed by {@code '\n'}, encoded into one reused
     * buffer that is the element given on: valid until the next, as a source's chunk is, so the
     * sink gathers it (DESIGN N16) and nothing is made per element. Characters under 0x80 go
     * straight in when the charset is ASCII-compatible (UTF-8, US-ASCII, ISO-8859-1); others go
     * through a reused {@link CharsetEncoder}. One per fiber, on its catalyst thread.
     */
    static final class Encoder implements Transform<Object, ByteBuffer> {
        private final CharsetEncoder encoder;
        private final boolean asciiCompatible;
        private final boolean newline;
        private ByteBuffer h_bytes = ByteBuffer.allocate(256);
        private char[] h_chars = new char[64];
        private ByteBuffer h_view;
        private ByteBuffer h_viewOf;

        Encoder(Charset charset, boolean newline) {
            this.encoder = charset.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
            this.asciiCompatible = charset.equals(StandardCharsets.UTF_8) || charset.equals(StandardCharsets.US_ASCII)
                || charset.equals(StandardCharsets.ISO_8859_1);
            this.newline = newline;
        }

        @Override
        public void accept(Object element, Emitter<? super ByteBuffer> out) throws Exception {
            CharSequence text = element instanceof CharSequence chars ? chars : String.valueOf(element);
            int length = text.length();
            ByteBuffer bytes = room(length + 1);
            int i = 0;
            if (asciiCompatible) {
                for (; i < length; i++) {
                    char c = text.charAt(i);
                    if (c >= 0x80) {
                        break;
                    }
                    bytes.put((byte) c);
                }
            }
            if (i < length) {
                bytes = encodeRest(text, i, length, bytes);
            }
            if (newline) {
                bytes = room(bytes, 1);
                bytes.put((byte) '\n');
            }
            bytes.flip();
            if (h_view == null || h_viewOf != bytes) {
                h_view = bytes.asReadOnlyBuffer(); // byte elements are read-only (a broadcast shares them)
                h_viewOf = bytes;
            }
            out.emit(h_view.clear().limit(bytes.limit()));
        }

        private ByteBuffer encodeRest(CharSequence text, int from, int to, ByteBuffer bytes) throws CharacterCodingException {
            int count = to - from;
            if (h_chars.length < count) {
                h_chars = new char[Math.max(count, 2 * h_chars.length)];
            }
            for (int i = 0; i < count; i++) {
                h_chars[i] = text.charAt(from + i);
            }
            CharBuffer chars = CharBuffer.wrap(h_chars, 0, count);
            encoder.reset();
            CoderResult result;
            while ((result = encoder.encode(chars, bytes, true)).isOverflow()) {
                bytes = room(bytes, (int) Math.ceil(chars.remaining() * encoder.maxBytesPerChar()) + 16);
            }
            if (result.isError()) {
                result.throwException(); // not with REPLACE; kept so that nothing is lost silently
            }
            while (encoder.flush(bytes).isOverflow()) {
                bytes = room(bytes, 16);
            }
            return bytes;
        }

        /** The reused buffer, cleared, with room for at least {@code bytes}. */
        private ByteBuffer room(int bytes) {
            if (h_bytes.capacity() < bytes) {
                h_bytes = ByteBuffer.allocate(Math.max(bytes, 2 * h_bytes.capacity()));
            }
            return h_bytes.clear();
        }

        /** {@code bytes}, or a larger copy of it, with room for {@code more}. */
        private ByteBuffer room(ByteBuffer bytes, int more) {
            if (bytes.remaining() >= more) {
                return bytes;
            }
            ByteBuffer larger = ByteBuffer.allocate(Math.max(bytes.position() + more, 2 * bytes.capacity()));
            larger.put(bytes.flip());
            h_bytes = larger;
            return larger;
        }
    }

    /** Decodes chunks, keeping a character cut by a chunk boundary until its other bytes come. */
    static final class Decoder implements Transform<ByteBuffer, String> {
        private final CharsetDecoder decoder;
        private final ByteBuffer h_leftover = ByteBuffer.allocate(16);
        private CharBuffer h_chars = CharBuffer.allocate(1024);

        Decoder(Charset charset) {
            this.decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        }

        @Override
        public void accept(ByteBuffer chunk, Emitter<? super String> out) throws Exception {
            StringBuilder text = new StringBuilder();
            if (h_leftover.position() > 0) {
                while (h_leftover.hasRemaining() && chunk.hasRemaining()) {
                    h_leftover.put(chunk.get());
                    h_leftover.flip();
                    decode(h_leftover, text, false);
                    if (!h_leftover.hasRemaining()) {
                        h_leftover.clear();
                        break;
                    }
                    h_leftover.compact();
                }
            }
            decode(chunk, text, false);
            if (chunk.hasRemaining()) {
                h_leftover.put(chunk);
            }
            if (!text.isEmpty()) {
                out.emit(text.toString());
            }
        }

        private void decode(ByteBuffer in, StringBuilder text, boolean last) throws CharacterCodingException {
            while (true) {
                h_chars.clear();
                CoderResult result = decoder.decode(in, h_chars, last);
                text.append(h_chars.flip());
                if (result.isOverflow()) {
                    continue;
                }
                if (result.isError()) {
                    result.throwException();
                }
                return;
            }
        }

        @Override
        public void end(Emitter<? super String> out) throws Exception {
            StringBuilder text = new StringBuilder();
            h_leftover.flip();
            decode(h_leftover, text, true);
            h_chars.clear();
            decoder.flush(h_chars);
            text.append(h_chars.flip());
            if (!text.isEmpty()) {
                out.emit(text.toString());
            }
        }
    }
}
