package dev.pushback.compiler.internal;

import java.util.function.Function;

/**
 * Up to {@link #WIDTH} consecutive maps fused into one stage (DESIGN C4), applied by straight-line
 * code: each map has its own call site, and since every pipeline shape gets its own copy of this
 * class ({@link Specializer}), each site sees one function class and inlines. A chain of separate
 * stages would nest one {@code accept} per map, and past a dozen maps the JIT's inlining depth
 * runs out; here the depth is the same for one map or sixteen.
 */
final class MapChainStage extends Stage {
    static final int WIDTH = 16;

    private final int count;
    private final Function<Object, Object> f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15;
    private final Stage next;

    MapChainStage(Object[] functions, Stage next) {
        if (functions.length < 1 || functions.length > WIDTH) {
            throw new IllegalArgumentException("a map chain holds 1 to " + WIDTH + " maps: " + functions.length);
        }
        Function<Object, Object>[] f = pad(functions);
        this.count = functions.length;
        f0 = f[0]; f1 = f[1]; f2 = f[2]; f3 = f[3]; f4 = f[4]; f5 = f[5]; f6 = f[6]; f7 = f[7];
        f8 = f[8]; f9 = f[9]; f10 = f[10]; f11 = f[11]; f12 = f[12]; f13 = f[13]; f14 = f[14]; f15 = f[15];
        this.next = next;
    }

    @SuppressWarnings("unchecked")
    private static Function<Object, Object>[] pad(Object[] functions) {
        Function<Object, Object>[] padded = new Function[WIDTH];
        for (int i = 0; i < WIDTH; i++) {
            padded[i] = i < functions.length ? (Function<Object, Object>) functions[i] : null;
        }
        return padded;
    }

    /**
     * The maps in straight lines. {@code at} is the map running now: a constant at each call, so
     * the JIT keeps it for the exception path only, and a failure is reported under its map's name.
     */
    @Override
    void accept(Object element) throws Exception {
        int n = count;
        int at = 0;
        Object x;
        try {
            x = f0.apply(element);
            if (n > 1) {
                at = 1;
                x = f1.apply(x);
                if (n > 2) {
                    at = 2;
                    x = f2.apply(x);
                    if (n > 3) {
                        at = 3;
                        x = f3.apply(x);
                        if (n > 4) {
                            at = 4;
                            x = f4.apply(x);
                            if (n > 5) {
                                at = 5;
                                x = f5.apply(x);
                                if (n > 6) {
                                    at = 6;
                                    x = f6.apply(x);
                                    if (n > 7) {
                                        at = 7;
                                        x = f7.apply(x);
                                        if (n > 8) {
                                            x = tail(x, n);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        } catch (Throwable t) {
            throw failed(t, at); // a failure in tail was noted there, with its own map
        }
        next.accept(x);
    }

    /** Maps 9 to 16, apart so that accept stays small enough to inline into the fiber's body. */
    private Object tail(Object x, int n) {
        int at = 8;
        try {
            x = f8.apply(x);
            if (n > 9) {
                at = 9;
                x = f9.apply(x);
                if (n > 10) {
                    at = 10;
                    x = f10.apply(x);
                    if (n > 11) {
                        at = 11;
                        x = f11.apply(x);
                        if (n > 12) {
                            at = 12;
                            x = f12.apply(x);
                            if (n > 13) {
                                at = 13;
                                x = f13.apply(x);
                                if (n > 14) {
                                    at = 14;
                                    x = f14.apply(x);
                                    if (n > 15) {
                                        at = 15;
                                        x = f15.apply(x);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        } catch (Throwable t) {
            throw failed(t, at);
        }
        return x;
    }

    @Override
    void end() throws Exception {
        next.end();
    }
}
