// SPDX-License-Identifier: GPL-2.0

//! Dedicated slab caches.
//!
//! C header: [`include/linux/slab.h`](srctree/include/linux/slab.h)

use crate::{
    alloc::{AllocError, Flags},
    bindings,
    error::{code::ENOMEM, Result},
    str::{CStr, CStrExt as _},
};
use core::{
    marker::PhantomData,
    mem::{align_of, size_of},
    ptr::NonNull, //
};

/// Flags for [`KmemCache::new`].
#[derive(Clone, Copy, PartialEq)]
pub struct SlabFlags(bindings::slab_flags_t);

impl SlabFlags {
    /// No special behaviour.
    pub const NONE: Self = Self(0);
    /// Charge every object to the memory cgroup of the allocating task.
    pub const ACCOUNT: Self = Self(bindings::SLAB_ACCOUNT);
    /// Never merge this cache with a compatible one, so that it has its own line in
    /// `/proc/slabinfo` and its own fault-injection and debug settings.
    pub const NO_MERGE: Self = Self(bindings::SLAB_NO_MERGE);
    /// Objects are reclaimable through a shrinker.
    pub const RECLAIM_ACCOUNT: Self = Self(bindings::SLAB_RECLAIM_ACCOUNT);
    /// Panic instead of returning an error when the cache cannot be created.
    ///
    /// Only for caches created during early boot, without which the kernel cannot run.
    pub const PANIC: Self = Self(bindings::SLAB_PANIC);
}

impl core::ops::BitOr for SlabFlags {
    type Output = Self;
    #[inline]
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// A slab cache of objects of type `T`.
///
/// Objects are handed out as raw, uninitialised (or zeroed) memory: the cache owns the memory,
/// the caller owns what it builds in it and gives it back with [`KmemCache::free`].
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
            bindings::__kmem_cache_create_args(name.as_char_ptr(), size, &mut args, flags.0)
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
    /// `ptr` must have been returned by [`KmemCache::alloc`] on this cache, must not have been
    /// freed since, and nothing may access the object afterwards.
    #[inline]
    pub unsafe fn free(&self, ptr: NonNull<T>) {
        // SAFETY: By the type invariants `self.cache` is valid; by the safety requirements `ptr`
        // is a live object of this cache.
        unsafe { bindings::kmem_cache_free(self.cache.as_ptr(), ptr.as_ptr().cast()) };
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
        let cache = KmemCache::<Obj>::new(c"rust_slab_kunit", SlabFlags::NONE)?;
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
    fn test_object_size_matches_type() -> Result {
        let cache = KmemCache::<Obj>::new(c"rust_slab_kunit_size", SlabFlags::ACCOUNT)?;
        // SAFETY: `as_ptr` returns a valid cache, and `kmem_cache_size` only reads it.
        let size = unsafe { bindings::kmem_cache_size(cache.as_ptr()) };
        assert!(size as usize >= size_of::<Obj>());
        Ok(())
    }
}
