package org.ortho4j.cuda;

/**
 * A device address: what {@code CUdeviceptr} holds, without JCuda. Launchers compute with these
 * ({@link #plus(long)}), pass them as kernel arguments (PTX {@code .u64}) and to {@link CudaDriver} copies; the
 * driver implementation maps them to its own handles. {@link #NULL} is the device null pointer.
 */
public final class DevicePointer {
    /** The device null pointer (a kernel argument that the kernel tests against {@code nullptr}). */
    public static final DevicePointer NULL = new DevicePointer(0);

    private final long address;

    /**
     * A device address.
     *
     * @param address the address, 0 for the null pointer
     */
    public DevicePointer(long address) {
        this.address = address;
    }

    /**
     * The address.
     *
     * @return the address, 0 for the null pointer
     */
    public long address() {
        return address;
    }

    /**
     * The address {@code bytes} past this one.
     *
     * @param bytes the offset in bytes
     * @return the pointer
     */
    public DevicePointer plus(long bytes) {
        return bytes == 0 ? this : new DevicePointer(address + bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DevicePointer && ((DevicePointer) o).address == address;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(address);
    }

    @Override
    public String toString() {
        return "0x" + Long.toHexString(address);
    }
}
