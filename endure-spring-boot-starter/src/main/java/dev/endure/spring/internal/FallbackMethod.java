package dev.endure.spring.internal;

import dev.endure.spring.EndureConfigurationException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.util.ReflectionUtils;

/**
 * A {@link dev.endure.spring.annotation.Fallback} method, checked against the signature rule when the bean
 * is created: the annotated method's parameters plus the failure last, the same return type.
 */
final class FallbackMethod {

    private final Method method;
    private final Class<?> handles;

    private FallbackMethod(Method method) {
        this.method = method;
        this.handles = method.getParameterTypes()[method.getParameterCount() - 1];
        ReflectionUtils.makeAccessible(method);
    }

    static FallbackMethod resolve(Class<?> beanClass, Method annotated, String name) {
        List<Method> candidates = new ArrayList<>();
        List<Method> sameName = new ArrayList<>();
        Class<?>[] expected = annotated.getParameterTypes();
        ReflectionUtils.doWithMethods(beanClass, candidate -> {
            if (!candidate.getName().equals(name)) {
                return;
            }
            sameName.add(candidate);
            Class<?>[] types = candidate.getParameterTypes();
            if (types.length == expected.length + 1
                    && Arrays.equals(Arrays.copyOf(types, expected.length), expected)
                    && Throwable.class.isAssignableFrom(types[expected.length])
                    && annotated.getReturnType().isAssignableFrom(candidate.getReturnType())
                    && candidates.stream().noneMatch(seen -> Arrays.equals(seen.getParameterTypes(), types))) {
                candidates.add(candidate);
            }
        });
        String rule = "declare it as " + annotated.getReturnType().getSimpleName() + " " + name + "("
                + Arrays.stream(expected).map(Class::getSimpleName).map(type -> type + ", ").collect(Collectors.joining())
                + "Throwable failure): the method's parameters plus the failure last (a narrower failure type handles"
                + " only that type), returning what the method returns";
        String where = "@Fallback(\"" + name + "\") on " + Describe.method(annotated);
        if (candidates.isEmpty()) {
            throw new EndureConfigurationException(where + ": " + (sameName.isEmpty()
                    ? "no method named '" + name + "' in " + beanClass.getName()
                    : "no method '" + name + "' has the fallback signature (found "
                            + sameName.stream().map(Describe::method).collect(Collectors.joining(", ")) + ")")
                    + "; " + rule);
        }
        if (candidates.size() > 1) {
            throw new EndureConfigurationException(where + ": " + candidates.size() + " methods match ("
                    + candidates.stream().map(Describe::method).collect(Collectors.joining(", ")) + "); keep one");
        }
        return new FallbackMethod(candidates.get(0));
    }

    /** Whether this fallback takes {@code failure}. */
    boolean handles(Throwable failure) {
        return failure instanceof Exception && handles.isInstance(failure);
    }

    Object invoke(Object target, Object[] arguments, Throwable failure) throws Throwable {
        Object[] withFailure = Arrays.copyOf(arguments, arguments.length + 1);
        withFailure[arguments.length] = failure;
        try {
            return method.invoke(target, withFailure);
        } catch (InvocationTargetException thrown) {
            throw thrown.getCause();
        }
    }

    @Override
    public String toString() {
        return Describe.method(method);
    }
}
