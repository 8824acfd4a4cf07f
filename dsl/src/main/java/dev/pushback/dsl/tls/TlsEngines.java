package dev.pushback.dsl.tls;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;

/** What every engine the configs make shares: TLS 1.3 and 1.2 only, and the ALPN list. */
final class TlsEngines {
    /** The protocols enabled, newest first: TLS 1.1 and older are broken (RFC 8996). */
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private TlsEngines() {}

    static SSLContext context(KeyManager[] keys, TrustManager[] trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make a TLS context", e);
        }
    }

    /** {@code parameters} restricted to {@link #PROTOCOLS} (those this JDK has) and given {@code alpn}. */
    static SSLParameters restrict(SSLParameters parameters, String[] supported, List<String> alpn) {
        List<String> protocols = new ArrayList<>();
        List<String> available = Arrays.asList(supported);
        for (String protocol : PROTOCOLS) {
            if (available.contains(protocol)) {
                protocols.add(protocol);
            }
        }
        if (protocols.isEmpty()) {
            throw new IllegalStateException("this JDK supports neither TLS 1.3 nor TLS 1.2: " + available);
        }
        parameters.setProtocols(protocols.toArray(String[]::new));
        if (!alpn.isEmpty()) {
            parameters.setApplicationProtocols(alpn.toArray(String[]::new));
        }
        return parameters;
    }

    /** An ALPN list as given: each protocol named, none twice (RFC 7301 section 3.1). */
    static List<String> alpn(String... protocols) {
        List<String> list = List.of(protocols); // no nulls
        for (String protocol : list) {
            if (protocol.isEmpty() || protocol.length() > 255) {
                throw new IllegalArgumentException("an ALPN protocol name is 1 to 255 bytes: \"" + protocol + "\"");
            }
        }
        if (list.stream().distinct().count() != list.size()) {
            throw new IllegalArgumentException("an ALPN protocol is named twice: " + list);
        }
        return list;
    }

    /** Sets {@code engine} up with {@code parameters}; the same for client and server engines. */
    static SSLEngine apply(SSLEngine engine, SSLParameters parameters) {
        engine.setSSLParameters(parameters);
        return engine;
    }
}
