package dev.pushback.dsl;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;

import dev.pushback.compiler.Transform;

/** Charset conversions for byte feeds. */
final class Text {
    private Text() {}

    /** One line's bytes to text, without its {@code "\n"} or {@code "\r\n"}. */
    static String decodeLine(ByteBuffer line, Charset charset) {
        int end = line.limit();
        if (end > line.position() && line.get(end - 1) == '\n') {
            end--;
            if (end > line.position() && line.get(end - 1) == '\r') {
                end--;
            }
        }
        byte[] bytes = new byte[end - line.position()];
        line.get(line.position(), bytes);
        return new String(bytes, charset);
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
