//! The server's allocator (mimalloc) and the thread that hands freed memory back to the system.
//!
//! mimalloc gives pages back lazily: freed memory is only marked for purging, and the purge runs
//! when some thread next calls into the allocator. After a large import the server may fall idle,
//! nothing allocates, and the memory the import used stays resident. A small thread that asks the
//! allocator to purge every few seconds bounds that time, whatever the server is doing.

use std::time::Duration;

pub use mimalloc::MiMalloc;

/// Purges the memory that is already freed but still counted as resident, program wide.
pub fn return_freed_memory() {
    // SAFETY: `mi_collect` takes no pointers and may be called from any thread at any time; it
    // only walks the calling thread's heap and the allocator's shared arenas under their locks.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}

/// Starts the thread that calls [`return_freed_memory`] every `period`. It runs until the
/// process exits; a failure to start it is reported and the server runs on without it.
pub fn return_freed_memory_every(period: Duration) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("memory-return".into())
        .spawn(move || {
            loop {
                std::thread::sleep(period);
                return_freed_memory();
            }
        })
        .map(drop)
}
