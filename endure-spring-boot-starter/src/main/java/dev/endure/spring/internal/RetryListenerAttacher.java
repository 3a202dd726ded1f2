package dev.endure.spring.internal;

import dev.endure.pipeline.Pipeline;
import dev.endure.registry.RegistryListener;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetryListener;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Gives every {@link RetryListener} bean of the context to every retrier the registry holds, now and later. */
public final class RetryListenerAttacher implements RegistryListener {

    private final List<RetryListener> listeners;
    private final Set<Retrier<?>> attached = ConcurrentHashMap.newKeySet();

    public RetryListenerAttacher(List<RetryListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    @Override
    public void retrierAdded(String name, Retrier<?> retrier) {
        if (attached.add(retrier)) {
            listeners.forEach(retrier::addListener);
        }
    }

    @Override
    public void pipelineAdded(String name, Pipeline<?> pipeline) {
        retrierAdded(name, pipeline.retrier());
    }
}
