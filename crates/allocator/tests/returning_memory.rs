//! Freed memory leaves the process when asked, not only when the allocator is next busy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[global_allocator]
static ALLOCATOR: allocator::MiMalloc = allocator::MiMalloc;

const MIB: usize = 1024 * 1024;

fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[test]
fn memory_freed_by_an_import_sized_burst_is_returned_when_asked() {
    let baseline = resident_bytes();
    // Many small blocks, as parsed rows are: freed pages stay with the allocator until purged.
    let rows: Vec<Vec<u8>> = (0..96 * 1024)
        .map(|i| vec![(i % 251) as u8; 1024])
        .collect();
    let held = resident_bytes();
    assert!(
        held >= baseline + 80 * MIB,
        "the burst holds {} MiB",
        (held - baseline) / MIB
    );
    drop(rows);
    let after_free = resident_bytes();
    // Why the server runs a thread for it: on its own the allocator keeps the freed pages.
    assert!(
        after_free + 16 * MIB >= held,
        "{} MiB went back without being asked",
        (held - after_free) / MIB
    );
    allocator::return_freed_memory();
    let after_return = resident_bytes();
    assert!(
        after_return <= baseline + 16 * MIB,
        "resident: {} MiB before, {} MiB held, {} MiB after free, {} MiB after return",
        baseline / MIB,
        held / MIB,
        after_free / MIB,
        after_return / MIB
    );
}
