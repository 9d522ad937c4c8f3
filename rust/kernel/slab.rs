// SPDX-License-Identifier: GPL-2.0

//! Dedicated slab caches.
//!
//! C header: [`include/linux/slab.h`](srctree/include/linux/slab.h)

use crate::{
    alloc::{
        flags::{__GFP_ACCOUNT, __GFP_ZERO},
        AllocError, Flags,
    },
    bindings,
    error::{code::ENOMEM, Result},
    impl_flags,
    prelude::*,
    str::CStr,
};
use core::{
    marker::PhantomData,
    mem::{align_of, size_of},
    ptr::NonNull, //
};

// `slab_flags_t` is `unsigned int`; `impl_flags!` needs the primitive type by name (the
// `SLAB_*` values, of type `slab_flags_t`, would not type-check otherwise).
impl_flags!(
    /// Flags for [`KmemCache::new`]: a combination of [`SlabFlag`]s, or none
    /// ([`SlabFlags::empty`]).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct SlabFlags(u32);

    /// A flag of a slab cache, see `include/linux/slab.h`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum SlabFlag {
        /// Charge every object to the memory cgroup of the allocating task.
        Account = bindings::SLAB_ACCOUNT,
        /// Never merge this cache with a compatible one, so that it has its own line in
        /// `/proc/slabinfo` and its own fault-injection and debug settings.
        NoMerge = bindings::SLAB_NO_MERGE,
        /// Objects are reclaimable through a shrinker.
        ReclaimAccount = bindings::SLAB_RECLAIM_ACCOUNT,
        /// Panic instead of returning an error when the cache cannot be created.
        ///
        /// Only for caches created during early boot, without which the kernel cannot run.
        Panic = bindings::SLAB_PANIC,
    }
);

/// A slab cache of objects of type `T`.
///
/// Objects are handed out as raw, uninitialised (or zeroed) memory: the cache owns the memory,
/// the caller owns what it builds in it and gives it back with [`KmemCache::free`].
///
/// # Examples
///
/// ```
/// use kernel::alloc::flags::{__GFP_ZERO, GFP_KERNEL};
/// use kernel::slab::{KmemCache, SlabFlag};
///
/// #[repr(C)]
/// struct Node {
///     key: u64,
///     next: *mut Node,
/// }
///
/// let cache = KmemCache::<Node>::new(c"rust_doctest_nodes", SlabFlag::Account.into())?;
/// let p = cache.alloc(GFP_KERNEL | __GFP_ZERO)?;
/// // SAFETY: `p` is zeroed, a valid `Node`, and only this thread can see it.
/// let node = unsafe { &mut *p.as_ptr() };
/// assert!(node.key == 0 && node.next.is_null());
/// node.key = 42;
/// // SAFETY: `p` came from `cache`, and `node` is not used afterwards.
/// unsafe { cache.free(p) };
/// # Ok::<(), Error>(())
/// ```
///
/// # Invariants
///
/// `cache` points to a valid `struct kmem_cache` whose objects are `size_of::<T>()` bytes,
/// aligned for `T`. It stays valid until `self` is dropped.
pub struct KmemCache<T> {
    cache: NonNull<bindings::kmem_cache>,
    _t: PhantomData<T>,
}

// SAFETY: `kmem_cache_alloc` and `kmem_cache_free` may be called from any thread on the same
// cache, and the cache itself holds no `T`.
unsafe impl<T> Send for KmemCache<T> {}

// SAFETY: All methods take `&self` and the C slab allocator serialises concurrent callers.
unsafe impl<T> Sync for KmemCache<T> {}

impl<T> KmemCache<T> {
    /// Creates a cache named `name` (shown in `/proc/slabinfo`).
    pub fn new(name: &'static CStr, flags: SlabFlags) -> Result<Self> {
        let size = u32::try_from(size_of::<T>()).map_err(|_| ENOMEM)?;
        // SAFETY: All-zero is a valid `kmem_cache_args` ("every field unused").
        let mut args: bindings::kmem_cache_args = unsafe { core::mem::zeroed() };
        args.align = align_of::<T>() as u32;
        // SAFETY: `name` is a `'static` NUL-terminated string, as the cache keeps the pointer;
        // `args` is valid for the duration of the call.
        let cache = unsafe {
            bindings::__kmem_cache_create_args(name.as_char_ptr(), size, &mut args, flags.into())
        };
        // INVARIANT: The cache was created for objects of `size_of::<T>()` bytes, aligned for `T`.
        Ok(Self {
            cache: NonNull::new(cache).ok_or(ENOMEM)?,
            _t: PhantomData,
        })
    }

    /// Allocates one object, zeroed if `flags` contains [`__GFP_ZERO`](crate::alloc::flags).
    ///
    /// The memory is uninitialised unless zeroed, so the caller must initialise it before it
    /// creates a reference to it.
    #[inline]
    pub fn alloc(&self, flags: Flags) -> Result<NonNull<T>, AllocError> {
        // SAFETY: By the type invariants `self.cache` is a valid cache.
        let ptr = unsafe { bindings::kmem_cache_alloc_noprof(self.cache.as_ptr(), flags.as_raw()) };
        NonNull::new(ptr.cast()).ok_or(AllocError)
    }

    /// Returns an object to the cache.
    ///
    /// # Safety
    ///
    /// `ptr` must have been returned by [`KmemCache::alloc`] or [`KmemCache::alloc_nolock`] on
    /// this cache, must not have been freed since, and nothing may access the object afterwards.
    /// The caller must not run in NMI context nor hold a raw spinlock (`kmem_cache_free()` may
    /// take the slab's locks).
    #[inline]
    pub unsafe fn free(&self, ptr: NonNull<T>) {
        // SAFETY: By the type invariants `self.cache` is valid; by the safety requirements `ptr`
        // is a live object of this cache.
        unsafe { bindings::kmem_cache_free(self.cache.as_ptr(), ptr.as_ptr().cast()) };
    }

    /// Allocates one object from any context, zeroed if `flags` contains
    /// [`__GFP_ZERO`](crate::alloc::flags).
    ///
    /// For code that may run in NMI context or with any lock held, the slab allocator's included:
    /// typically code called on behalf of BPF programs. `kmem_cache_alloc_nolock()` never spins on
    /// a lock (it only trylocks), so it cannot deadlock with the context it interrupted; it fails
    /// rather than waits for memory, and never warns.
    ///
    /// `flags` may only contain `__GFP_ZERO` and `__GFP_ACCOUNT` (charge the object to the
    /// current memory cgroup, as [`SlabFlag::Account`] does for every object of the cache); other
    /// flags are a bug, which warns and fails.
    ///
    /// Returns [`AllocError`] when the allocation fails: out of memory, a lock it needed was held
    /// by the context this one interrupted, or an architecture without a double-word `cmpxchg`.
    /// The object may be freed with [`KmemCache::free_nolock`] from any context, or with
    /// [`KmemCache::free`] where that may be called.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::alloc::flags::__GFP_ZERO;
    /// use kernel::slab::{KmemCache, SlabFlags};
    ///
    /// let cache = KmemCache::<[u64; 4]>::new(c"rust_doctest_nolock", SlabFlags::empty())?;
    /// // May fail even with memory to spare: a trylock lost.
    /// if let Ok(p) = cache.alloc_nolock(__GFP_ZERO) {
    ///     // SAFETY: `p` was zeroed, and all-zero is a valid `[u64; 4]`.
    ///     assert_eq!(unsafe { p.as_ref() }, &[0; 4]);
    ///     // SAFETY: `p` came from `cache` and is not used afterwards.
    ///     unsafe { cache.free_nolock(p) };
    /// }
    /// # Ok::<(), Error>(())
    /// ```
    #[inline]
    pub fn alloc_nolock(&self, flags: Flags) -> Result<NonNull<T>, AllocError> {
        if crate::warn_on!(!(__GFP_ZERO | __GFP_ACCOUNT).contains(flags)) {
            return Err(AllocError);
        }
        // SAFETY: By the type invariants `self.cache` is a valid cache, and `new()` creates
        // caches without a constructor; the call is valid in any context with these flags.
        let ptr = unsafe {
            bindings::kmem_cache_alloc_nolock_noprof(
                self.cache.as_ptr(),
                flags.as_raw(),
                bindings::NUMA_NO_NODE,
            )
        };
        NonNull::new(ptr.cast()).ok_or(AllocError)
    }

    /// Returns an object to the cache, from any context.
    ///
    /// # Safety
    ///
    /// `ptr` must have been returned by [`KmemCache::alloc_nolock`] on this cache, must not have
    /// been freed since, and nothing may access the object afterwards.
    #[inline]
    pub unsafe fn free_nolock(&self, ptr: NonNull<T>) {
        // SAFETY: By the safety requirements `ptr` is a live object of this cache that
        // `kmem_cache_alloc_nolock()` returned and that is not used afterwards; `kfree_nolock()`
        // may be called from any context.
        unsafe { bindings::kfree_nolock(ptr.as_ptr().cast()) };
    }

    /// Returns a pointer to the underlying `struct kmem_cache`.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::kmem_cache {
        self.cache.as_ptr()
    }
}

impl<T> Drop for KmemCache<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariants the cache is valid; dropping `self` ends its use.
        // `kmem_cache_destroy` reports objects that are still allocated.
        unsafe { bindings::kmem_cache_destroy(self.cache.as_ptr()) };
    }
}

#[cfg(CONFIG_RUST_SLAB_KUNIT_TEST)]
#[macros::kunit_tests(rust_kernel_slab)]
mod tests {
    use super::*;
    use crate::alloc::flags::{__GFP_ZERO, GFP_KERNEL};

    #[repr(C)]
    struct Obj {
        a: u64,
        b: [u8; 40],
    }

    #[test]
    fn test_alloc_zeroed_and_free() -> Result {
        let cache = KmemCache::<Obj>::new(c"rust_slab_kunit", SlabFlags::empty())?;
        let p = cache.alloc(GFP_KERNEL | __GFP_ZERO)?;
        assert_eq!(p.as_ptr() as usize % align_of::<Obj>(), 0);
        // SAFETY: `p` was zeroed, and an all-zero `Obj` is valid.
        let obj = unsafe { p.as_ref() };
        assert_eq!(obj.a, 0);
        assert!(obj.b.iter().all(|&x| x == 0));
        // SAFETY: `p` came from this cache and `obj` is not used after this point.
        unsafe { cache.free(p) };
        Ok(())
    }

    #[test]
    fn test_alloc_nolock_zeroed_and_free() -> Result {
        let cache = KmemCache::<Obj>::new(c"rust_slab_kunit_nolock", SlabFlags::empty())?;
        // Fails only on a lost trylock or without memory, neither of which a KUnit thread in
        // process context with nothing else allocating from this new cache runs into.
        let p = cache.alloc_nolock(__GFP_ZERO | __GFP_ACCOUNT)?;
        assert_eq!(p.as_ptr() as usize % align_of::<Obj>(), 0);
        // SAFETY: `p` was zeroed, and an all-zero `Obj` is valid.
        let obj = unsafe { p.as_ref() };
        assert!(obj.a == 0 && obj.b.iter().all(|&x| x == 0));
        // SAFETY: `p` came from this cache's `alloc_nolock()`, and `obj` is not used afterwards.
        unsafe { cache.free_nolock(p) };
        // Objects from either allocator go back with `free()` too.
        let p = cache.alloc_nolock(__GFP_ZERO)?;
        // SAFETY: `p` came from this cache and is not used afterwards; process context.
        unsafe { cache.free(p) };
        Ok(())
    }

    #[test]
    fn test_object_size_matches_type() -> Result {
        let cache = KmemCache::<Obj>::new(c"rust_slab_kunit_size", SlabFlag::Account.into())?;
        // SAFETY: `as_ptr` returns a valid cache, and `kmem_cache_size` only reads it.
        let size = unsafe { bindings::kmem_cache_size(cache.as_ptr()) };
        assert!(size as usize >= size_of::<Obj>());
        Ok(())
    }
}
