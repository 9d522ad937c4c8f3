// SPDX-License-Identifier: GPL-2.0

//! Allocations from any context: `kmalloc_nolock()` and `kfree_nolock()`.
//!
//! C header: [`include/linux/slab.h`](srctree/include/linux/slab.h)
//!
//! For code that may run in NMI context, or with any lock held, the slab allocator's included:
//! typically code called on behalf of BPF programs. `kmalloc_nolock()` never spins on a lock (it
//! only trylocks), so it cannot deadlock with the context it interrupted; it fails rather than
//! waits for memory, and never warns. Objects come from the `kmalloc` buckets.
//!
//! # Examples
//!
//! ```
//! use kernel::alloc::{flags::__GFP_ZERO, nolock};
//!
//! // May fail even with memory to spare: a trylock lost.
//! if let Ok(p) = nolock::alloc::<[u64; 4]>(__GFP_ZERO) {
//!     // SAFETY: `p` was zeroed, and all-zero is a valid `[u64; 4]`.
//!     assert_eq!(unsafe { p.as_ref() }, &[0; 4]);
//!     // SAFETY: `p` came from `nolock::alloc()` and is not used afterwards.
//!     unsafe { nolock::free(p) };
//! }
//! ```

use crate::{
    alloc::{
        flags::{__GFP_ACCOUNT, __GFP_ZERO},
        AllocError, Flags,
    },
    bindings,
};
use core::{
    mem::{align_of, size_of},
    ptr::NonNull, //
};

/// Allocates memory for one `T` with `kmalloc_nolock()`, from any context.
///
/// `flags` may only contain [`__GFP_ZERO`] (the memory is zeroed) and [`__GFP_ACCOUNT`] (it is
/// charged to the current memory cgroup); the memory is uninitialised otherwise. `T` must not be
/// zero-sized, nor need more alignment than `kmalloc()` guarantees for every size
/// (`ARCH_KMALLOC_MINALIGN`); both are checked at compile time.
///
/// Returns [`AllocError`] when `kmalloc_nolock()` fails: out of memory, a lock it needed was
/// held by the context this one interrupted, an object larger than the largest `kmalloc` cache,
/// or an architecture without a double-word `cmpxchg`. Other `flags` are a bug: they warn and
/// fail. Objects must be freed with [`free`], or with `kfree()` from a context where that is
/// allowed.
#[inline]
pub fn alloc<T>(flags: Flags) -> Result<NonNull<T>, AllocError> {
    const {
        assert!(size_of::<T>() != 0, "kmalloc_nolock() of a zero-sized type");
        assert!(
            align_of::<T>() <= bindings::ARCH_KMALLOC_MINALIGN,
            "alignment above ARCH_KMALLOC_MINALIGN"
        );
    }
    if crate::warn_on!(!(__GFP_ZERO | __GFP_ACCOUNT).contains(flags)) {
        return Err(AllocError);
    }
    // SAFETY: FFI call, valid in any context with these flags.
    let ptr =
        unsafe { bindings::kmalloc_nolock(size_of::<T>(), flags.as_raw(), bindings::NUMA_NO_NODE) };
    NonNull::new(ptr.cast()).ok_or(AllocError)
}

/// Frees an object allocated by [`alloc`], from any context.
///
/// # Safety
///
/// `ptr` must have been returned by [`alloc`], must not have been freed since, and nothing may
/// access the object afterwards.
#[inline]
pub unsafe fn free<T>(ptr: NonNull<T>) {
    // SAFETY: By the safety requirements `ptr` is a live `kmalloc_nolock()` object that is not
    // used afterwards; `kfree_nolock()` may be called from any context.
    unsafe { bindings::kfree_nolock(ptr.as_ptr().cast()) };
}
