package dev.pushback.compiler.internal;

import static dev.pushback.compiler.internal.Specializer.classOf;

import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;

import dev.pushback.catalyst.spi.Endpoint;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.AbstractSource;
import dev.pushback.compiler.Transform;

/** Makes stages and bodies, each of a class copied for its shape (see {@link Specializer}). */
final class Stages {
    // Constructor types, made once: MethodType.methodType interns on every call, and a graph per
    // HTTP exchange compiles these shapes again and again.
    private static final MethodType FUNCTION_NEXT = MethodType.methodType(void.class, Object.class, Stage.class);
    private static final MethodType FUNCTIONS_NEXT = MethodType.methodType(void.class, Object[].class, Stage.class);
    private static final MethodType TRANSFORM_NEXT = MethodType.methodType(void.class, Transform.class, Stage.class);
    private static final MethodType BRANCHES = MethodType.methodType(void.class, Stage[].class);
    private static final MethodType SINK = MethodType.methodType(void.class, AbstractSink.class);
    private static final MethodType SOURCE_BODY = MethodType.methodType(void.class, AbstractSource.class, Stage.class, AbstractSink[].class, List.class);

    private Stages() {}

    static Stage map(Object function, Stage next) {
        return Specializer.instantiate(MapStage.class, Stage.class, FUNCTION_NEXT, List.of(classOf(function), classOf(next)), function, next);
    }

    /** One to {@link MapChainStage#WIDTH} consecutive maps; a single map is a plain {@link MapStage}. */
    static Stage mapChain(Object[] functions, Stage next) {
        if (functions.length == 1) {
            return map(functions[0], next);
        }
        List<Object> shape = new ArrayList<>();
        for (Object function : functions) {
            shape.add(classOf(function));
        }
        shape.add(classOf(next));
        return Specializer.instantiate(MapChainStage.class, Stage.class,
            FUNCTIONS_NEXT, shape, functions, next);
    }

    static Stage filter(Object predicate, Stage next) {
        return Specializer.instantiate(FilterStage.class, Stage.class, FUNCTION_NEXT, List.of(classOf(predicate), classOf(next)), predicate, next);
    }

    static Stage transform(Transform<?, ?> transform, Stage next) {
        return Specializer.instantiate(TransformStage.class, Stage.class, TRANSFORM_NEXT,
            List.of(classOf(transform), classOf(next)), transform, next);
    }

    static Stage broadcast(Stage[] branches) {
        List<Object> shape = new ArrayList<>();
        for (Stage branch : branches) {
            shape.add(classOf(branch));
        }
        return Specializer.instantiate(BroadcastStage.class, Stage.class, BRANCHES, shape, (Object) branches);
    }

    static Stage sink(AbstractSink<?> sink) {
        return Specializer.instantiate(SinkStage.class, Stage.class, SINK, List.of(classOf(sink)), sink);
    }

    static FusedBody sourceBody(AbstractSource<?> head, Stage downstream, AbstractSink<?>[] sinks, List<Endpoint> mask) {
        return Specializer.instantiate(SourceBody.class, FusedBody.class,
            SOURCE_BODY, List.of(classOf(head), classOf(downstream)), head, downstream, sinks, mask);
    }
}
