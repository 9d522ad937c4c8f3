// SPDX-License-Identifier: GPL-2.0

//! Inodes.
//!
//! C header: [`include/linux/fs.h`](srctree/include/linux/fs.h)

use crate::{
    bindings,
    types::Opaque, //
};

/// A VFS inode, borrowed from C.
///
/// Only what code outside the VFS core may touch without the inode's locks is exposed here.
///
/// # Examples
///
/// ```
/// use kernel::{bindings, fs::Inode};
///
/// /// Called from C with an inode it holds a reference on.
/// ///
/// /// # Safety
/// ///
/// /// `inode` must point to an initialised inode that stays valid during the call.
/// unsafe extern "C" fn inode_number(inode: *const bindings::inode) -> u64 {
///     // SAFETY: The caller keeps `inode` valid and initialised for the duration of the call.
///     let inode = unsafe { Inode::from_raw(inode) };
///     inode.ino()
/// }
/// # let _ = inode_number;
/// ```
///
/// # Invariants
///
/// A `&Inode` always points to a `struct inode` whose memory was initialised by
/// `inode_init_once()` (every inode from `alloc_inode()` is; `inode_init_always()` may not have
/// run yet) and stays valid for the lifetime of the reference.
#[repr(transparent)]
pub struct Inode(Opaque<bindings::inode>);

// SAFETY: `struct inode` is shared between threads by design; every field exposed here is
// accessed atomically or under the inode's own locking rules.
unsafe impl Sync for Inode {}

// SAFETY: A `&Inode` carries no thread affinity, an inode may be used from any thread.
unsafe impl Send for Inode {}

impl Inode {
    /// Creates a reference to an [`Inode`] from a valid pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a `struct inode` initialised by `inode_init_once()` that stays valid
    /// for the lifetime `'a`.
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *const bindings::inode) -> &'a Inode {
        // SAFETY: `Inode` is `repr(transparent)` over `struct inode`, and the caller promises the
        // pointer is valid for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// Returns a raw pointer to the inode.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::inode {
        self.0.get()
    }

    /// Returns the inode number.
    #[inline]
    pub fn ino(&self) -> u64 {
        // SAFETY: By the type invariants the inode is valid; `i_ino` is set before the inode is
        // published and not changed afterwards.
        unsafe { (*self.as_ptr()).i_ino }
    }

    /// Returns the `i_addons` slot, the pointer to the inode's add-on container.
    ///
    /// Every access to the slot is atomic: C reads it with `smp_load_acquire()` (see
    /// `inode_addons()` in `include/linux/inode_addons.h`), and only the container code writes
    /// it, with `cmpxchg`/`xchg`, `inode_init_always()` included (through `inode_addons_reset()`):
    /// when XFS recycles an inode, RCU readers that found it earlier may still load the slot
    /// while it is re-initialised.
    ///
    /// # Safety
    ///
    /// C dereferences whatever the slot holds. The caller may store into it only `NULL`, the
    /// container code's dead container, or a zeroed `struct inode_addons` that it allocated and
    /// publishes with a fully ordered `cmpxchg` on `NULL`, and it must retire (free after an RCU
    /// grace period) any container it takes out of the slot. Only the container code
    /// (`rust/inode_addons/`) does either.
    #[cfg(CONFIG_INODE_ADDONS)]
    #[inline]
    pub unsafe fn addons_slot(&self) -> &crate::sync::atomic::Atomic<*mut bindings::inode_addons> {
        // SAFETY: By the type invariants the inode is valid for the lifetime of `&self`, and all
        // concurrent accesses to `i_addons` are atomic, as documented above.
        unsafe { crate::sync::atomic::Atomic::from_ptr(&raw mut (*self.as_ptr()).i_addons) }
    }
}
