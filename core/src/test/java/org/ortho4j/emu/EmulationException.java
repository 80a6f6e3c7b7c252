package org.ortho4j.emu;

/**
 * A launch that the emulated device refuses or stops: a check failed (out-of-bounds or uninitialised access, a
 * shared- or global-memory race, a barrier or collective that not all threads reach, a launch over the device's
 * limits) or the kernel uses an instruction the interpreter does not implement. The message names the kernel, the
 * block, the thread, the PTX line and the address where there is one.
 */
public final class EmulationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What kind of check failed; tests match on it as well as on the message. */
    public enum Kind {
        /** Global access outside every live allocation, or shared access outside the block's shared memory. */
        OUT_OF_BOUNDS,
        /** An access whose address is not a multiple of its size. */
        MISALIGNED,
        /** Read of shared memory not written earlier in this block, or of global memory never written. */
        UNINITIALISED,
        /** Two threads touch the same shared bytes between two barriers, at least one writing, not both atomics. */
        SHARED_RACE,
        /** Two threads of one launch write the same global bytes (or one reads what another block wrote). */
        GLOBAL_RACE,
        /** Global bytes read through the non-coherent path ({@code ld.global.nc}) and written in the same launch. */
        NC_WRITE,
        /** A barrier that not every live thread of the block reaches at the same instruction. */
        BARRIER,
        /** A warp collective ({@code shfl}, {@code vote}, {@code mma}) whose member mask disagrees with the arriving lanes. */
        COLLECTIVE,
        /** A {@code bra.uni} whose guard differs between the lanes executing it. */
        DIVERGENT_UNIFORM_BRANCH,
        /** A tf32 {@code mma} operand whose low 13 bits are not zero. */
        TF32_OPERAND,
        /** Block, grid, shared memory or parameters over the device's limits or the kernel's declared bounds. */
        LAUNCH_LIMIT,
        /** An instruction or operand form the interpreter does not implement, or malformed PTX. */
        UNSUPPORTED,
        /** Integer division by zero, or a kernel that runs longer than the step limit. */
        RUNTIME
    }

    private final Kind kind;

    public EmulationException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
