/// Reuse of large frame buffers between images.
///
/// A 4096 × 3328 frame is 27 MiB of words and 54 MiB of floats. Allocated afresh per image, glibc
/// serves them with mmap (above its threshold, and always from a worker thread's arena) and every
/// image pays ~20,000 page faults and the kernel's zeroing of the pages; on uncompressed input that
/// was most of `convert`'s time. Workers instead hand their buffers back after each image.
enum Scratch {
    /// Takes `storage` (leaving it empty) and returns an array of exactly `count` elements, reusing
    /// its buffer when the capacity suffices. Contents are unspecified: callers overwrite them all.
    static func take<T>(_ storage: inout [T], count: Int, zero: T) -> [T] {
        var buffer: [T] = []
        swap(&buffer, &storage)
        if buffer.count == count { return buffer }
        if buffer.capacity >= count {
            if buffer.count > count {
                buffer.removeLast(buffer.count - count)
            } else {
                buffer.append(contentsOf: repeatElement(zero, count: count - buffer.count))
            }
            return buffer
        }
        return [T](repeating: zero, count: count)
    }
}
