// SPDX-License-Identifier: GPL-2.0

//! Lazily allocated per-inode container for rarely used pointers.
//!
//! C header: [`include/linux/inode_addons.h`](srctree/include/linux/inode_addons.h)
//!
//! `inode->i_addons` goes through three states:
//!
//! 1. `NULL` from `inode_init_always()` until the first user calls [`inode_addons_get`];
//! 2. a container from this crate's cache, published once with a fully ordered `cmpxchg` and
//!    never replaced while the inode lives;
//! 3. [`DEAD`], a shared all-zero container, from `__destroy_inode()` on. Lockless readers that
//!    still load the pointer see only `NULL` members, and no container can be created any more.
//!
//! A live container retired in step 3 is freed after an RCU grace period. Filesystems that
//! recycle inodes (XFS calls `__destroy_inode()` itself and re-runs `inode_init_always()`)
//! pass through `NULL` again, with the old container already on its way to being freed.
//!
//! This crate owns `struct inode_addons` and its C half (`debug.c`), so it touches those through
//! `bindings` directly; everything generic goes through the `kernel` crate's abstractions.

use core::ptr::{
    null_mut,
    NonNull, //
};
use kernel::{
    alloc::{
        flags::{GFP_KERNEL, GFP_NOWAIT, __GFP_NOWARN, __GFP_ZERO},
        Flags,
    },
    bindings,
    fs::Inode,
    prelude::*,
    slab::{KmemCache, SlabFlags},
    sync::{
        atomic::{Acquire, Atomic, Full, Relaxed},
        rcu, SetOnce,
    },
    task::might_sleep,
    types::Opaque,
};

type Addons = bindings::inode_addons;

/// Prefix of this crate's log messages; `module!` would define it, but the crate is built in.
const __LOG_PREFIX: &[u8] = b"inode_addons\0";

/// The container of every inode whose teardown has begun.
///
/// # Invariants
///
/// All-zero and never written: readers see only `NULL` members.
struct DeadAddons(Opaque<Addons>);

// SAFETY: Nothing ever writes the dead container (the crate never hands it to a writer, see
// `get`), so sharing it between threads cannot race.
unsafe impl Sync for DeadAddons {}

// INVARIANT: Zeroed here, and no code path writes through it.
static DEAD: DeadAddons = DeadAddons(Opaque::zeroed());

#[inline]
fn dead() -> *mut Addons {
    DEAD.0.get()
}

/// The containers' slab cache, created by [`inode_addons_cache_init`] before the first inode.
static CACHE: SetOnce<KmemCache<Addons>> = SetOnce::new();

/// Counters of the cache, for tests and for the benchmarks.
struct Stats {
    allocated: Atomic<u64>,
    freed: Atomic<u64>,
    races_lost: Atomic<u64>,
    refused: Atomic<u64>,
    failed: Atomic<u64>,
}

static STATS: Stats = Stats {
    allocated: Atomic::new(0),
    freed: Atomic::new(0),
    races_lost: Atomic::new(0),
    refused: Atomic::new(0),
    failed: Atomic::new(0),
};

/// Why the container of an inode cannot be had.
enum GetError {
    /// Teardown of the inode has begun.
    Dying,
    /// The allocation failed (or a fault was injected).
    NoMemory,
}

impl From<GetError> for Error {
    fn from(e: GetError) -> Error {
        match e {
            GetError::Dying => ESTALE,
            GetError::NoMemory => ENOMEM,
        }
    }
}

/// Returns the container of `inode`, allocating and publishing it on first use.
fn get(inode: &Inode, flags: Flags) -> Result<NonNull<Addons>, GetError> {
    let slot = inode.addons_slot();

    // Pairs with the fully ordered `cmpxchg` below (and the one of a concurrent caller): a
    // container observed here was zeroed before it was published.
    let cur = slot.load(Acquire);
    if cur == dead() {
        STATS.refused.add(1, Relaxed);
        return Err(GetError::Dying);
    }
    if let Some(cur) = NonNull::new(cur) {
        return Ok(cur);
    }

    // The cache exists before the first inode does (`inode_init()`); an inode seen without it
    // would be a bug in the caller, so fail rather than dereference.
    let cache = CACHE.as_ref().ok_or(GetError::NoMemory)?;
    // SAFETY: FFI call into this crate's C half, callable from any context.
    if unsafe { bindings::inode_addons_should_fail(flags.contains(__GFP_NOWARN)) } {
        STATS.failed.add(1, Relaxed);
        return Err(GetError::NoMemory);
    }
    let new = cache.alloc(flags | __GFP_ZERO).map_err(|_| {
        STATS.failed.add(1, Relaxed);
        GetError::NoMemory
    })?;
    STATS.allocated.add(1, Relaxed);

    // Full ordering publishes the zeroed container: pairs with the acquire loads above and in
    // `inode_addons()` (C). It also orders against `inode_addons_destroy()`'s `xchg`: once that
    // has run, this `cmpxchg` fails and sees `DEAD`, so nothing is created after teardown.
    match slot.cmpxchg(null_mut(), new.as_ptr(), Full) {
        Ok(_) => Ok(new),
        Err(_) => {
            // SAFETY: `new` came from `cache` and was never published, nobody else can see it.
            unsafe { cache.free(new) };
            STATS.freed.add(1, Relaxed);
            STATS.races_lost.add(1, Relaxed);
            // A failed `cmpxchg` is unordered: re-read with acquire to see the winner's zeroing.
            let winner = slot.load(Acquire);
            if winner == dead() {
                STATS.refused.add(1, Relaxed);
                return Err(GetError::Dying);
            }
            // The slot only ever goes from a container to `DEAD`, never back to `NULL` while the
            // inode lives, so the winner is non-NULL here.
            NonNull::new(winner).ok_or(GetError::Dying)
        }
    }
}

fn to_err_ptr(r: Result<NonNull<Addons>, GetError>) -> *mut Addons {
    match r {
        Ok(p) => p.as_ptr(),
        Err(e) => Error::from(e).to_ptr(),
    }
}

/// Returns the add-on container of `inode`, creating it if needed; may sleep.
///
/// Returns `ERR_PTR(-ENOMEM)` when the allocation fails and `ERR_PTR(-ESTALE)` once teardown of
/// the inode has begun. The container stays valid until an RCU grace period after
/// `__destroy_inode()`.
///
/// # Safety
///
/// `inode` must point to an inode initialised by `inode_init_always()` that the caller keeps
/// alive (a reference, or a lock that holds off eviction) for the duration of the call.
#[export]
pub unsafe extern "C" fn inode_addons_get(inode: *mut bindings::inode) -> *mut Addons {
    might_sleep();
    // SAFETY: The caller keeps `inode` valid and initialised for the duration of the call.
    let inode = unsafe { Inode::from_raw(inode) };
    to_err_ptr(get(inode, GFP_KERNEL))
}

/// Returns the add-on container of `inode`, creating it if needed, without sleeping.
///
/// Like [`inode_addons_get`], for atomic context: the allocation uses `GFP_NOWAIT` and fails
/// rather than waits for memory.
///
/// # Safety
///
/// Same as [`inode_addons_get`].
#[export]
pub unsafe extern "C" fn inode_addons_get_atomic(inode: *mut bindings::inode) -> *mut Addons {
    // SAFETY: The caller keeps `inode` valid and initialised for the duration of the call.
    let inode = unsafe { Inode::from_raw(inode) };
    to_err_ptr(get(inode, GFP_NOWAIT | __GFP_NOWARN))
}

/// RCU callback that returns a retired container to the cache.
///
/// # Safety
///
/// `head` must be the `rcu` member of a container that came from `CACHE` and that nothing can
/// reach any more: `inode_addons_destroy()` retired it a grace period ago.
unsafe extern "C" fn free_rcu(head: *mut rcu::Head) {
    // SAFETY: `head` is the `rcu` member of a container, per the safety requirements.
    let addons = unsafe { kernel::container_of!(head, Addons, rcu) };
    // PANIC: none; a retired container implies the cache exists.
    if let (Some(cache), Some(addons)) = (CACHE.as_ref(), NonNull::new(addons)) {
        // SAFETY: The container came from `cache` and is unreachable, per the safety
        // requirements.
        unsafe { cache.free(addons) };
        STATS.freed.add(1, Relaxed);
    }
}

/// Retires the add-on container of an inode whose teardown has begun.
///
/// Called by `__destroy_inode()` after every subsystem released its member. From then on
/// [`inode_addons_get`] fails with `-ESTALE`, and lockless readers see an empty container. The
/// old container is freed after an RCU grace period.
///
/// # Safety
///
/// `inode` must point to an inode initialised by `inode_init_always()` whose teardown has begun;
/// it must stay valid for the duration of the call.
#[export]
pub unsafe extern "C" fn inode_addons_destroy(inode: *mut bindings::inode) {
    // SAFETY: The caller keeps `inode` valid for the duration of the call.
    let inode = unsafe { Inode::from_raw(inode) };
    // Full ordering: pairs with the `cmpxchg` in `get()`. Either that `cmpxchg` ran first and
    // its container is retired here, or it fails and refuses to create one.
    let old = inode.addons_slot().xchg(dead(), Full);
    if old.is_null() || old == dead() {
        return;
    }
    // SAFETY: `old` is a published container: valid until the grace period that starts below.
    let members_left = unsafe {
        !(*old).i_flctx.is_null()
            || !(*old).i_fsnotify_marks.is_null()
            || !(*old).i_bpf_storage.is_null()
    };
    // The owners release their members before `__destroy_inode()` retires the container; a member
    // left behind would leak, so say so.
    kernel::warn_on!(members_left);
    // SAFETY: `old` came from `CACHE` and is now unreachable for new readers; `free_rcu` frees it
    // once the readers that loaded it before the `xchg` are done.
    unsafe { rcu::call_rcu(&raw mut (*old).rcu, free_rcu) };
}

/// Creates the containers' cache; called once from `inode_init()`, before any inode exists.
#[export]
pub extern "C" fn inode_addons_cache_init() {
    let flags = SlabFlags::ACCOUNT | SlabFlags::NO_MERGE | SlabFlags::PANIC;
    match KmemCache::new(c"inode_addons", flags) {
        Ok(cache) => {
            if !CACHE.populate(cache) {
                pr_warn!("cache initialised twice\n");
            }
        }
        // Cannot happen with `SLAB_PANIC`, which panics in C; keep the error visible anyway.
        Err(e) => pr_err!("cannot create the cache: {e:?}\n"),
    }
}

/// Copies the cache counters into `stats`.
///
/// # Safety
///
/// `stats` must be valid for writing a `struct inode_addons_stats`.
#[export]
pub unsafe extern "C" fn inode_addons_read_stats(stats: *mut bindings::inode_addons_stats) {
    let s = bindings::inode_addons_stats {
        allocated: STATS.allocated.load(Relaxed),
        freed: STATS.freed.load(Relaxed),
        races_lost: STATS.races_lost.load(Relaxed),
        refused: STATS.refused.load(Relaxed),
        failed: STATS.failed.load(Relaxed),
    };
    // SAFETY: The caller promises `stats` is valid for writes.
    unsafe { stats.write(s) };
}

#[kunit_tests(inode_addons_rust)]
mod tests {
    use super::*;

    #[test]
    fn dead_container_reads_empty() {
        // SAFETY: `DEAD` is valid, zeroed and never written (type invariant).
        let d = unsafe { &*dead() };
        assert!(d.i_flctx.is_null());
        assert!(d.i_fsnotify_marks.is_null());
        assert!(d.i_bpf_storage.is_null());
    }

    #[test]
    fn cache_exists_after_boot() {
        assert!(CACHE.as_ref().is_some());
    }
}
