package dev.pushback.catalyst.endpoint;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where host names are looked up: off every catalyst thread, since {@link
 * java.net.InetAddress#getByName} blocks for as long as the system's resolver takes (DESIGN N17,
 * T4). One pool for the process, made on first use: at most {@value #THREADS} daemon threads,
 * which end after {@value #IDLE_SECONDS} s without work, and at most {@value #WAITING} lookups
 * waiting for one; a lookup beyond that is refused, and its connect fails, rather than queued
 * without bound.
 */
final class NameResolver {
    static final int THREADS = 4;
    static final int WAITING = 1024;
    static final int IDLE_SECONDS = 30;

    private static final Executor SHARED = create();

    private NameResolver() {}

    static Executor shared() {
        return SHARED;
    }

    private static Executor create() {
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, THREADS, IDLE_SECONDS, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(WAITING), task -> {
                Thread thread = new Thread(task, "pushback-resolver-" + count.incrementAndGet());
                thread.setDaemon(true); // a lookup never keeps the JVM alive
                return thread;
            });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
