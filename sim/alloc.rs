//! The C allocator's settings, made once at start by `main`. This module holds the only
//! `unsafe` in the project; it belongs to the `overbook` binary, not to the library.

/// Fixes glibc's threshold above which a block is mapped on its own (and unmapped when freed)
/// at its initial 128 KiB. glibc otherwise raises the threshold each time such a block is
/// freed, after which large blocks come from the heap and stay resident once freed, so a run's
/// resident memory depends on the order of its allocations: a seven-day run of the bench
/// population kept 3 to 4 MB more than a one-day run whose heap peak is the same. With the
/// threshold fixed, both peak at the same resident memory, and the 10,000-tenant bench run at
/// 90 MB instead of 97, in the same time.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn fix_mmap_threshold() {
    use std::ffi::c_int;
    const M_MMAP_THRESHOLD: c_int = -3;
    unsafe extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    // SAFETY: `mallopt` sets a parameter of the C allocator and takes no pointers; it runs
    // before any other thread starts.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Does nothing: the threshold is glibc's, and this allocator is another.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn fix_mmap_threshold() {}
