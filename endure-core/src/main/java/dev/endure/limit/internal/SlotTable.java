package dev.endure.limit.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A limit's slots, one per call that may run at once: a call owns the slot it took until it frees it. Taking is a
 * compare-and-set on a free slot; freeing is a plain release store by the owner, as nobody else writes a taken
 * slot. That is one locked instruction per call instead of the two an exact shared count needs (one to count in,
 * one to count out), and the number in flight stays exact: it is the number of taken slots.
 *
 * <p>Slots live in chunks of 64, made when a call first reaches them, so a limit of a million costs nothing until
 * a million calls run. Callers start looking at a slot picked from their thread's id, so threads of a pool spread
 * over the slots instead of all fighting for the first one.
 */
public final class SlotTable {

    private static final int CHUNK_BITS = 6;
    private static final int CHUNK_SIZE = 1 << CHUNK_BITS;
    private static final int CHUNK_MASK = CHUNK_SIZE - 1;
    private static final int FREE = 0;
    private static final int TAKEN = 1;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle CHUNK = MethodHandles.arrayElementVarHandle(int[][].class);

    private final int capacity;
    private final int[] first;
    private final int[][] chunks;

    /** Room for {@code capacity} slots (the most the limit can ever allow). */
    public SlotTable(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1 (was " + capacity + ")");
        }
        this.capacity = capacity;
        this.chunks = new int[(capacity + CHUNK_MASK) >>> CHUNK_BITS][];
        this.first = new int[Math.min(capacity, CHUNK_SIZE)];
        this.chunks[0] = first;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Takes a free slot below {@code bound}, looking first where the calling thread usually finds one.
     *
     * @return the slot, or -1 if every slot below {@code bound} was taken when looked at
     */
    public int take(int bound) {
        int slot = (int) Thread.currentThread().getId() & (Integer.highestOneBit(bound) - 1);
        for (int looked = 0; looked < bound; looked++) {
            int[] chunk = slot < CHUNK_SIZE ? first : chunk(slot >>> CHUNK_BITS);
            int index = slot & CHUNK_MASK;
            if ((int) SLOT.getOpaque(chunk, index) == FREE && SLOT.compareAndSet(chunk, index, FREE, TAKEN)) {
                return slot;
            }
            if (++slot == bound) {
                slot = 0;
            }
        }
        return -1;
    }

    /** Frees {@code slot}; only the call that took it may. */
    public void free(int slot) {
        int[] chunk = slot < CHUNK_SIZE ? first : (int[]) CHUNK.getAcquire(chunks, slot >>> CHUNK_BITS);
        SLOT.setRelease(chunk, slot & CHUNK_MASK, FREE);
    }

    /** Whether every slot below {@code bound} is taken now; stops at the first free one. */
    public boolean full(int bound) {
        for (int slot = 0; slot < bound; slot++) {
            int[] chunk = slot < CHUNK_SIZE ? first : (int[]) CHUNK.getAcquire(chunks, slot >>> CHUNK_BITS);
            if (chunk == null || (int) SLOT.getVolatile(chunk, slot & CHUNK_MASK) == FREE) {
                return false;
            }
        }
        return true;
    }

    /** Whether any slot at or above {@code from} is taken now (a call above a limit that shrank). */
    public boolean anyTakenFrom(int from) {
        for (int base = from & ~CHUNK_MASK; base < capacity; base += CHUNK_SIZE) {
            int[] chunk = (int[]) CHUNK.getAcquire(chunks, base >>> CHUNK_BITS);
            if (chunk == null) {
                continue;
            }
            for (int i = Math.max(0, from - base); i < chunk.length; i++) {
                if ((int) SLOT.getVolatile(chunk, i) != FREE) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Slots taken below {@code bound} now (exact only while nobody takes or frees). */
    public int taken(int bound) {
        int count = 0;
        int end = Math.min(bound, capacity);
        for (int base = 0; base < end; base += CHUNK_SIZE) {
            int[] chunk = (int[]) CHUNK.getAcquire(chunks, base >>> CHUNK_BITS);
            if (chunk == null) {
                continue;
            }
            int length = Math.min(chunk.length, end - base);
            for (int i = 0; i < length; i++) {
                count += (int) SLOT.getVolatile(chunk, i);
            }
        }
        return count;
    }

    private int[] chunk(int number) {
        int[] chunk = (int[]) CHUNK.getAcquire(chunks, number);
        if (chunk != null) {
            return chunk;
        }
        int[] made = new int[Math.min(CHUNK_SIZE, capacity - (number << CHUNK_BITS))];
        int[] raced = (int[]) CHUNK.compareAndExchange(chunks, number, null, made);
        return raced != null ? raced : made;
    }
}
