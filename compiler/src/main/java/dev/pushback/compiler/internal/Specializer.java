package dev.pushback.compiler.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gives each pipeline shape its own copy of a stage class, so that the JIT profiles the copy's
 * call sites — {@code function.apply}, {@code next.accept} — for that shape alone (DESIGN C4).
 *
 * <p>One shared {@code MapStage} class would see every map function and every next stage of the
 * whole program at its two call sites; after a few pipelines they turn megamorphic and nothing
 * inlines. A copy is defined as a hidden class from the template's own bytes, once per
 * (template, user function class, next stage class): graphs built by the same code — one per
 * connection, say — share copies, so their number is bounded by the program's distinct shapes.
 */
final class Specializer {
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    private static final ConcurrentHashMap<List<Object>, MethodHandle> CONSTRUCTORS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Class<?>, byte[]> TEMPLATES = new ConcurrentHashMap<>();

    private Specializer() {}

    /**
     * A new instance of the copy of {@code template} for {@code shape}, built by the template's
     * constructor of type {@code constructor} with {@code arguments}. The copy is not a subclass
     * of the template but a sibling: it is returned as the template's supertype {@code as}.
     */
    static <T> T instantiate(Class<?> template, Class<T> as, MethodType constructor, List<?> shape, Object... arguments) {
        List<Object> key = new ArrayList<>(shape.size() + 1);
        key.add(template);
        key.addAll(shape);
        // A graph per connection asks for the same few shapes again and again: look up first, and
        // copy the key only to keep it.
        MethodHandle create = CONSTRUCTORS.get(key);
        if (create == null) {
            create = CONSTRUCTORS.computeIfAbsent(List.copyOf(key), k -> define(template, constructor));
        }
        try {
            return as.cast((Object) create.invokeExact(arguments));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot create " + template.getSimpleName(), t);
        }
    }

    /** The copy's constructor, taking its arguments as one array: invoked exactly, without invokeWithArguments' per-call adaptation. */
    private static MethodHandle define(Class<?> template, MethodType constructor) {
        try {
            MethodHandles.Lookup copy = LOOKUP.defineHiddenClass(TEMPLATES.computeIfAbsent(template, Specializer::bytes), true);
            return copy.findConstructor(copy.lookupClass(), constructor)
                .asSpreader(Object[].class, constructor.parameterCount())
                .asType(MethodType.methodType(Object.class, Object[].class));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot copy " + template.getName(), e);
        }
    }

    private static byte[] bytes(Class<?> template) {
        String resource = template.getName().substring(template.getPackageName().length() + 1) + ".class";
        try (InputStream in = template.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("class file of " + template.getName() + " not found");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Class<?> classOf(Object instance) {
        return instance == null ? Void.class : instance.getClass();
    }
}
