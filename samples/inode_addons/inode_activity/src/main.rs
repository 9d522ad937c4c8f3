// SPDX-License-Identifier: GPL-2.0
//! inode-activity: which files are opened, read and written, and by whom.
//!
//! Tracing programs (fentry/fexit, no BPF LSM) keep per-inode counters in
//! BPF inode storage, which a kernel with `struct inode_addons` lets tracing
//! programs use.  The counters live and die with their inode; the tool keeps
//! no table of its own in the kernel and cleans nothing up.  See README.md.
//!
//! Usage: inode-activity [-i SECS] [-d SECS] [-n N] [-p PREFIX] [--pin PATH]
//!   -i SECS    print the report every SECS seconds too (default: only at exit)
//!   -d SECS    stop after SECS seconds (default: at SIGINT or SIGTERM)
//!   -n N       print the N most active files (default 10)
//!   -p PREFIX  report only the files whose path starts with PREFIX
//!              (everything is traced either way)
//!   --pin PATH keep the storage map pinned at PATH in bpffs: the counts
//!              outlive this run, and a run with the same PATH carries on
//!              with them (for the inodes still cached); rm PATH to drop them

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CString;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use libbpf_rs::skel::{OpenSkel, Skel, SkelBuilder};
use libbpf_rs::{MapCore, MapFlags, RingBufferBuilder};

#[path = "../../stop.rs"]
mod stop;

mod skel {
    include!(concat!(env!("OUT_DIR"), "/inode_activity.skel.rs"));
}
use skel::*;

// Mirrors of src/bpf/inode_activity.h.
const COMM_LEN: usize = 16;
const PATH_LEN: usize = 256;

#[repr(C)]
#[derive(Clone, Copy)]
struct InodeActivity {
    opens: u64,
    reads: u64,
    writes: u64,
    read_bytes: u64,
    write_bytes: u64,
    last_ns: u64,
    last_pid: u32,
    announced: u32,
    last_comm: [u8; COMM_LEN],
}

#[repr(C)]
#[derive(Clone, Copy)]
struct NewInodeEvent {
    ino: u64,
    dev: u32,
    pad: u32,
    path: [u8; PATH_LEN],
}

/// Reads a `#[repr(C)]` plain-data struct from the start of `bytes`.
fn from_bytes<T: Copy>(bytes: &[u8]) -> Option<T> {
    if bytes.len() < std::mem::size_of::<T>() {
        return None;
    }
    // SAFETY: T is a repr(C) struct of integers and byte arrays, for which
    // every bit pattern is valid, and the length was checked.
    Some(unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast::<T>()) })
}

fn c_str(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// The kernel's dev_t (MAJOR << 20 | MINOR) of a userspace st_dev.
fn kdev(dev: u64) -> u32 {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    ((major << 20) | minor) as u32
}

/// A nonzero number that differs between runs: the BPF side announces again
/// the inodes whose values another run announced (values outlive a run when
/// the map is pinned).
fn run_id() -> u32 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let id = (t.as_nanos() as u32) ^ std::process::id().rotate_left(16);
    id.max(1)
}

struct Options {
    interval: Option<Duration>,
    duration: Option<Duration>,
    top: usize,
    prefix: Option<String>,
    pin: Option<PathBuf>,
}

const USAGE: &str = "usage: inode-activity [-i SECS] [-d SECS] [-n N] [-p PREFIX] [--pin PATH]";

fn parse_args() -> Result<Options> {
    let mut opts = Options {
        interval: None,
        duration: None,
        top: 10,
        prefix: None,
        pin: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut string = |what: &str| args.next().with_context(|| format!("{a} needs {what}"));
        let number = |v: String| -> Result<u64> {
            v.parse().with_context(|| format!("{a} {v}: not a number"))
        };
        match a.as_str() {
            "-i" => opts.interval = Some(Duration::from_secs(number(string("seconds")?)?.max(1))),
            "-d" => opts.duration = Some(Duration::from_secs(number(string("seconds")?)?)),
            "-n" => opts.top = number(string("a count")?)? as usize,
            "-p" => opts.prefix = Some(string("a path prefix")?),
            "--pin" => opts.pin = Some(string("a path in bpffs")?.into()),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => bail!("unknown argument {a} ({USAGE})"),
        }
    }
    Ok(opts)
}

/// An inode announced by the BPF side: where to find it again.
struct Seen {
    path: String,
}

/// Opens `path` again to look up its inode's value, keyed by the new fd.
///
/// O_PATH first: it runs no open hook and needs no permission on the file.
/// If the kernel's lookup wanted a real open file, a read-only open
/// follows (the BPF side does not count the tool's own opens).  Returns None
/// when the path is gone or names another inode now: the inode the value
/// belonged to was evicted, and its storage with it.
fn lookup_value(map: &dyn MapCore, path: &str, dev: u32, ino: u64) -> Option<InodeActivity> {
    let cpath = CString::new(path).ok()?;
    for flags in [
        libc::O_PATH,
        libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY,
    ] {
        // SAFETY: a valid NUL-terminated path; the fd is owned below.
        let raw = unsafe { libc::open(cpath.as_ptr(), flags | libc::O_CLOEXEC) };
        if raw < 0 {
            return None;
        }
        // SAFETY: raw is a file descriptor we just opened and own.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: fstat on an open fd into a zeroed stat.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } != 0 {
            return None;
        }
        if kdev(st.st_dev) != dev || st.st_ino != ino {
            return None;
        }
        let key = fd.as_raw_fd().to_ne_bytes();
        match map.lookup(&key, MapFlags::ANY) {
            Ok(Some(bytes)) => return from_bytes(&bytes),
            Ok(None) => return None,
            Err(_) => continue,
        }
    }
    None
}

struct Row {
    a: InodeActivity,
    path: String,
}

fn report(
    skel: &InodeActivitySkel,
    seen: &HashMap<(u32, u64), Seen>,
    opts: &Options,
    final_: bool,
) {
    let mut rows = Vec::new();
    let mut considered = 0;
    for (&(dev, ino), s) in seen {
        if opts
            .prefix
            .as_ref()
            .is_some_and(|p| !s.path.starts_with(p.as_str()))
        {
            continue;
        }
        considered += 1;
        if let Some(a) = lookup_value(&skel.maps.activity, &s.path, dev, ino) {
            rows.push(Row {
                a,
                path: s.path.clone(),
            });
        }
    }
    rows.sort_by(|x, y| {
        let key = |r: &Row| {
            (
                r.a.opens + r.a.reads + r.a.writes,
                r.a.read_bytes + r.a.write_bytes,
            )
        };
        key(y).cmp(&key(x)).then_with(|| x.path.cmp(&y.path))
    });

    let (drops, failures) = skel
        .maps
        .bss_data
        .as_deref()
        .map(|b| (b.announce_drops, b.storage_failures))
        .unwrap_or((0, 0));
    println!(
        "{} {} files seen{}, {} still there, {} gone (evicted with their storage){}",
        if final_ { "== final:" } else { "==" },
        considered,
        opts.prefix
            .as_ref()
            .map(|p| format!(" under {p}"))
            .unwrap_or_default(),
        rows.len(),
        considered - rows.len(),
        if drops + failures > 0 {
            format!("; {drops} announcements dropped, {failures} values not allocated")
        } else {
            String::new()
        }
    );
    println!(
        "{:>7} {:>7} {:>7} {:>10} {:>10} {:>7} {:<16} PATH",
        "OPENS", "READS", "WRITES", "READ-B", "WRITE-B", "PID", "LAST-COMM"
    );
    for r in rows.iter().take(opts.top) {
        println!(
            "{:>7} {:>7} {:>7} {:>10} {:>10} {:>7} {:<16} {}",
            r.a.opens,
            r.a.reads,
            r.a.writes,
            r.a.read_bytes,
            r.a.write_bytes,
            r.a.last_pid,
            c_str(&r.a.last_comm),
            r.path
        );
    }
}

fn main() -> Result<()> {
    let opts = parse_args()?;
    stop::install().context("sigaction")?;

    let mut open_object = MaybeUninit::uninit();
    let mut open_skel = InodeActivitySkelBuilder::default()
        .open(&mut open_object)
        .context("opening the BPF object")?;
    let rodata = open_skel
        .maps
        .rodata_data
        .as_deref_mut()
        .context("no .rodata in the BPF object")?;
    rodata.self_tgid = std::process::id();
    rodata.run_id = run_id();
    // libbpf reuses the map pinned at the path if there is one (and refuses
    // one of another type or layout), else creates the map and pins it there.
    let reused = match &opts.pin {
        Some(p) => {
            open_skel
                .maps
                .activity
                .set_pin_path(p)
                .with_context(|| format!("--pin {}", p.display()))?;
            p.exists()
        }
        None => false,
    };
    let mut skel = open_skel.load().with_context(|| match &opts.pin {
        Some(p) if reused => format!(
            "reusing the map pinned at {} (is it one of this tool's?)",
            p.display()
        ),
        Some(p) => format!(
            "loading the BPF programs and pinning the storage map at {} (needs root, a \
             kernel whose tracing programs may use BPF inode storage: \
             CONFIG_INODE_ADDONS=y, and PATH in a mounted bpffs: \
             mount -t bpf none /sys/fs/bpf)",
            p.display()
        ),
        None => "loading the BPF programs (needs root, and a kernel whose tracing programs \
                 may use BPF inode storage: CONFIG_INODE_ADDONS=y)"
            .into(),
    })?;
    skel.attach().context("attaching the BPF programs")?;
    if let Some(p) = &opts.pin {
        eprintln!(
            "inode-activity: storage map {} {}",
            if reused { "reused from" } else { "pinned at" },
            p.display()
        );
    }

    let seen: Rc<RefCell<HashMap<(u32, u64), Seen>>> = Rc::default();
    let mut rbb = RingBufferBuilder::new();
    {
        let seen = Rc::clone(&seen);
        rbb.add(&skel.maps.new_inodes, move |data: &[u8]| {
            if let Some(e) = from_bytes::<NewInodeEvent>(data) {
                let path = c_str(&e.path);
                if !path.is_empty() {
                    seen.borrow_mut().insert((e.dev, e.ino), Seen { path });
                }
            }
            0
        })?;
    }
    let rb = rbb.build()?;

    eprintln!(
        "inode-activity: tracing (pid {}){}",
        std::process::id(),
        match opts.duration {
            Some(d) => format!(" for {}s", d.as_secs()),
            None => ", SIGINT or SIGTERM to stop".into(),
        }
    );
    let start = Instant::now();
    let mut last = Instant::now();
    while !stop::requested() {
        if let Err(e) = rb.poll(Duration::from_millis(200)) {
            if !stop::requested() {
                return Err(e).context("polling the ring buffer");
            }
        }
        if opts.duration.is_some_and(|d| start.elapsed() >= d) {
            break;
        }
        if let Some(i) = opts.interval {
            if last.elapsed() >= i {
                report(&skel, &seen.borrow(), &opts, false);
                last = Instant::now();
            }
        }
    }
    rb.consume().context("draining the ring buffer")?;
    report(&skel, &seen.borrow(), &opts, true);
    Ok(())
}
