//! A hint to the CPU: memory about to be written.

/// Asks the CPU to bring the cache lines of `len` bytes from `start` in
/// now, for writing. Only a hint: nothing is read or written (so any
/// address will do), and a CPU without the instruction ignores it.
pub fn prefetch(start: *const u8, len: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_MM_HINT_ET0, _mm_prefetch};
        for offset in (0..len).step_by(64) {
            // SAFETY: a prefetch never faults and changes no memory.
            unsafe { _mm_prefetch::<_MM_HINT_ET0>(start.wrapping_add(offset).cast()) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (start, len);
}

#[cfg(test)]
mod tests {
    #[test]
    fn any_address_will_do() {
        // Unmapped, null, the top of the address space: a hint, no fault.
        super::prefetch(std::ptr::null(), 4096);
        super::prefetch(usize::MAX as *const u8, 256);
        let v = [7u8; 300];
        super::prefetch(v.as_ptr(), v.len());
        assert_eq!(v[299], 7);
    }
}
