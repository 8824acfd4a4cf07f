package dev.pushback.catalyst.internal;

/**
 * Initialises, before any load, the JDK classes whose static initialiser opens a descriptor. On
 * JDK 17 {@code sun.nio.ch.FileDispatcherImpl} opens a socket pair there (its pre-close
 * descriptor), and socket writes and closes go through it. Left lazy, the first close under a
 * connection flood that has used up the process's descriptors fails that initialiser
 * (EMFILE), and the class stays unusable for the life of the JVM: no socket could be written or
 * closed again, and the catalyst would die of it.
 */
final class IoClasses {
    private static final String[] OPENING_DESCRIPTORS = {"sun.nio.ch.FileDispatcherImpl"};

    private IoClasses() {}

    /** Idempotent and cheap after the first call. */
    static void initialise() {
        for (String name : OPENING_DESCRIPTORS) {
            try {
                Class.forName(name, true, ClassLoader.getPlatformClassLoader());
            } catch (ClassNotFoundException | LinkageError absentOrFailed) {
                // another JDK, or already out of descriptors: nothing earlier to do about it
            }
        }
    }
}
