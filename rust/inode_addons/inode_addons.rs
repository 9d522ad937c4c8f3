// SPDX-License-Identifier: GPL-2.0

//! Lazily allocated per-inode container for rarely used pointers.
//!
//! C header: [`include/linux/inode_addons.h`](srctree/include/linux/inode_addons.h)
//!
//! `inode->i_addons` goes through three states:
//!
//! 1. `NULL` from `inode_init_always()` ([`inode_addons_reset`]) until the first user calls
//!    [`inode_addons_get`];
//! 2. a container from this crate's cache, published once with a fully ordered `cmpxchg` and
//!    never replaced while the inode lives;
//! 3. [`DEAD`], a shared all-zero container in read-only memory, from `__destroy_inode()` (or a
//!    failed `inode_init_always()`) on. Lockless readers that still load the pointer see only
//!    `NULL` members, and no container can be created any more.
//!
//! A live container retired in step 3 is freed after an RCU grace period, and so is a container
//! found in the slot when `inode_init_always()` resets it (a tracing program may create one on
//! a freshly allocated inode before it is initialised). Filesystems that recycle inodes (XFS
//! calls `__destroy_inode()` itself and re-runs `inode_init_always()`) go from step 3 back to
//! step 1 on the same memory, while RCU readers may still be looking: every write of the slot is
//! atomic.
//!
//! Containers come from this crate's cache, through `kmem_cache_alloc()` for callers that may
//! spin, or `kmem_cache_alloc_nolock()` for those that may run in any context (BPF programs, see
//! [`inode_addons_get_nolock`]). The first lock on an inode without a container takes a container
//! that carries its lock context from a second cache, one allocation instead of two (see
//! [`inode_addons_get_flctx`]). A published container is freed with `kfree()`, which finds its
//! cache, from an RCU callback; a container that lost the publishing race goes back at once, the
//! way its allocator allows in its caller's context (see [`Source`]).
//!
//! This crate owns `struct inode_addons` and its C half (`debug.c`), so it touches those through
//! `bindings` directly; everything generic goes through the `kernel` crate's abstractions.

use core::ptr::{
    null_mut,
    NonNull, //
};
use kernel::{
    alloc::{
        flags::{__GFP_ACCOUNT, GFP_KERNEL},
        Flags,
    },
    bindings,
    fs::Inode,
    prelude::*,
    slab::{KmemCache, SlabFlag},
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
/// All-zero and never written: readers see only `NULL` members. An immutable `static` without
/// interior mutability, it is placed in `.rodata`, which is mapped read-only once the kernel
/// has booted: a stray write through the pointer faults instead of corrupting what every dying
/// inode reads.
struct DeadAddons(Addons);

// SAFETY: `DEAD` is immutable (see the type invariants), so sharing it between threads cannot
// race.
unsafe impl Sync for DeadAddons {}

// INVARIANT: Zeroed here, and immutable.
static DEAD: DeadAddons = DeadAddons(EMPTY);

/// The address of [`DEAD`], as stored in `inode->i_addons`.
///
/// The pointer is `*mut` only because that is the slot's type; nothing writes through it (the
/// crate never hands it to a writer, see `get`, and C only reads members of the dead container).
#[inline]
fn dead() -> *mut Addons {
    (&raw const DEAD.0).cast_mut()
}

/// A published container, borrowed for as long as something keeps it allocated.
///
/// # Invariants
///
/// Wraps a writable `struct inode_addons` that was initialised by `Source::alloc()` and then
/// published in an inode's slot with a fully ordered `cmpxchg`, or (in tests) one just initialised
/// that nothing else can see; never
/// [`DEAD`], which is read-only. It stays allocated for the lifetime of the reference: it is
/// freed an RCU grace period after it was retired, so the borrow is tied to an RCU read-side
/// critical section, to what keeps the inode from being torn down, or to the retirement that
/// queues the free (see `retire()`). Its members belong to
/// their subsystems, which write them in C with aligned pointer stores only (`cmpxchg()`,
/// `WRITE_ONCE()`, `rcu_assign_pointer()`, `RCU_INIT_POINTER()`); this crate only reads them.
#[repr(transparent)]
struct Container(Opaque<Addons>);

impl Container {
    /// Creates a reference to the container at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` must point to one of the containers of the type invariants, which must stay
    /// allocated for `'a`.
    #[inline]
    unsafe fn from_raw<'a>(ptr: *mut Addons) -> &'a Self {
        // SAFETY: `Container` is `repr(transparent)` over `Opaque<Addons>`, itself over `Addons`;
        // the caller guarantees the rest.
        unsafe { &*ptr.cast() }
    }

    #[inline]
    fn as_ptr(&self) -> *mut Addons {
        self.0.get()
    }

    /// Which members are set, as a mask of `enum inode_addons_bits` without the container bit.
    ///
    /// A lockless snapshot: a member may be set or cleared right after it was read. The test of
    /// each member is generated in C from the list of add-ons (`INODE_ADDONS()`), so a new add-on
    /// needs nothing here.
    fn members(&self) -> u32 {
        // SAFETY: FFI call; the container is allocated for the lifetime of `&self` (type
        // invariants), and `inode_addons_members()` only reads it, racing with nothing it cannot
        // tolerate (see its documentation).
        unsafe { bindings::inode_addons_members(self.as_ptr()) }
    }
}

/// What an inode's slot holds.
enum Slot<'a> {
    /// No container was created (or the inode was re-initialised since).
    Empty,
    /// Teardown of the inode has begun: [`DEAD`].
    Dead,
    /// A live container.
    Live(&'a Container),
}

impl<'a> Slot<'a> {
    /// Reads the slot of `inode`, inside the RCU read-side critical section of `_rcu`, which
    /// keeps a container retired meanwhile allocated for as long as the result is used.
    fn load(inode: &Inode, _rcu: &'a rcu::Guard) -> Self {
        // Pairs with the publishing `cmpxchg` in `get()`: the container's members read through
        // the result are at least as recent as the values it was published with.
        // SAFETY: Only loads from the slot.
        let p = unsafe { inode.addons_slot() }.load(Acquire);
        if p.is_null() {
            Slot::Empty
        } else if p == dead() {
            Slot::Dead
        } else {
            // SAFETY: `p` was published in the slot, and `_rcu` keeps it allocated for `'a`,
            // even if it is retired meanwhile: it is freed a grace period after that.
            Slot::Live(unsafe { Container::from_raw(p) })
        }
    }
}

/// The containers' slab cache, created by [`inode_addons_cache_init`] before the first inode.
static CACHE: SetOnce<KmemCache<Addons>> = SetOnce::new();

/// A container made by the first lock on its inode, and the lock context it points to, in one
/// object of [`FLCTX_CACHE`].
///
/// `inode_addons_flctx()` in C expects `flctx` right after the container: checked below.
#[cfg(CONFIG_FILE_LOCKING)]
#[repr(C)]
struct LockContainer {
    addons: Addons,
    flctx: bindings::file_lock_context,
}

#[cfg(CONFIG_FILE_LOCKING)]
const _: () = assert!(core::mem::offset_of!(LockContainer, flctx) == size_of::<Addons>());

/// The cache of [`LockContainer`]s, created with [`CACHE`].
#[cfg(CONFIG_FILE_LOCKING)]
static FLCTX_CACHE: SetOnce<KmemCache<LockContainer>> = SetOnce::new();

/// A container with every member unused: all-zero.
const EMPTY: Addons = {
    // SAFETY: All-zero is a valid `struct inode_addons`: null pointers, zero counters and an
    // unused `rcu_head`.
    unsafe { core::mem::zeroed() }
};

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

/// How a new container is allocated.
///
/// Published containers are freed by [`free_rcu`] with `kfree()`, whatever the way they were
/// allocated; this type only tells how to give back a container that was never published, in the
/// caller's context. Every container starts with all its members unused ([`EMPTY`]) but those
/// its source fills in.
#[derive(Clone, Copy)]
enum Source {
    /// [`CACHE`], with the caller's GFP flags, modifiers included (`GFP_NOFS`, `GFP_NOIO`,
    /// `__GFP_ACCOUNT`...).
    Cache(Flags),
    /// [`CACHE`] through `kmem_cache_alloc_nolock()`: callable from any context, NMI included,
    /// and never spins on a lock (only trylocks), so it cannot deadlock with the context it
    /// interrupted; it fails rather than waits for memory.
    NoLock,
    /// [`FLCTX_CACHE`] with `GFP_KERNEL`: a [`LockContainer`], whose `i_flctx` points to its own
    /// lock context, initialised by `locks_init_lock_context()`.
    #[cfg(CONFIG_FILE_LOCKING)]
    LockContext,
}

impl Source {
    /// Whether a failure must stay silent; fault injection follows the allocation's choice.
    #[cfg(CONFIG_FAULT_INJECTION)]
    fn quiet(self) -> bool {
        match self {
            Source::Cache(flags) => flags.contains(kernel::alloc::flags::__GFP_NOWARN),
            // `kmem_cache_alloc_nolock()` never warns (it adds `__GFP_NOWARN` itself).
            Source::NoLock => true,
            #[cfg(CONFIG_FILE_LOCKING)]
            Source::LockContext => false,
        }
    }

    /// Allocates a container with its members initialised, or returns `None`.
    ///
    /// The members are written here rather than zeroed by the allocator (`__GFP_ZERO`): a few
    /// stores instead of a `memset()` of the whole object, on the path of every first use.
    fn alloc(self) -> Option<NonNull<Addons>> {
        // The caches exist before the first inode does (`inode_init()`); an inode seen without
        // them would be a bug in the caller, so fail rather than dereference.
        let p = match self {
            Source::Cache(flags) => CACHE.as_ref()?.alloc(flags).ok()?,
            // Charged to the active memory cgroup, which BPF sets to the map's, as it does for
            // the storage that needs the container.
            Source::NoLock => CACHE.as_ref()?.alloc_nolock(__GFP_ACCOUNT).ok()?,
            #[cfg(CONFIG_FILE_LOCKING)]
            Source::LockContext => {
                let p = FLCTX_CACHE.as_ref()?.alloc(GFP_KERNEL).ok()?.as_ptr();
                // SAFETY: `p` is a new object that only this thread can see, valid for writes;
                // `flctx` is initialised before the container points to it.
                unsafe {
                    let ctx = &raw mut (*p).flctx;
                    bindings::locks_init_lock_context(ctx);
                    (&raw mut (*p).addons).write(Addons {
                        i_flctx: ctx,
                        ..EMPTY
                    });
                }
                // `addons` is the first member: the object's address is the container's.
                return NonNull::new(p.cast());
            }
        };
        // SAFETY: `p` is a new object of `CACHE`, valid for writes, that only this thread can see.
        unsafe { p.write(EMPTY) };
        Some(p)
    }

    /// Frees a container that was never published.
    ///
    /// # Safety
    ///
    /// `p` must have been returned by `self.alloc()`, never published, and must not be used
    /// afterwards.
    unsafe fn free(self, p: NonNull<Addons>) {
        // `alloc()` returned `p`, so the cache it came from exists.
        match (self, CACHE.as_ref()) {
            // SAFETY: `p` came from `cache` and nobody else can see it, per the safety
            // requirements.
            (Source::Cache(_), Some(cache)) => unsafe { cache.free(p) },
            // SAFETY: `p` came from `cache.alloc_nolock()` and nobody else can see it, per the
            // safety requirements. Unlike `free()`, `free_nolock()` is safe in the context the
            // allocation was made in, whatever it is.
            (Source::NoLock, Some(cache)) => unsafe { cache.free_nolock(p) },
            #[cfg(CONFIG_FILE_LOCKING)]
            (Source::LockContext, _) => {
                if let Some(cache) = FLCTX_CACHE.as_ref() {
                    // SAFETY: `p` came from `cache`, at the start of its object, and nobody else
                    // can see it, per the safety requirements. Its lock context was never used:
                    // nothing to release.
                    unsafe { cache.free(p.cast()) };
                }
            }
            _ => {}
        }
    }
}

/// Returns the container of `inode`, allocating and publishing it on first use.
///
/// Inlined into each exported variant, where `source` is a constant: what is left is the path of
/// that variant only, on the first use of a lock, a mark or BPF storage on the inode.
#[inline(always)]
fn get(inode: &Inode, source: Source) -> Result<NonNull<Addons>, GetError> {
    // SAFETY: This function stores into the slot only a container it allocated and initialised,
    // with a fully ordered `cmpxchg` on `NULL`, and frees it at once if that fails (it was never
    // published).
    let slot = unsafe { inode.addons_slot() };

    // Pairs with the fully ordered `cmpxchg` below (and the one of a concurrent caller): a
    // container observed here was initialised before it was published.
    let cur = slot.load(Acquire);
    if cur == dead() {
        STATS.refused.add(1, Relaxed);
        return Err(GetError::Dying);
    }
    if let Some(cur) = NonNull::new(cur) {
        return Ok(cur);
    }

    // Fault injection (`fail_inode_addons=`), if built in.
    #[cfg(CONFIG_FAULT_INJECTION)]
    {
        // SAFETY: FFI call into this crate's C half, callable from any context (it never injects
        // a failure in NMI context, where the fault injection code is not safe).
        if unsafe { bindings::inode_addons_should_fail(source.quiet()) } {
            STATS.failed.add(1, Relaxed);
            return Err(GetError::NoMemory);
        }
    }
    let new = source.alloc().ok_or_else(|| {
        STATS.failed.add(1, Relaxed);
        GetError::NoMemory
    })?;
    STATS.allocated.add(1, Relaxed);
    // `kmem_cache_alloc_nolock()` objects are invisible to kmemleak until registered, which is
    // done after publication. Whoever retires the container waits for that, and may find it as
    // soon as it is published: mark it first.
    #[cfg(CONFIG_DEBUG_KMEMLEAK)]
    {
        if matches!(source, Source::NoLock) {
            // SAFETY: FFI call, callable from any context; `new` is a container of this
            // crate's, not published yet, that only this thread can see.
            unsafe { bindings::inode_addons_kmemleak_mark(new.as_ptr()) };
        }
    }

    // Full ordering publishes the initialised container: pairs with the acquire loads above and in
    // `inode_addons()` (C). It also orders against `inode_addons_destroy()`'s `xchg`: once that
    // has run, this `cmpxchg` fails and sees `DEAD`, so nothing is created after teardown.
    match slot.cmpxchg(null_mut(), new.as_ptr(), Full) {
        Ok(_) => {
            // Register it with kmemleak, now that it is published.
            #[cfg(CONFIG_DEBUG_KMEMLEAK)]
            {
                if matches!(source, Source::NoLock) {
                    // SAFETY: FFI call, callable from any context; `new` is a published
                    // container, marked before its publication, so that `retire()` does not
                    // hand it to `call_rcu()` before it is registered.
                    unsafe { bindings::inode_addons_kmemleak_track(new.as_ptr()) };
                }
            }
            Ok(new)
        }
        Err(_) => {
            // SAFETY: `new` came from `source.alloc()` and was never published, nobody else can
            // see it.
            unsafe { source.free(new) };
            STATS.freed.add(1, Relaxed);
            STATS.races_lost.add(1, Relaxed);
            // A failed `cmpxchg` is unordered: re-read with acquire to see the winner's members.
            let winner = slot.load(Acquire);
            if winner == dead() {
                STATS.refused.add(1, Relaxed);
                return Err(GetError::Dying);
            }
            // The slot went from `NULL` to a container or to `DEAD`. It goes back to `NULL` only
            // when a filesystem re-initialises the inode after its teardown (XFS recycling), which
            // a caller holding no reference may witness: the inode it asked about is gone then.
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
    to_err_ptr(get(inode, Source::Cache(GFP_KERNEL)))
}

/// Returns the add-on container of `inode`, creating it if needed, from any context.
///
/// Like [`inode_addons_get`], for callers that may run in NMI context or with any lock
/// held, the slab allocator's included: BPF programs. The allocation goes through
/// `kmem_cache_alloc_nolock()`, which only ever trylocks; it fails with `-ENOMEM` rather than
/// deadlock or wait. Publication is the same lock-free `cmpxchg` as for the other variants, so a
/// nested caller (an interrupt or NMI that arrives in the middle) either sees the container or
/// races for it like any other task. Returns `ERR_PTR(-ESTALE)` once teardown of
/// the inode has begun, as the other variants do.
///
/// # Safety
///
/// `inode` must point to an inode initialised by `inode_init_once()`, which `inode_init_always()`
/// may not have initialised yet (a tracing program may run before it), and the caller must keep
/// its memory valid for the duration of the call: with a reference, or inside an RCU read-side
/// critical section (inodes are freed after a grace period) within which it uses the result.
#[export]
pub unsafe extern "C" fn inode_addons_get_nolock(inode: *mut bindings::inode) -> *mut Addons {
    // SAFETY: The caller keeps `inode` valid and initialised for the duration of the call.
    let inode = unsafe { Inode::from_raw(inode) };
    to_err_ptr(get(inode, Source::NoLock))
}

/// [`inode_addons_get_nolock`] for the kmemleak self-test in `debug.c`, which leaks the
/// container on purpose and expects kmemleak to report it.
///
/// A per-CPU sheaf of the slab allocator keeps the address of each object it hands out in the
/// slot it took it from until a free fills that slot again, and kmemleak scans sheaves as it
/// scans any other `kmalloc()` memory. In a cache as quiet as this one that stale copy can
/// outlive the test and hide the leak. So a scratch object is taken before the container and
/// given back after it: a sheaf is a stack, so the scratch object lands in the container's slot.
///
/// # Safety
///
/// Same as [`inode_addons_get_nolock`]. Interrupts must be off, so that all three steps run on
/// one CPU with no other allocation from the container cache in between.
#[cfg(all(CONFIG_DEBUG_KMEMLEAK, CONFIG_INODE_ADDONS_KUNIT_TEST))]
#[export]
pub unsafe extern "C" fn inode_addons_kmemleak_selftest_get(
    inode: *mut bindings::inode,
) -> *mut Addons {
    let scratch = CACHE
        .as_ref()
        .map(|cache| (cache, cache.alloc_nolock(__GFP_ZERO)));
    // SAFETY: Same safety requirements.
    let addons = unsafe { inode_addons_get_nolock(inode) };
    if let Some((cache, Ok(p))) = scratch {
        // SAFETY: `p` came from `cache.alloc_nolock()` just above and is not used afterwards.
        unsafe { cache.free_nolock(p) };
    }
    addons
}

/// Returns the add-on container of `inode`, creating it with the caller's `gfp` if needed.
///
/// Like [`inode_addons_get`], for callers that pass their own GFP flags: `gfp` goes to the
/// allocator as it is (only `__GFP_ZERO` is added), so `GFP_NOFS` or `GFP_NOIO` keep the
/// allocation from recursing into the filesystem or the block layer. `gfp` must allow spinning
/// (`__GFP_DIRECT_RECLAIM` or `__GFP_KSWAPD_RECLAIM`); `inode_addons_get_gfp()` in C sends the
/// other callers to [`inode_addons_get_nolock`]. May sleep if `gfp` allows blocking.
///
/// # Safety
///
/// Same as [`inode_addons_get`].
#[export]
pub unsafe extern "C" fn inode_addons_get_cache(
    inode: *mut bindings::inode,
    gfp: bindings::gfp_t,
) -> *mut Addons {
    // SAFETY: The caller keeps `inode` valid and initialised for the duration of the call.
    let inode = unsafe { Inode::from_raw(inode) };
    to_err_ptr(get(inode, Source::Cache(Flags::from_raw(gfp))))
}

/// Returns the add-on container of `inode`, creating it with a lock context if needed; may sleep.
///
/// For `locks_get_lock_context()`. An inode's first lock usually finds no container: then the
/// container and the lock context come in one allocation, a [`LockContainer`] whose `i_flctx`
/// points to its initialised lock context, published as any other container. The lock
/// context is freed with the container: `locks_free_lock_context()` only clears `i_flctx`. A
/// container that exists is returned as it is, with or without a lock context; the caller then
/// allocates one on its own, as before. Errors as for [`inode_addons_get`].
///
/// # Safety
///
/// Same as [`inode_addons_get`].
#[cfg(CONFIG_FILE_LOCKING)]
#[export]
pub unsafe extern "C" fn inode_addons_get_flctx(inode: *mut bindings::inode) -> *mut Addons {
    might_sleep();
    // SAFETY: The caller keeps `inode` valid and initialised for the duration of the call.
    let inode = unsafe { Inode::from_raw(inode) };
    to_err_ptr(get(inode, Source::LockContext))
}

/// Retires what an atomic exchange just took out of an inode's slot, if it is a container.
///
/// `NULL` (no container) and [`DEAD`] (retired before) need nothing.
///
/// # Safety
///
/// `old` must be the value that the caller's atomic exchange took out of an inode's slot, so
/// that a container in it is published (from either [`Source`]) and no new reader can find it.
unsafe fn retire(old: *mut Addons) {
    if old.is_null() || old == dead() {
        return;
    }
    // SAFETY: `old` is a published container, allocated until the grace period that starts
    // below, after the last use of `container`.
    let container = unsafe { Container::from_raw(old) };
    // The owners release their members before the container is retired; a member left behind
    // would leak, so say so. Not those that go with the container: BPF storage, which `free_rcu`
    // releases once no program can reach it any more, and plain values.
    let left = container.members() & !bindings::INODE_ADDONS_FREED_WITH_CONTAINER;
    kernel::warn_on!(left != 0);
    // `call_rcu()` takes over the `rcu_head`, which a container waiting to be registered with
    // kmemleak still uses.
    #[cfg(CONFIG_DEBUG_KMEMLEAK)]
    {
        // SAFETY: FFI call; `old` is a published container, valid here.
        unsafe { bindings::inode_addons_kmemleak_wait(old) };
    }
    // SAFETY: `old` is a published container, now unreachable for new readers; `free_rcu` frees
    // it once the readers that loaded it before the exchange are done.
    unsafe { rcu::call_rcu(&raw mut (*old).rcu, free_rcu) };
}

/// RCU callback that frees a retired container.
///
/// Runs in softirq context (or in the RCU callback kthread).
///
/// # Safety
///
/// `head` must be the `rcu` member of a published container (from either [`Source`]) that
/// nothing can reach any more: `inode_addons_destroy()` retired it a grace period ago.
unsafe extern "C" fn free_rcu(head: *mut rcu::Head) {
    // SAFETY: `head` is the `rcu` member of a container, per the safety requirements.
    let addons = unsafe { kernel::container_of!(head, Addons, rcu) };
    // BPF storage is destroyed here, and only here: BPF programs reach a container without
    // holding a reference on its inode (tracing programs, LSM hooks called in RCU path walk),
    // always inside an RCU read-side critical section, and find `DEAD` once it is retired. A
    // grace period after the container was retired, no program can look up, add or delete an
    // element any more, so the storage code's destroy runs alone, as it assumes. The container
    // must outlive the storage (it is the storage's owner, whose slot the map teardown may still
    // clear), so this comes before the free below.
    #[cfg(CONFIG_BPF_INODE_STORAGE)]
    {
        // SAFETY: FFI call; the container is valid until freed below, and softirq context is
        // fine for `bpf_inode_storage_destroy()`.
        unsafe { bindings::bpf_inode_storage_destroy(addons) };
    }
    // SAFETY: The container is the start of an object of `CACHE` or `FLCTX_CACHE`, which
    // `kfree()` accepts and returns to its cache, and is unreachable, per the safety
    // requirements; RCU callbacks run in softirq context or in a kthread, where `kfree()` may be
    // called. A lock context that came with it was released by `locks_free_lock_context()`.
    unsafe { bindings::kfree(addons.cast()) };
    STATS.freed.add(1, Relaxed);
}

/// Retires the add-on container of an inode whose teardown has begun.
///
/// Called by `__destroy_inode()` after every subsystem released its member, and by
/// `inode_init_always()` when it fails after [`inode_addons_reset`] (a BPF LSM program on
/// `inode_alloc_security` may have created the container). From then on [`inode_addons_get`]
/// fails with `-ESTALE`, and lockless readers see an empty container. The old container and its
/// BPF storage are freed after an RCU grace period.
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
    // SAFETY: Stores the dead container, and `old` is retired below.
    let old = unsafe { inode.addons_slot() }.xchg(dead(), Full);
    // SAFETY: The `xchg` above took `old` out of the slot.
    unsafe { retire(old) };
}

/// Resets the add-on slot of an inode that `inode_init_always()` is initialising.
///
/// The slot holds `NULL` (a new inode: `inode_init_once()` zeroed it), [`DEAD`] (the memory of an
/// inode torn down before, or XFS recycling one), or a live container: a tracing program
/// attached before the reset may create one on a fresh inode, which nothing else would free.
/// Such a container is retired, and the slot left `NULL`. The exchange is atomic because RCU
/// readers that still hold the memory of a recycled inode may load the slot concurrently.
///
/// # Safety
///
/// `inode` must point to an inode whose `i_addons` was initialised by `inode_init_once()` (or
/// by an earlier life of the inode) and that stays valid for the duration of the call.
#[export]
pub unsafe extern "C" fn inode_addons_reset(inode: *mut bindings::inode) {
    // SAFETY: The caller keeps `inode` valid for the duration of the call, and its slot holds
    // one of the values above; nothing else of the inode is read.
    let inode = unsafe { Inode::from_raw(inode) };
    // Full ordering, as in `inode_addons_destroy()`: a concurrent `get()` either published
    // before, and its container is retired here, or sees `NULL` after, on the re-initialised
    // inode.
    // SAFETY: Stores `NULL`, and `old` is retired below.
    let old = unsafe { inode.addons_slot() }.xchg(null_mut(), Full);
    // SAFETY: The `xchg` above took `old` out of the slot.
    unsafe { retire(old) };
}

/// Returns which add-ons `inode` carries, as a mask of `enum inode_addons_bits`.
///
/// A lockless snapshot, for introspection (the `bpf_inode_addons()` kfunc): each member may be
/// set or cleared right after it was read. An inode without a container, or whose teardown has
/// begun (the dead container), has none.
///
/// # Safety
///
/// `inode` must point to an inode initialised by `inode_init_always()` whose memory stays valid
/// for the duration of the call.
#[export]
pub unsafe extern "C" fn inode_addons_present(inode: *const bindings::inode) -> u32 {
    // SAFETY: The caller keeps `inode` valid for the duration of the call.
    let inode = unsafe { Inode::from_raw(inode) };
    let guard = rcu::read_lock();
    match Slot::load(inode, &guard) {
        Slot::Empty | Slot::Dead => 0,
        Slot::Live(c) => bindings::inode_addons_bits_INODE_ADDONS_CONTAINER | c.members(),
    }
}

/// Creates the containers' cache; called once from `inode_init()`, before any inode exists.
#[export]
pub extern "C" fn inode_addons_cache_init() {
    // Not `SlabFlag::Account`: a container is charged to a memory cgroup when BPF makes it
    // (`Source::NoLock`), like the storage that needs it; one made for a lock context or an
    // fsnotify connector is not, like those (`file_lock_ctx` and `fsnotify_mark_connector` are
    // not accounted either), which spares the first lock on a file a charge.
    let flags = SlabFlag::NoMerge | SlabFlag::Panic;
    match KmemCache::new(c"inode_addons", flags) {
        Ok(cache) => {
            if !CACHE.populate(cache) {
                pr_warn!("cache initialised twice\n");
            }
        }
        // Cannot happen with `SLAB_PANIC`, which panics in C; keep the error visible anyway.
        Err(e) => pr_err!("cannot create the cache: {e:?}\n"),
    }
    // Not accounted either, like `file_lock_ctx`, the cache of the lock contexts it replaces.
    #[cfg(CONFIG_FILE_LOCKING)]
    match KmemCache::new(c"inode_addons_flctx", flags) {
        Ok(cache) => {
            if !FLCTX_CACHE.populate(cache) {
                pr_warn!("lock context cache initialised twice\n");
            }
        }
        Err(e) => pr_err!("cannot create the lock context cache: {e:?}\n"),
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
        // SAFETY: FFI call; `DEAD` lives forever and `inode_addons_members()` only reads it.
        assert_eq!(unsafe { bindings::inode_addons_members(dead()) }, 0);
    }

    #[test]
    fn cache_exists_after_boot() {
        assert!(CACHE.as_ref().is_some());
        #[cfg(CONFIG_FILE_LOCKING)]
        assert!(FLCTX_CACHE.as_ref().is_some());
    }

    #[test]
    fn nolock_alloc_is_empty() {
        // `kmem_cache_alloc_nolock()` may fail even with memory to spare (a trylock lost);
        // nothing to check then (`cache_exists_after_boot` reports a missing cache).
        if let Some(p) = Source::NoLock.alloc() {
            // SAFETY: `p` was just allocated and initialised, is not shared, and is freed after
            // the last use of the reference.
            assert_eq!(unsafe { Container::from_raw(p.as_ptr()) }.members(), 0);
            // SAFETY: `p` came from `Source::NoLock.alloc()`, was never published and is not used
            // afterwards.
            unsafe { Source::NoLock.free(p) };
        }
    }

    #[cfg(CONFIG_FILE_LOCKING)]
    #[test]
    fn lock_context_container_carries_its_context() {
        let Some(p) = Source::LockContext.alloc() else {
            return;
        };
        let lc = p.as_ptr().cast::<LockContainer>();
        // SAFETY: `p` was just allocated and initialised, is not shared, and is freed after the
        // last use of the reference.
        let members = unsafe { Container::from_raw(p.as_ptr()) }.members();
        assert_eq!(members, bindings::inode_addons_bits_INODE_ADDONS_FLCTX);
        // SAFETY: `p` is valid, see above; only addresses are compared.
        let (flctx, own) = unsafe { ((*p.as_ptr()).i_flctx, &raw mut (*lc).flctx) };
        assert_eq!(flctx, own);
        // SAFETY: `p` came from `Source::LockContext.alloc()`, was never published and is not
        // used afterwards.
        unsafe { Source::LockContext.free(p) };
    }
}
